"""The policies as Chromium applies them, and the guard that fails a test on a CSP violation."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import CspWatch, login

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROBE = (
    '<p id="probe" style="color: rgb(255, 0, 0)">probe</p>'
    '<script>document.title = "inline script ran";</script>'
)


def test_inline_code_is_blocked_and_the_guard_reports_it(
    browser: Browser, live_server: LiveServer
) -> None:
    watch = CspWatch()
    context = watch.watch(browser.new_context())
    page = context.new_page()

    # The real login page with its real headers, plus markup an attacker might inject.
    def inject(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("</main>", PROBE + "</main>"))

    page.route(f"{live_server.url}/login/", inject)
    page.goto(f"{live_server.url}/login/")

    assert page.title() != "inline script ran"
    color = page.locator("#probe").evaluate("p => getComputedStyle(p).color")
    assert color != "rgb(255, 0, 0)"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not (
        any("script-src" in v for v in watch.seen) and any("style-src" in v for v in watch.seen)
    ):
        page.wait_for_timeout(50)
    context.close()
    assert any("script-src" in v for v in watch.seen), watch.seen
    assert any("style-src" in v for v in watch.seen), watch.seen


def test_chromium_understands_the_permissions_policy(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Permissions-Policy" in message.text or "Permissions Policy" in message.text:
            complaints.append(message.text)

    page.on("console", on_console)
    page.goto(f"{live_server.url}/login/")
    denied = page.evaluate(
        """() => ["camera", "microphone", "geolocation", "payment", "usb"]
            .filter((feature) => !document.featurePolicy.allowsFeature(feature))"""
    )
    page.evaluate("0")
    context.close()
    assert denied == ["camera", "microphone", "geolocation", "payment", "usb"]
    # An unknown feature name is ignored with a console error, and would deny nothing.
    assert complaints == []


def test_the_push_form_shows_every_panel_without_scripts(
    new_page: Callable[..., Page], live_server: LiveServer, app: App, marketer: User
) -> None:
    # The <noscript> stylesheet stands in for push_form.js, which shows the chosen panel.
    page = new_page(java_script_enabled=False)
    login(page, live_server.url, "mia", "correct-horse-battery")
    page.goto(f"{live_server.url}/apps/{app.code}/push/new/")
    assert page.locator("#manual-section").is_visible()
    assert page.locator("#package-section").is_visible()
