"""Permission-matrix rows for the console's packages pages."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from pushes.models import AccountPackage, App
from tests.console.access import ADMINS_POST, AUTHORS, MEMBERS, Page


def _rejected(app: App) -> AccountPackage:
    return AccountPackage.objects.create(
        app=app,
        original_name="accounts.txt",
        size=4,
        format="txt",
        status=AccountPackage.Status.INVALID,
        rows=1,
        invalid_rows=1,
        errors=[{"line": 1, "reason": "account has 1 character", "value": "x"}],
    )


def _package(app: App) -> dict[str, Any]:
    return {"package": _rejected(app).code}


def _package_with_valid_rows(app: App) -> dict[str, Any]:
    """A package rejected for one row, with its file, so its valid rows can be kept."""
    package = AccountPackage.objects.create(
        app=app,
        original_name="accounts.txt",
        size=12,
        format="txt",
        status=AccountPackage.Status.INVALID,
        rows=3,
        accounts=2,
        invalid_rows=1,
        errors=[{"line": 2, "reason": "account has 1 character", "value": "x"}],
    )
    package.file.save("accounts.txt", ContentFile(b"alice\nx\nbob\n"), save=True)
    return {"package": package.code}


def _package_with_report(app: App) -> dict[str, Any]:
    """The report page needs a stored report."""
    package = _rejected(app)
    package.error_report.save("report.csv", ContentFile(b"line,reason,value\r\n"), save=True)
    return {"package": package.code}


def _upload(app: App, kwargs: dict[str, Any]) -> dict[str, Any]:
    # A new file object each time: a read one would upload as empty.
    return {"file": SimpleUploadedFile("uploaded.txt", b"alice\nbob\n", "text/plain")}


# Authors upload (a redirect to the new package's page); reviewers may not.
UPLOAD = {**AUTHORS, "marketer": 302, "app_admin": 302, "staff": 302}

PAGES: list[Page] = [
    Page("package-list", "get", MEMBERS),
    Page(
        "package-upload",
        "post",
        UPLOAD,
        data=_upload,
        done=lambda app, kw: app.packages.filter(original_name="uploaded.txt").exists(),
    ),
    Page(
        "package-retention",
        "post",
        ADMINS_POST,
        data={"days": "30"},
        done=lambda app, kw: App.objects.get(pk=app.pk).package_retention_days == 30,
    ),
    Page("package-detail", "get", MEMBERS, kwargs=_package),
    Page("package-status", "get", MEMBERS, kwargs=_package),
    Page("package-report", "get", MEMBERS, kwargs=_package_with_report),
    # Authors make a package of the valid rows (a redirect to it); reviewers may not.
    Page(
        "package-use-valid-rows",
        "post",
        {**AUTHORS, "marketer": 302, "app_admin": 302, "staff": 302},
        kwargs=_package_with_valid_rows,
        done=lambda app, kw: app.packages.filter(derived_from__code=kw["package"]).exists(),
    ),
]
