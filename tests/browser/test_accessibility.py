"""axe-core on every console page, for each role, in English and Simplified Chinese, at
desktop width and on a phone; and the phone menu with the keyboard and without scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.axe import axe_violations, check_axe, describe
from tests.browser.keys import press_on, tab_to
from tests.browser.site import (
    DESKTOP,
    LANGUAGES,
    PHONE,
    Site,
    build_site,
    pages_for,
    people,
    set_language,
    sign_in,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The pages of the main flow, checked on a phone too.
FLOW_PAGES = {
    "apps", "push-form", "preview", "record-with-results", "pushes", "review-queue", "review",
}  # fmt: skip


@pytest.fixture
def team(app: App) -> dict[str, User]:
    return people(app)


@pytest.fixture
def site(
    app: App, team: dict[str, User], settings: Settings, tmp_path: Any, private_cache: None
) -> Site:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_site(app, team)


def visit_all(page: Page, base_url: str, pages: list[tuple[str, str]]) -> dict[str, str]:
    """axe's findings on each page, by page name; pages without any are left out."""
    found = {}
    for name, path in pages:
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, path
        violations = axe_violations(page)
        if violations:
            found[f"{name} ({path})"] = describe(violations)
    return found


@pytest.mark.parametrize("role", ["staff", "marketer", "reviewer"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_console_page_is_axe_clean(
    role: str,
    language: str,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    site: Site,
    team: dict[str, User],
) -> None:
    page = new_page(**DESKTOP)
    sign_in(page, live_server.url, team[role].get_username(), language)

    found = visit_all(page, live_server.url, pages_for(role, site))

    assert not found, "\n".join(f"{name}:\n{text}" for name, text in found.items())


@pytest.mark.parametrize("role", ["marketer", "reviewer"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_flow_pages_are_axe_clean_on_a_phone(
    role: str,
    language: str,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    site: Site,
    team: dict[str, User],
) -> None:
    page = new_page(**PHONE)
    sign_in(page, live_server.url, team[role].get_username(), language)
    pages = [(name, path) for name, path in pages_for(role, site) if name in FLOW_PAGES]

    found = visit_all(page, live_server.url, pages)

    assert not found, "\n".join(f"{name}:\n{text}" for name, text in found.items())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_login_page_is_axe_clean(
    language: str, viewport: str, new_page: Callable[..., Page], live_server: LiveServer, db: None
) -> None:
    page = new_page(**PHONE) if viewport == "phone" else new_page()
    set_language(page, live_server.url, language)
    page.goto(f"{live_server.url}/login/")

    assert page.evaluate("document.documentElement.lang") == language
    check_axe(page)


def test_the_axe_check_fails_on_a_serious_violation(page: Page) -> None:
    page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')

    with pytest.raises(pytest.fail.Exception, match=r"image-alt \(critical\)"):
        check_axe(page, where="a page with an unlabelled image")


# The phone menu -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_phone_menu_is_a_button_for_the_keyboard_and_screen_readers(
    language: str,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    team: dict[str, User],
    shots: Callable[[Page], Shots],
) -> None:
    page = new_page(**PHONE)
    shot = shots(page)
    sign_in(page, live_server.url, "mia", language)
    menu = page.locator("button.nav-toggle")
    nav = page.locator("#main-nav")
    assert menu.get_attribute("aria-expanded") == "false"
    assert menu.get_attribute("aria-controls") == "main-nav"
    assert not nav.is_visible()
    check_axe(page)

    press_on(page, "button.nav-toggle", "Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    check_axe(page)
    shot(f"menu-open-{language}")

    page.keyboard.press("Tab")  # into the menu: its first link
    assert page.evaluate("document.activeElement.closest('#main-nav') !== null")
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")

    page.keyboard.press("Space")
    assert menu.get_attribute("aria-expanded") == "true"
    tab_to(page, '#main-nav a[href="/pushes/"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/pushes/"
    assert page.locator("button.nav-toggle").get_attribute("aria-expanded") == "false"


def test_without_scripts_the_phone_menu_is_open(
    new_page: Callable[..., Page], live_server: LiveServer, team: dict[str, User]
) -> None:
    page = new_page(**PHONE, java_script_enabled=False)
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("mia")
    page.locator("#id_password").fill("correct-horse-battery")
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")

    assert not page.locator("button.nav-toggle").is_visible()
    assert page.get_by_role("link", name="Pushes").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Apps").is_visible()


def test_a_marketer_has_no_review_queue_in_the_menu(
    page: Page, live_server: LiveServer, team: dict[str, User]
) -> None:
    sign_in(page, live_server.url, "mia")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Pushes").is_visible()
    assert nav.get_by_role("link", name="Review queue").count() == 0

    page.context.clear_cookies()
    sign_in(page, live_server.url, "rob")
    assert nav.get_by_role("link", name="Review queue").is_visible()
