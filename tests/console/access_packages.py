"""Permission-matrix rows for the console's packages pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile

from pushes.models import AccountPackage
from tests.console.access import ADMINS_POST, MEMBERS, Page

if TYPE_CHECKING:
    from pushes.models import App


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


def _package_with_report(app: App) -> dict[str, Any]:
    """The only row that writes to storage: the report page needs a stored report."""
    package = _rejected(app)
    package.error_report.save("report.csv", ContentFile(b"line,reason,value\r\n"), save=True)
    return {"package": package.code}


# The upload without a file is refused with 400 once access is granted.
UPLOAD = {"stranger": 404, "marketer": 400, "reviewer": 403, "app_admin": 400, "staff": 400}

PAGES: list[Page] = [
    Page("package-list", "get", MEMBERS),
    Page("package-upload", "post", UPLOAD),
    Page("package-retention", "post", ADMINS_POST, data={"days": "30"}),
    Page("package-detail", "get", MEMBERS, kwargs=_package),
    Page("package-status", "get", MEMBERS, kwargs=_package),
    Page("package-report", "get", MEMBERS, kwargs=_package_with_report),
]
