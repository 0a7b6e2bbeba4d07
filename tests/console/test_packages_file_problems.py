"""A package refused as a whole (a zip with a folder, several files, a password, damage…) has no
rows to report: its pages say the file-level problem plainly and offer no row-by-row report."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from pushes.models import AccountPackage
from pushes.packages import localize
from pushes.services import packages as services

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

ACCOUNTS = b"alice\nbob\n"


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_zip(*entries: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def encrypted_zip() -> bytes:
    data = bytearray(make_zip(("accounts.txt", ACCOUNTS)))
    # General purpose flag bit 0 (encrypted): offset 6 locally, 8 in the central directory.
    struct.pack_into("<H", data, 6, 1)
    struct.pack_into("<H", data, data.index(b"PK\x01\x02") + 8, 1)
    return bytes(data)


def truncated_zip() -> bytes:
    data = make_zip(("accounts.txt", b"alice\n" * 1000))
    return data[: len(data) // 2]


FILE_PROBLEMS = [
    pytest.param(
        make_zip(("export/accounts.txt", ACCOUNTS)),
        "the zip contains a folder (export/); zip the .txt or .csv file itself, not a folder",
        id="folder",
    ),
    pytest.param(
        make_zip(("a.txt", ACCOUNTS), ("b.txt", ACCOUNTS)),
        "the zip contains 2 files (a.txt, b.txt); it must contain exactly one .txt or .csv file",
        id="several-files",
    ),
    pytest.param(
        encrypted_zip(),
        "the zip is password-protected (accounts.txt); zip the file without a password",
        id="encrypted",
    ),
    pytest.param(truncated_zip(), "the zip archive is corrupt or truncated", id="corrupt"),
]


def upload(app: App, by: User, name: str, data: bytes) -> AccountPackage:
    package = services.package_upload(app=app, by=by, uploaded_file=SimpleUploadedFile(name, data))
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    return package


def url(name: str, package: AccountPackage) -> str:
    return reverse(f"console:{name}", kwargs={"code": package.app.code, "package": package.code})


@pytest.mark.parametrize(("data", "problem"), FILE_PROBLEMS)
def test_a_file_level_problem_stores_no_row_report(
    app: App, marketer: User, data: bytes, problem: str
) -> None:
    package = upload(app, marketer, "accounts.zip", data)
    assert package.status == AccountPackage.Status.INVALID
    assert package.problem.startswith(problem)
    assert not package.error_report
    assert not package.has_report


@pytest.mark.parametrize(("data", "problem"), FILE_PROBLEMS)
def test_the_pages_say_the_file_problem_plainly_without_a_report(
    client: Client, app: App, marketer: User, data: bytes, problem: str
) -> None:
    package = upload(app, marketer, "accounts.zip", data)
    client.force_login(marketer)
    for page_url in (url("package-detail", package), url("package-status", package)):
        page = client.get(page_url).content.decode()
        assert "TPNS would refuse this file: " + problem in page
        assert "fix the rows below" not in page
        assert "error report" not in page.lower()
        assert url("package-report", package) not in page
        assert 'class="table pkg-problems"' not in page  # no row table for one file problem
        assert "Invalid rows" not in page  # no row counts: no row was read
    listing = client.get(reverse("console:package-list", kwargs={"code": app.code}))
    assert url("package-report", package) not in listing.content.decode()
    assert client.get(url("package-report", package)).status_code == 404


@pytest.mark.parametrize(("data", "problem"), FILE_PROBLEMS)
def test_the_upload_result_names_the_file_problem_without_a_report(
    client: Client, app: App, marketer: User, data: bytes, problem: str
) -> None:
    package = upload(app, marketer, "accounts.zip", data)
    client.force_login(marketer)
    body = client.get(url("package-status", package), HTTP_ACCEPT="application/json").json()
    assert body["finished"] is True and body["valid"] is False
    assert body["problem"].startswith(problem)
    assert body["file_problem"] is True
    assert body["report_url"] is None
    assert body["errors"] == []
    assert body["more_errors"] == 0


def test_a_report_stored_for_a_file_problem_before_is_not_offered(
    client: Client, app: App, marketer: User
) -> None:
    # Packages refused as a whole used to get a one-line "report" of the file problem.
    package = upload(app, marketer, "accounts.zip", make_zip(("dir/a.txt", ACCOUNTS)))
    package.error_report.save("old-errors.csv", ContentFile(b'"line"\n"0"\n'))
    assert package.has_report
    client.force_login(marketer)
    page = client.get(url("package-detail", package)).content.decode()
    assert url("package-report", package) not in page
    body = client.get(url("package-status", package), HTTP_ACCEPT="application/json").json()
    assert body["report_url"] is None
    assert client.get(url("package-report", package)).status_code == 404


def test_rejected_rows_still_get_their_report(client: Client, app: App, marketer: User) -> None:
    package = upload(app, marketer, "accounts.zip", make_zip(("a.txt", b"alice\nx\n")))
    assert package.has_report and not package.problem
    client.force_login(marketer)
    page = client.get(url("package-detail", package)).content.decode()
    assert url("package-report", package) in page
    assert "fix the rows below" in page
    body = client.get(url("package-status", package), HTTP_ACCEPT="application/json").json()
    assert body["file_problem"] is False and body["report_url"] == url("package-report", package)


def test_the_file_problem_is_worded_in_the_reader_s_language(
    client: Client, app: App, marketer: User
) -> None:
    package = upload(app, marketer, "accounts.zip", make_zip(("dir/a.txt", ACCOUNTS)))
    with translation.override("zh-hans"):
        expected = localize(package.problem)
    assert expected != package.problem or not translation.check_for_language("zh-hans")
    client.force_login(marketer)
    page = client.get(url("package-detail", package), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = client.get(
        url("package-status", package),
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).json()
    assert expected in page.content.decode()
    assert body["problem"] == expected
