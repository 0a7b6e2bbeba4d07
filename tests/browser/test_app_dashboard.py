"""The app dashboard in Chromium: both charts drawn by Chart.js from static/, the 30/90-day
switch from the keyboard, the tables behind the charts, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.factories import make_sent_push

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
CHARTS = ("dashboard-pushes", "dashboard-rates")

# What Chart.js made of a canvas: its instance, its size on screen and whether it painted.
DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const chart = Chart.getChart(canvas);
  const box = canvas.getBoundingClientRect();
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return {
    chart: chart !== undefined,
    width: box.width,
    height: box.height,
    painted: painted,
    points: chart ? chart.data.datasets.map((d) => d.data.length) : [],
  };
}"""


def send_some(app: App, author: User) -> None:
    now = timezone.now() - timedelta(minutes=5)
    pushes = [
        ("Flash deal", 0, 120, (120, 110, 96, 41)),
        ("Weekly news", 2, 300, (300, 280, 250, 30)),
        ("Back in stock", 2, 80, (80, 76, 70, 21)),
        ("Price drop", 9, 500, (500, 460, 400, 88)),
        ("Welcome back", 21, 60, (60, 55, 20, 2)),
        ("Autumn sale", 50, 900, (900, 850, 700, 140)),
    ]
    for title, days_ago, accounts, funnel in pushes:
        at = now - timedelta(days=days_ago)
        make_sent_push(app=app, author=author, at=at, title=title, accounts=accounts, funnel=funnel)


def assert_charts_drawn(page: Page, days: int) -> None:
    for canvas in CHARTS:
        page.wait_for_function(
            "(id) => { const c = Chart.getChart(document.getElementById(id)); return !!c; }",
            arg=canvas,
        )
        drawn: dict[str, Any] = page.evaluate(DRAWN, canvas)
        assert drawn["chart"], canvas
        assert drawn["width"] > 100 and drawn["height"] > 100, drawn
        assert drawn["painted"] > 0, f"{canvas} is blank"
        assert drawn["points"] == [days, days], drawn


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_the_dashboard_draws_its_charts_and_switches_to_90_days(
    new_page: Callable[..., Page],
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    send_some(app, marketer)
    page = new_page(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    shot = shots(page)
    login(page, live_server.url, "mia", PASSWORD)
    page.goto(f"{live_server.url}/apps/{app.code}/")

    assert_charts_drawn(page, 30)
    assert page.get_by_test_id("total-pushes").inner_text() == "5"
    assert page.get_by_test_id("total-accounts").inner_text() == "1,060"
    top = page.get_by_test_id("dashboard-top")
    assert top.locator("tbody tr").first.get_by_role("link").inner_text() == "Flash deal"
    current = page.get_by_role("navigation", name="Dashboard period").locator("[aria-current]")
    assert current.inner_text() == "Last 30 days"
    page.get_by_test_id("dashboard").scroll_into_view_if_needed()
    shot("dashboard-30-days")

    # The switch is a pair of links: Tab reaches them, Enter follows one.
    ninety = page.get_by_role("link", name="Last 90 days")
    ninety.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?days=90#dashboard")
    assert_charts_drawn(page, 90)
    assert page.get_by_test_id("total-pushes").inner_text() == "6"
    assert ninety.get_attribute("aria-current") == "page"

    page.get_by_text("Rates per day as a table").click()
    rows = page.get_by_test_id("dashboard-rates-table").locator("tbody tr")
    assert rows.count() == 90
    assert page.get_by_test_id("dashboard-rates-table").is_visible()
    shot("dashboard-90-days-with-table")

    top.get_by_role("link", name="Flash deal").click()
    page.wait_for_url("**/pushes/*/")
    assert "Flash deal" in page.locator("h1").inner_text()


def test_the_dashboard_fits_a_phone(
    new_page: Callable[..., Page],
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    send_some(app, marketer)
    phone = new_page(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        reduced_motion="reduce",
    )
    shot = shots(phone)
    login(phone, live_server.url, "mia", PASSWORD)
    phone.goto(f"{live_server.url}/apps/{app.code}/")

    assert_charts_drawn(phone, 30)
    no_sideways_scroll(phone)
    for canvas in CHARTS:
        width = phone.evaluate("(id) => document.getElementById(id).clientWidth", canvas)
        assert 200 < width <= 390
    phone.get_by_test_id("dashboard").scroll_into_view_if_needed()
    shot("dashboard-phone")
    phone.get_by_text("Pushes per day as a table").click()
    no_sideways_scroll(phone)
    phone.get_by_test_id("dashboard-top").scroll_into_view_if_needed()
    shot("dashboard-phone-top-pushes")
