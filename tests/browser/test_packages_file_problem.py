"""A zip refused as a whole: the upload result says why, with no row counts and no row report."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import login
from tests.browser.test_packages import PASSWORD, packages_url

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLDER_PROBLEM = (
    "the zip contains a folder (export/); zip the .txt or .csv file itself, not a folder"
)


def test_a_zip_holding_a_folder_is_refused_as_a_file_without_a_row_report(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    worker: Worker,  # noqa: F811
    shots: Callable[[Page], Shots],
    tmp_path: Path,
) -> None:
    archive_path = tmp_path / "export.zip"
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/accounts.txt", "alice\nbob\n")
    login(page, live_server.url, "mia", PASSWORD)
    page.goto(packages_url(live_server, app))
    page.locator(".pkg-upload.is-enhanced").wait_for(state="attached")
    page.get_by_label("Account package file").set_input_files(archive_path)
    result = page.locator("[data-package-result]")
    result.get_by_text("Rejected").wait_for(timeout=30_000)
    status = page.locator("[data-package-status-text]")
    assert status.inner_text() == f"export.zip was rejected: {FOLDER_PROBLEM}."
    assert f"TPNS would refuse this file: {FOLDER_PROBLEM}." in result.inner_text()
    assert result.locator(".pkg-counts").count() == 0
    assert result.locator(".pkg-problem-list").count() == 0
    assert result.get_by_role("link", name="Download the error report (CSV)").count() == 0
    assert "Fix the rows below" not in result.inner_text()
    shots(page)("zip-folder-result")

    result.get_by_role("link", name="View details").click()
    page.get_by_role("heading", name="export.zip").wait_for()
    assert page.get_by_text(f"TPNS would refuse this file: {FOLDER_PROBLEM}.").is_visible()
    assert page.get_by_role("link", name="Download the error report (CSV)").count() == 0
    assert page.get_by_role("table", name="Problems").count() == 0
    shots(page)("zip-folder-detail")
