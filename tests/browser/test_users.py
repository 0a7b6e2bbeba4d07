"""Users in Chromium: staff creates an account and copies its one-time link, the new user sets
a password through it on a phone, signs in, and later changes the password."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from pushes.models import Membership, Role
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
FIRST = "plum-violet-orchard-77"
SECOND = "amber-heron-lantern-19"
# Not "New password confirmation"; the label ends in the required mark.
NEW_PASSWORD_LABEL = re.compile(r"^New password\W*$")


def _staff_creates_nina(page: Page, base: str, shot: Callable[[str], object]) -> str:
    """Creates nina from the Users page; returns the link the Copy button put on the clipboard."""
    login(page, base, "root", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("nina")
    page.get_by_label("E-mail", exact=True).fill("nina@example.com")
    page.get_by_label("First name").fill("Nina")
    assert page.locator("input[type=password]").count() == 0  # nobody types her password
    shot("new-user")
    page.get_by_role("button", name="Create user").click()

    panel = page.get_by_test_id("password-link")
    link = panel.get_by_role("textbox", name="Set-password link").input_value()
    assert link.startswith(f"{base}/password/set/")
    panel.get_by_role("button", name="Copy link").click()
    # The clipboard answers asynchronously: wait for the status to say so.
    status = panel.get_by_role("status").filter(has_text="Copied.")
    status.wait_for()
    assert status.inner_text().startswith("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == link
    shot("link-shown-once")
    page.reload()
    assert page.get_by_test_id("password-link").count() == 0
    page.get_by_role("link", name="Users", exact=True).first.click()
    assert "No password yet" in page.get_by_test_id("user-nina").inner_text()
    shot("users-list")
    return str(copied)


def test_staff_creates_a_user_who_sets_and_later_changes_a_password(
    new_page: Callable[..., Page],
    live_server: LiveServer,
    app: App,
    staff: User,
    shots: Callable[[Page], Shots],
) -> None:
    base = live_server.url
    admin_page = new_page(
        viewport={"width": 1280, "height": 800}, permissions=["clipboard-read", "clipboard-write"]
    )
    shot = shots(admin_page)
    link = _staff_creates_nina(admin_page, base, shot)

    # Staff adds her to the app: the form offers her, and the role starts at Reviewer.
    admin_page.goto(f"{base}/apps/{app.code}/")
    assert admin_page.get_by_label("Role").input_value() == Role.REVIEWER
    admin_page.get_by_label("Username").fill("nina")
    admin_page.get_by_role("button", name="Save member").click()
    assert Membership.objects.get(app=app, user__username="nina").role == Role.REVIEWER
    shot("added-as-reviewer")

    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    on_phone = shots(phone)
    phone.goto(link)
    assert phone.url.endswith("/set-password/")  # the token is gone from the address bar
    phone.get_by_label(NEW_PASSWORD_LABEL).fill(FIRST)
    phone.get_by_label("New password confirmation").fill(FIRST)
    on_phone("set-password")
    phone.get_by_role("button", name="Set password").click()
    phone.wait_for_url(f"{base}/login/")
    assert "Your password is set." in phone.get_by_role("status").inner_text()
    on_phone("password-set")
    login(phone, base, "nina", FIRST)

    phone.goto(link)  # used: it works no more
    assert phone.get_by_role("heading", name="This link does not work").is_visible()

    phone.goto(f"{base}/preferences/")
    phone.get_by_role("link", name="Change password").click()
    phone.get_by_label("Old password").fill(FIRST)
    phone.get_by_label(NEW_PASSWORD_LABEL).fill(SECOND)
    phone.get_by_label("New password confirmation").fill(SECOND)
    on_phone("change-password")
    phone.get_by_role("button", name="Change password").click()
    phone.wait_for_url(f"{base}/preferences/")
    assert "Password changed." in phone.get_by_role("status").inner_text()
    on_phone("password-changed")

    phone.context.clear_cookies()
    login(phone, base, "nina", SECOND)
    assert phone.get_by_role("heading", name="Apps").is_visible()
    on_phone("signed-in-with-the-new-password")
