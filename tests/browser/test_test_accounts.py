"""Four eyes on test accounts in Chromium: an admin proposes, a reviewer approves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import login

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_an_admin_proposes_and_a_reviewer_approves_the_test_accounts(
    page: Page,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    app: App,
    app_admin: User,
    reviewer: User,
    shots: Callable[[Page], Shots],
) -> None:
    shot = shots(page)
    login(page, live_server.url, "ada", PASSWORD)
    page.goto(f"{live_server.url}/apps/{app.code}/test-accounts/")
    page.get_by_role("textbox", name="Test accounts").fill("qa-phone-1\nqa-phone-2")
    page.get_by_role("button", name="Propose test accounts").click()
    pending = page.get_by_test_id("pending")
    assert "ada proposed 2 accounts" in pending.inner_text()
    assert page.get_by_role("button", name="Approve").count() == 0  # not for its author
    assert "No test accounts are in use" in page.get_by_test_id("current-list").inner_text()
    shot("proposed")

    checker = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    login(checker, live_server.url, "rob", PASSWORD)
    checker.goto(f"{live_server.url}/apps/{app.code}/test-accounts/")
    checker.get_by_role("button", name="Approve").click()
    current = checker.get_by_test_id("current-list").inner_text()
    assert "qa-phone-1" in current and "approved by rob" in current
    shots(checker)("approved-on-a-phone")
    app.refresh_from_db()
    assert app.test_accounts == ["qa-phone-1", "qa-phone-2"]
