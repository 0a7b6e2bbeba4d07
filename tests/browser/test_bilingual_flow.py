"""Create Push → Preview → Confirm → Approve → Sent, in English and in Simplified Chinese, on
a desktop and on a phone: the form and the menu with the keyboard only, axe-core clean and
no sideways scrolling at each step, a screenshot of each step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.utils import translation

from pushes.models import Push
from tests.browser.axe import check_axe
from tests.browser.keys import press_on, tab_to, type_into
from tests.browser.site import LANGUAGES, VIEWPORTS, people, sign_in
from tests.integration.conftest import worker_factory  # noqa: F401  (a fixture)

if TYPE_CHECKING:
    from collections.abc import Callable

    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = {"en": "Grand opening", "zh-hans": "盛大开业"}
CONTENTS = {"en": "Doors open at 10:00.", "zh-hans": "上午 10:00 开门。"}


def status_label(status: str, language: str) -> str:
    with translation.override(language):
        return str(Push.Status(status).label)


class Steps:
    """Each step of the flow: axe-core clean, no wider than the screen, a screenshot."""

    def __init__(self, shots: Callable[[Page], Shots], prefix: str) -> None:
        self.shots, self.prefix = shots, prefix

    def __call__(self, page: Page, name: str) -> None:
        width = page.viewport_size["width"] if page.viewport_size else 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        check_axe(page, where=f"{name} ({page.url})")
        self.shots(page)(f"{self.prefix}-{name}")


def go_by_menu(page: Page, href: str, *, phone: bool) -> None:
    """Follows a link of the main menu with the keyboard, opening the phone menu first."""
    if phone:
        press_on(page, "button.nav-toggle", "Space")
        assert page.locator("button.nav-toggle").get_attribute("aria-expanded") == "true"
    tab_to(page, f'#main-nav a[href="{href}"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")


def create_push_with_the_keyboard(page: Page, app: App, language: str, step: Steps) -> None:
    tab_to(page, f'a[href="/apps/{app.code}/push/new/"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    type_into(page, "#id_accounts_text", "alice\nbob")
    type_into(page, "#id_title", TITLES[language])
    type_into(page, "#id_content", CONTENTS[language])
    # Back to the title with Shift+Tab: its counter followed the typing.
    tab_to(page, "#id_title", back=True)
    assert page.locator("#id_title_count").inner_text().startswith(str(len(TITLES[language])))
    step(page, "create-push")
    with page.expect_navigation():
        press_on(page, 'button[name="action"][value="preview"]')


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_create_preview_confirm_approve_sent_with_the_keyboard(
    language: str,
    viewport: str,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    gateway: Gateway,
    settings: Settings,
    worker_factory: Callable[..., Worker],  # noqa: F811
    app: App,
    shots: Callable[[Page], Shots],
) -> None:
    people(app)
    gateway.bind("alice", "bob")
    worker_factory(
        env_overrides={"TPNS_SANDBOX_BASE_URL": gateway.url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    )
    phone = viewport == "phone"
    step = Steps(shots, f"{language}-{viewport}")
    page = new_page(**VIEWPORTS[viewport])
    sign_in(page, live_server.url, "mia", language)
    step(page, "apps")

    create_push_with_the_keyboard(page, app, language, step)
    assert page.url.endswith("/preview/")
    step(page, "preview")
    with page.expect_navigation():
        press_on(page, 'form[action$="/confirm/"] button[type="submit"]')
    push = Push.objects.get(title=TITLES[language])
    assert push.status == Push.Status.PENDING_REVIEW
    assert page.get_by_test_id("status").inner_text() == status_label("pending_review", language)
    step(page, "confirmed")
    record_url = page.url

    checker = new_page(**VIEWPORTS[viewport])
    sign_in(checker, live_server.url, "rob", language)
    go_by_menu(checker, "/review/", phone=phone)
    step(checker, "review-queue")
    tab_to(checker, f'a[href="/review/{push.code}/"]')
    with checker.expect_navigation():
        checker.keyboard.press("Enter")
    step(checker, "review")
    with checker.expect_navigation():
        press_on(checker, 'form[action$="/approve/"] button[type="submit"]')
    step(checker, "approved")

    page.goto(record_url)
    sent = status_label("sent", language)
    page.get_by_test_id("status").filter(has_text=sent).wait_for(timeout=30_000)
    assert gateway.deliveries() == [("alice", TITLES[language]), ("bob", TITLES[language])]
    step(page, "sent")
    go_by_menu(page, "/pushes/", phone=phone)
    assert page.get_by_role("row").filter(has_text=TITLES[language]).filter(has_text=sent).count()
    step(page, "pushes")
