"""The language switcher in a real browser, with the keyboard only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import login
from tests.factories import MembershipFactory, UserFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, selector: str, *, presses: int = 40) -> None:
    """Presses Tab until `selector` has the focus, as a keyboard user gets there."""
    for _ in range(presses):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def switch_with_keyboard(page: Page, key: str) -> None:
    tab_to(page, "#lang-switch-select")
    page.keyboard.press(key)
    page.keyboard.press("Tab")  # to the switcher's button
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_marketer_switches_to_chinese_and_back_with_the_keyboard(
    page: Page, live_server: LiveServer, app: App, shots: Callable[[Page], Shots]
) -> None:
    MembershipFactory(app=app, user=UserFactory(username="mia"), role="marketer")
    shot = shots(page)
    login(page, live_server.url, "mia", "correct-horse-battery")
    assert page.evaluate("document.documentElement.lang") == "en"
    shot("apps-en")

    switch_with_keyboard(page, "ArrowDown")

    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    table = page.get_by_role("table", name="应用")
    assert table.get_by_role("columnheader", name="操作").is_visible()
    assert table.get_by_role("link", name="创建推送").is_visible()
    assert page.get_by_role("link", name="推送记录").is_visible()
    shot("apps-zh-hans")

    # Remembered on the profile: a new browser of the same person opens in Chinese.
    page.context.clear_cookies()
    login_zh(page, live_server.url)
    assert page.evaluate("document.documentElement.lang") == "zh-hans"

    switch_with_keyboard(page, "ArrowUp")

    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("table", name="Apps").is_visible()


def login_zh(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def test_the_upload_script_speaks_chinese(
    page: Page, live_server: LiveServer, app: App, shots: Callable[[Page], Shots]
) -> None:
    """The page scripts get their words from the JavaScript catalog (same-origin, no CSP
    violation: the csp_watch fixture fails the test on any)."""
    MembershipFactory(app=app, user=UserFactory(username="mia"), role="marketer")
    login(page, live_server.url, "mia", "correct-horse-battery")
    switch_with_keyboard(page, "ArrowDown")
    page.goto(f"{live_server.url}/apps/{app.code}/push/new/")

    page.locator("#id_accounts_text").fill("alice\nbob")

    assert page.locator("#id_content_count").inner_text().startswith("0 个字符")
    page.locator("#id_title").fill("春季促销")
    assert page.locator("#id_title_count").inner_text().startswith("4 个字符")
    shots(page)("create-push-zh-hans")
