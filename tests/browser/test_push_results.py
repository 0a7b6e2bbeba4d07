"""The record page's delivery results in Chromium: the funnel chart and its table, the
channels, the reach-over-time line, the Refresh button; at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from pushes.models import ChannelResult, PushResults, ResultSample
from tests.browser.conftest import login
from tests.factories import make_sent_push

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App, Push
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const chart = Chart.getChart(canvas);
  const box = canvas.getBoundingClientRect();
  return {chart: chart !== undefined, width: box.width, height: box.height,
          values: chart ? chart.data.datasets.map((d) => d.data.length) : []};
}"""


def sent_with_results(app: App, author: User) -> Push:
    sent_at = timezone.now() - timedelta(hours=2)
    push = make_sent_push(
        app=app, author=author, at=sent_at, title="Flash deal", accounts=1200,
        funnel=(1000, 980, 900, 180),
    )  # fmt: skip
    results = PushResults.objects.get(push=push)
    results.cleared, results.as_of = 120, timezone.now()
    results.save()
    for channel, share in (("xg", 0.5), ("hw", 0.3), ("apns", 0.2)):
        ChannelResult.objects.create(
            results=results,
            channel=channel,
            planned=int(1000 * share),
            sent=int(980 * share),
            arrived=int(900 * share),
            clicked=int(180 * share),
            cleared=int(120 * share),
        )
    for minutes, arrived, clicked in ((1, 300, 10), (5, 700, 60), (15, 850, 140), (60, 900, 180)):
        ResultSample.objects.create(
            results=results,
            taken_at=sent_at + timedelta(minutes=minutes),
            planned=1000,
            sent=980,
            arrived=arrived,
            clicked=clicked,
        )
    return push


@pytest.mark.parametrize("width", [1280, 390])
def test_the_record_page_shows_the_funnel_channels_and_reach_over_time(
    width: int,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    push = sent_with_results(app, marketer)
    page = new_page(viewport={"width": width, "height": 900})
    login(page, live_server.url, "mia", PASSWORD)

    page.goto(f"{live_server.url}/pushes/{push.code}/#results")
    page.wait_for_function("() => Chart.getChart(document.getElementById('results-line'))")

    funnel = page.get_by_test_id("results-funnel")
    assert funnel.locator("[data-step=planned] td").first.inner_text() == "1,000"
    assert funnel.locator("[data-step=clicked] td").nth(1).inner_text() == "18%"
    channels = page.get_by_test_id("results-channels")
    assert channels.locator("[data-channel=hw] td").first.inner_text() == "300"
    drawn = page.evaluate(DRAWN, "results-funnel")
    assert drawn["chart"] and drawn["values"] == [5] and drawn["width"] > 200
    line = page.evaluate(DRAWN, "results-line")
    assert line["chart"] and line["values"] == [5, 5]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#results").scroll_into_view_if_needed()
    shots(page)(f"results-{width}")
    refresh = page.get_by_role("button", name="Refresh")
    assert refresh.is_disabled()  # the figures are less than a minute old
    PushResults.objects.filter(push=push).update(as_of=timezone.now() - timedelta(minutes=5))
    page.reload()
    page.get_by_role("button", name="Refresh").click()
    page.wait_for_url(f"**/pushes/{push.code}/#results")
    assert "Asked the gateway for the latest results" in page.locator(".messages").inner_text()
