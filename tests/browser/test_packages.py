"""A marketer uploads account packages in Chromium; a real worker validates them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pushes.models import AccountPackage
from tests.browser.conftest import login
from tests.integration.conftest import worker_factory  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
BAD_ROWS = "alice\nx\nbob\n" + "y" * 101 + "\n@\n"


def packages_url(live_server: LiveServer, app: App) -> str:
    return f"{live_server.url}/apps/{app.code}/packages/"


def slow_uploads(page: Page, bytes_per_second: int) -> None:
    """Throttle the browser's uploads, so the progress bar can be watched (and pictured)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def test_a_marketer_uploads_an_invalid_and_a_valid_package(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    worker: Worker,
    shots: Callable[[Page], Shots],
    tmp_path: Path,
) -> None:
    shot = shots(page)
    login(page, live_server.url, "mia", PASSWORD)
    page.goto(packages_url(live_server, app))
    assert page.get_by_role("heading", name="Account packages", exact=True).is_visible()
    assert page.get_by_text("No account packages yet").is_visible()
    # With JS the file goes up as soon as it is chosen: the plain-form button is hidden.
    page.locator(".pkg-upload.is-enhanced").wait_for(state="attached")
    assert page.get_by_role("button", name="Upload").is_hidden()
    shot("empty")

    bad = tmp_path / "broken.txt"
    bad.write_text(BAD_ROWS)
    page.get_by_label("Account package file").set_input_files(bad)
    result = page.locator("[data-package-result]")
    result.get_by_text("Rejected").wait_for()
    status = page.locator("[data-package-status-text]")
    assert status.inner_text() == "broken.txt was rejected: 3 invalid rows."
    problems = [
        " ".join(text.split()) for text in result.locator(".pkg-problem-list li").all_inner_texts()
    ]
    assert problems == [
        "Line 2 account has 1 character; accounts have 2–100 characters",
        "Line 4 account has 101 characters; accounts have 2–100 characters",
        "Line 5 account has 1 character; accounts have 2–100 characters",
    ]
    assert page.locator("input[name=package]").input_value() == ""
    shot("invalid-result")

    with page.expect_download() as download:
        result.get_by_role("link", name="Download the error report (CSV)").click()
    assert download.value.suggested_filename == "broken-errors.csv"
    report = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == '"line","reason","value","first_line"'
    assert report[-1] == '"5","account has 1 character; accounts have 2–100 characters","\'@",""'

    good = tmp_path / "spring-sale.csv"
    good.write_text("".join(f"user{n:07d}@example.com\n" for n in range(50_000)))  # 1.2 MB
    slow_uploads(page, 400_000)
    page.get_by_label("Account package file").set_input_files(good)
    bar = page.locator("[data-package-upload] progress")
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-package-upload] progress');"
        " return !b.hidden && b.value >= 20 && b.value < 100; }"
    )
    assert re.fullmatch(
        r"Uploading spring-sale\.csv: [\d.]+ (KB|MB) of 1\.1 MB \(\d+%\)", status.inner_text()
    )
    assert bar.is_visible()
    shot("upload-progress")

    result.get_by_text("Valid", exact=True).wait_for(timeout=30_000)
    assert status.inner_text() == "spring-sale.csv is valid: 50,000 accounts."
    counts = result.locator(".pkg-counts").inner_text()
    assert "Valid accounts\n50,000" in counts and "Invalid rows\n0" in counts
    package = AccountPackage.objects.get(original_name="spring-sale.csv")
    assert page.locator("input[name=package]").input_value() == str(package.code)
    # The list below was brought up to date without a reload.
    table = page.get_by_role("table", name="Account packages")
    table.get_by_role("link", name="spring-sale.csv").wait_for()
    assert table.get_by_role("link", name="broken.txt").is_visible()
    shot("valid-result")

    table.get_by_role("link", name="broken.txt").click()
    page.get_by_role("heading", name="broken.txt").wait_for()
    lines = page.get_by_role("table", name="Problems").locator("td[data-label=Line]")
    assert lines.all_inner_texts() == ["2", "4", "5"]
    shot("invalid-detail")


def test_the_detail_page_follows_validation_live(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    settings: Settings,
    tmp_path: Path,
    worker_factory: Callable[..., Worker],  # noqa: F811
    shots: Callable[[Page], Shots],
) -> None:
    """Uploaded before any worker runs, the package waits; the open page updates by itself."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pushes.services import package_upload

    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    package = package_upload(
        app=app, by=marketer, uploaded_file=SimpleUploadedFile("later.txt", b"alice\nbob\n")
    )
    shot = shots(page)
    login(page, live_server.url, "mia", PASSWORD)
    page.goto(f"{packages_url(live_server, app)}{package.code}/")
    assert page.get_by_text("Waiting for validation").is_visible()
    shot("waiting")
    worker_factory(env_overrides={"MEDIA_ROOT": str(media)})
    page.get_by_text("Ready to push to 2 accounts.").wait_for(timeout=30_000)
    assert page.locator("[data-package-poll]").count() == 0
    shot("validated")


def test_uploading_on_a_phone(
    phone: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    worker: Worker,
    shots: Callable[[Page], Shots],
    tmp_path: Path,
) -> None:
    login(phone, live_server.url, "mia", PASSWORD)
    phone.goto(packages_url(live_server, app))
    bad = tmp_path / "broken.txt"
    bad.write_text(BAD_ROWS)
    phone.get_by_label("Account package file").set_input_files(bad)
    phone.locator("[data-package-result]").get_by_text("Rejected").wait_for()
    phone.get_by_role("table", name="Account packages").get_by_text("broken.txt").wait_for()
    shots(phone)("phone-invalid-result")
    wide = phone.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, wide
