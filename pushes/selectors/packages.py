"""Reads of account packages for the console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch

from pushes.models import AccountPackage, Push
from pushes.packages import localize

if TYPE_CHECKING:
    from uuid import UUID

    from django.db.models import QuerySet

    from pushes.models import App


# The pushes a package's row in the list names; `used_count` says how many there are.
USED_BY_LISTED = 3


def package_list_for_app(*, app: App) -> QuerySet[AccountPackage]:
    """Every package of the app, newest first, with its latest pushes (`used_by`, at most
    USED_BY_LISTED: a package may serve hundreds) and how many pushes used it."""
    pushes = Push.objects.only("id", "code", "title", "status", "package_id").order_by(
        "-created_at", "-id"
    )
    return (
        app.packages.select_related("uploaded_by")
        .annotate(used_count=Count("pushes"))
        .prefetch_related(Prefetch("pushes", queryset=pushes[:USED_BY_LISTED], to_attr="used_by"))
        .order_by("-created_at", "-id")
    )


def package_list_valid(*, app: App) -> QuerySet[AccountPackage]:
    """Packages a push can use: valid, uploaded by a person, file still stored."""
    return app.packages.filter(
        status=AccountPackage.Status.VALID, is_generated=False, file_deleted_at__isnull=True
    ).order_by("-created_at", "-id")


def package_get_for_app(*, app: App, code: UUID | str) -> AccountPackage | None:
    return (
        app.packages.select_related("uploaded_by", "app")
        .prefetch_related(
            Prefetch(
                "pushes",
                queryset=Push.objects.only("id", "code", "title", "status", "package_id"),
                to_attr="used_by",
            )
        )
        .filter(code=code)
        .first()
    )


@dataclass(frozen=True)
class PackageOutcome:
    """What a finished package's pages say, in the reader's language.

    A package refused as a whole (``file_problem``: a zip holding a folder, several files, a
    password, damage…) has no rows: its pages say the problem and offer no row report.
    """

    file_problem: str
    problems: list[dict[str, Any]]
    offers_report: bool


def package_outcome(*, package: AccountPackage, limit: int | None = None) -> PackageOutcome:
    """The file-level problem, or the first ``limit`` rejected rows, worded for the reader."""
    if package.problem:
        return PackageOutcome(
            file_problem=localize(package.problem), problems=[], offers_report=False
        )
    rows = package.errors if limit is None else package.errors[:limit]
    problems = [{**error, "reason": localize(error.get("reason", ""))} for error in rows]
    return PackageOutcome(file_problem="", problems=problems, offers_report=package.has_report)
