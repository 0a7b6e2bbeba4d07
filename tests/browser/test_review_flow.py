"""The whole loop in Chromium: a marketer confirms, a reviewer approves, a real worker sends
it through the sandbox, and the record page and the Sandbox inbox show it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.models import Push
from pushes.services import results_refresh_from_gateway
from tests.browser.conftest import login
from tests.integration.conftest import worker_factory  # noqa: F401  (a fixture)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def create_and_confirm(page: Page, base: str, app: App, username: str, title: str) -> str:
    login(page, base, username, PASSWORD)
    row = page.get_by_role("table", name="Apps").get_by_role("row").filter(has_text=app.name)
    row.get_by_role("link", name="Create Push").click()
    page.get_by_label("Accounts", exact=True).fill("alice\nbob")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Content").fill("Doors open at 10:00.")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/pushes/*/")
    assert page.get_by_test_id("status").inner_text() == "Pending review"
    return page.url


def test_marketer_confirms_reviewer_approves_and_it_is_delivered(
    new_page: Callable[..., Page],
    page: Page,
    live_server: LiveServer,
    gateway: Gateway,
    settings: Settings,
    worker_factory: Callable[..., Worker],  # noqa: F811
    app: App,
    marketer: User,
    reviewer: User,
    shots: Callable[[Page], Shots],
) -> None:
    gateway.bind("alice")
    gateway.bind("bob", devices=2)
    worker_factory(
        env_overrides={"TPNS_SANDBOX_BASE_URL": gateway.url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    )
    shot = shots(page)
    record_url = create_and_confirm(page, live_server.url, app, "mia", "Grand opening")
    shot("marketer-confirmed")

    checker = new_page(viewport={"width": 1280, "height": 800})
    review_shot = shots(checker)
    login(checker, live_server.url, "rob", PASSWORD)
    checker.get_by_role("link", name="Review queue").click()
    queue = checker.get_by_role("table", name="Pushes waiting for review")
    queue.get_by_role("row").filter(has_text="Grand opening").get_by_role(
        "link", name="Review"
    ).click()
    assert '"account_list"' in checker.get_by_label("Payload").inner_text()
    review_shot("review-page")
    checker.get_by_role("button", name="Approve").click()
    checker.wait_for_url("**/review/")
    review_shot("approved")

    # The marketer's record page follows delivery live until it is sent.
    page.goto(record_url)
    page.get_by_test_id("status").filter(has_text="Sent").wait_for(timeout=30_000)
    push = Push.objects.get(title="Grand opening")
    assert push.status == Push.Status.SENT and push.push_id
    timeline = page.locator("#timeline")
    assert push.push_id in timeline.inner_text()
    assert timeline.get_by_text("Approved", exact=True).is_visible()
    # The first delivery results, as the beat's first refresh would fetch them.
    assert results_refresh_from_gateway(push_id=push.id) == "refreshed"
    page.reload()
    funnel = page.get_by_test_id("results-funnel")
    # Push to the account's latest device (the default): one each, though bob has two.
    assert funnel.locator("[data-step=planned] td").first.inner_text() == "2"
    assert funnel.locator("[data-step=sent] td").first.inner_text() == "2"
    shot("record-sent")

    page.get_by_role("link", name="Sandbox").first.click()
    inbox = page.locator("main")
    assert inbox.get_by_text("Grand opening").first.is_visible()
    assert gateway.deliveries() == [("alice", "Grand opening"), ("bob", "Grand opening")]
    shot("sandbox-inbox")


def test_the_author_cannot_approve_their_own_push_in_the_browser(
    page: Page, live_server: LiveServer, app: App, app_admin: User, shots: Callable[[Page], Shots]
) -> None:
    record_url = create_and_confirm(page, live_server.url, app, "ada", "Own push")
    push = Push.objects.get(title="Own push")
    page.goto(f"{live_server.url}/review/{push.code}/")
    assert page.get_by_text("nobody approves their own push").is_visible()
    assert page.get_by_role("button", name="Approve").count() == 0
    shots(page)("own-push-review")
    page.goto(record_url)
    assert page.get_by_test_id("status").inner_text() == "Pending review"
