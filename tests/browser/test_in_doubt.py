"""An in-doubt push in Chromium: the record page shows what the lookup found, in words,
and Resend waits for a finished lookup."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.models import Push
from pushes.services import push_approve, push_deliver, push_reconcile, push_submit
from tests.browser.conftest import login
from tests.factories import make_push

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.conftest import Gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_an_admin_sees_the_evidence_and_resends_only_after_the_lookup(
    page: Page,
    live_server: LiveServer,
    gateway: Gateway,
    settings: Settings,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
    shots: Callable[[Page], Shots],
) -> None:
    settings.TPNS_READ_TIMEOUT = 0.5
    gateway.bind("alice")
    push = push_submit(push=make_push(app=app, author=marketer, title="Weekly picks"), by=marketer)
    push = push_approve(push=push, by=reviewer)
    gateway.fault("push", "sleep", seconds=1.5)  # held past the timeout, never applied
    push_deliver(push_id=push.id)
    shot = shots(page)
    login(page, live_server.url, "ada", PASSWORD)
    page.goto(f"{live_server.url}/pushes/{push.code}/")
    notice = page.get_by_test_id("in-doubt")
    assert "Looking it up" in notice.inner_text()
    assert page.get_by_role("button", name="It was not sent: resend").count() == 0
    shot("in-doubt-looking")

    settings.PUSH_LOOKUP_SETTLE_SECONDS = 0
    assert push_reconcile(push_id=push.id) == Push.LookupState.ABSENT
    page.reload()
    evidence = page.get_by_test_id("lookup-note").inner_text()
    assert "none carries this push's marker" in evidence
    assert push.code.hex in evidence
    shot("in-doubt-absent")
    page.get_by_role("button", name="It was not sent: resend").click()
    page.wait_for_url(f"**/pushes/{push.code}/")
    assert "Queued to be sent again." in page.locator(".messages").inner_text()
    push_deliver(push_id=push.id)
    page.reload()
    page.get_by_test_id("status").filter(has_text="Sent").wait_for()
    assert len(gateway.pushes()) == 1
    shot("resent")
