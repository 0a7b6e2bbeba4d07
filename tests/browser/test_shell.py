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


def test_marketer_logs_in_and_sees_the_apps_list(
    page: Page, live_server: LiveServer, app: App, shots: Callable[[Page], Shots]
) -> None:
    MembershipFactory(app=app, user=UserFactory(username="mia"), role="marketer")
    shot = shots(page)
    page.goto(live_server.url)
    shot("login")
    login(page, live_server.url, "mia", "correct-horse-battery")
    table = page.get_by_role("table", name="Apps")
    row = table.get_by_role("row").filter(has_text=app.name)
    assert row.get_by_role("link", name="Create Push").is_visible()
    assert table.get_by_role("columnheader", name="Operation").is_visible()
    shot("apps-list")
    row.get_by_role("link", name="Create Push").click()
    page.wait_for_url(f"**/apps/{app.code}/push/new/")
    assert page.get_by_role("heading", name="Create Push").is_visible()


def test_wrong_password_says_so(page: Page, live_server: LiveServer, app: App) -> None:
    UserFactory(username="mia")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")


def test_apps_list_works_on_a_phone(
    phone: Page, live_server: LiveServer, app: App, shots: Callable[[Page], Shots]
) -> None:
    MembershipFactory(app=app, user=UserFactory(username="mia"), role="marketer")
    login(phone, live_server.url, "mia", "correct-horse-battery")
    shot = shots(phone)
    link = phone.get_by_role("link", name="Create Push")
    assert link.is_visible()
    # No sideways scrolling on a phone.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot("apps-list-phone")
    phone.get_by_role("button", name="Menu").click()
    assert phone.get_by_role("link", name="Pushes").is_visible()
    shot("menu-open")
