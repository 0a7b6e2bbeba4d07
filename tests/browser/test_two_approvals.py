"""Two reviewers on an app that needs two approvals: the first is told it waits for a
second reviewer and is not offered Approve again; the second approves and a real worker
sends it through the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.models import Push, Role
from pushes.services import push_submit
from tests.browser.conftest import login
from tests.factories import MembershipFactory, UserFactory, make_push
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
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def open_review(page: Page, base: str, username: str, title: str) -> None:
    """Sign in, and open the push from the review queue."""
    login(page, base, username, PASSWORD)
    page.get_by_role("link", name="Review queue").first.click()
    row = page.get_by_role("table", name="Pushes waiting for review").get_by_role("row")
    row.filter(has_text=title).get_by_role("link", name="Review").click()
    page.wait_for_url("**/review/*/")


def test_two_reviewers_approve_and_the_first_waits_for_the_second(
    new_page: Callable[..., Page],
    live_server: LiveServer,
    gateway: Gateway,
    settings: Settings,
    worker_factory: Callable[..., Worker],  # noqa: F811
    app: App,
    marketer: User,
    reviewer: User,
    shots: Callable[[Page], Shots],
) -> None:
    app.two_approvals_above = 1
    app.save()
    MembershipFactory(app=app, user=UserFactory(username="rita"), role=Role.REVIEWER)
    gateway.bind("alice", "bob")
    worker_factory(
        env_overrides={"TPNS_SANDBOX_BASE_URL": gateway.url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    )
    push = push_submit(push=make_push(app=app, author=marketer, title="Big sale"), by=marketer)
    base = live_server.url

    first = new_page(**DESKTOP)
    first_shot = shots(first)
    open_review(first, base, "rob", "Big sale")
    assert first.get_by_text("Approvals: 0 of 2 needed.").is_visible()
    first_shot("rob-reviews")
    first.get_by_role("button", name="Approve").click()
    first.wait_for_url("**/review/")
    assert first.get_by_role("status").inner_text() == (
        "Approved (1 of 2); waiting for a second reviewer."
    )
    row = first.get_by_role("row").filter(has_text="Big sale")
    waiting = "You approved; waiting for a second reviewer (1 of 2)."
    assert row.get_by_test_id("approvals").inner_text() == waiting
    assert row.get_by_role("link", name="Review").count() == 0
    first_shot("rob-queue-waiting")
    row.get_by_role("link", name="View").click()
    assert first.get_by_test_id("review-progress").inner_text() == waiting
    assert first.get_by_role("button", name="Approve").count() == 0
    assert first.get_by_role("button", name="Reject").count() == 0
    first_shot("rob-review-page-waiting")

    author = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    login(author, base, "mia", PASSWORD)
    author.goto(f"{base}/pushes/{push.code}/")
    assert author.get_by_test_id("review-progress").inner_text() == (
        "Approved by rob; waiting for a second reviewer (1 of 2)."
    )
    shots(author)("mia-record-waiting")

    second = new_page(**DESKTOP)
    second_shot = shots(second)
    open_review(second, base, "rita", "Big sale")
    assert second.get_by_test_id("review-progress").inner_text() == "1 of 2 approvals, by rob."
    second_shot("rita-reviews")
    second.get_by_role("button", name="Approve").click()
    second.wait_for_url("**/review/")
    assert second.get_by_role("status").inner_text() == "Approved; it is being sent."
    second_shot("rita-approved")

    author.reload()
    author.get_by_test_id("status").filter(has_text="Sent").wait_for(timeout=30_000)
    shots(author)("mia-record-sent")
    push.refresh_from_db()
    assert push.status == Push.Status.SENT and push.push_id
    assert gateway.deliveries() == [("alice", "Big sale"), ("bob", "Big sale")]
