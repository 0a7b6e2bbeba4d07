"""Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import require
from tests.integration.conftest import worker_factory  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
    from pytest_django.fixtures import Settings

    from tests.integration.conftest import Worker

CHROMIUM = "/usr/bin/chromium"
RESULTS = Path(__file__).resolve().parents[2] / "test-results"

# Playwright's sync API runs an event loop in this thread; the live server's ORM
# calls happen in its own threads, so Django's async guard does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots in test-results/<test name>/, one numbering per test."""

    def __init__(self, page: Page, folder: Path, counter: list[int]) -> None:
        self.page, self.folder, self.counter = page, folder, counter

    def __call__(self, name: str, *, full_page: bool = True) -> Path:
        self.counter[0] += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.counter[0]:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


# Hands every violation to Python as it happens: one on a page the test has since left
# would otherwise be gone with that page's window.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : "";
  window.__pushdeckCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}${where}` +
      ` on ${event.documentURI}` + (event.sample ? `: ${event.sample}` : "")
  );
});
"""


class CspWatch:
    """Content-Security-Policy violations seen in one test's browser contexts.

    A blocked script or style fails silently in the page, so a test could pass on a page
    that lost behaviour or looks wrong; the test fails at teardown instead.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.expose_function("__pushdeckCspViolation", self._record)
        context.add_init_script(CSP_LISTENER)
        # Chromium's console message is a second witness, should an event not reach the listener.
        context.on("console", self._console)
        return context

    def _record(self, text: str) -> None:
        if text not in self.seen:
            self.seen.append(text)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self._record(f"console {message.type}: {message.text}")


@pytest.fixture
def csp_watch() -> Iterator[CspWatch]:
    watch = CspWatch()
    yield watch
    if watch.seen:
        pytest.fail(
            "Content-Security-Policy violations:\n" + "\n".join(f"- {v}" for v in watch.seen),
            pytrace=False,
        )


@pytest.fixture
def new_page(browser: Browser, csp_watch: CspWatch) -> Iterator[Callable[..., Page]]:
    """Opens a page in a new browser context (a separate person), watched for CSP
    violations; `options` go to `browser.new_context`."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = csp_watch.watch(browser.new_context(**options))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        for open_one in context.pages:
            # A round trip delivers reports the page sent before it.
            with contextlib.suppress(Exception):
                open_one.evaluate("0")
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page(viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone(new_page: Callable[..., Page]) -> Page:
    return new_page(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Callable[[Page], Shots]]:
    folder = RESULTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    counter = [0]

    def for_page(page: Page) -> Shots:
        return Shots(page, folder, counter)

    yield for_page


def login(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def worker(
    settings: Settings,
    tmp_path: Path,
    worker_factory: Callable[..., Worker],  # noqa: F811
) -> Worker:
    """A worker sharing this process's media folder (the live server stores, it validates)."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return worker_factory(env_overrides={"MEDIA_ROOT": str(media)})
