"""Reads of account packages for the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch

from pushes.models import AccountPackage, Push
from pushes.packages import localize, wording

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
    """The package with the pushes that used it, the package it was made from and the one
    made from its valid rows (``made_from_it``: a list of at most one)."""
    return (
        app.packages.select_related("uploaded_by", "app", "derived_from")
        .prefetch_related(
            Prefetch(
                "pushes",
                queryset=Push.objects.only("id", "code", "title", "status", "package_id"),
                to_attr="used_by",
            ),
            Prefetch(
                "derived_packages",
                queryset=AccountPackage.objects.order_by("id"),
                to_attr="made_from_it",
            ),
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
    # A first row that looks like a column header: {"line", "word"}.
    header: dict[str, Any] | None = None
    # The first duplicate rows ({"line", "first_line", "value"}), listed with the bad rows.
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    # The report lists only the first ``duplicates_listed`` of the package's duplicates.
    duplicates_capped: bool = False
    # A new package can be made of its valid rows (what it holds; the role is the caller's).
    keeps_valid_rows: bool = False
    # The header row is its only problem: making that package just skips the header.
    only_header: bool = False
    # The package already made from its valid rows.
    made_from_it: AccountPackage | None = None
    # Rows such a package leaves out: the invalid ones (a header among them), the duplicates.
    rows_to_drop: int = 0


def package_outcome(*, package: AccountPackage, limit: int | None = None) -> PackageOutcome:
    """The file-level problem, or the first ``limit`` rejected rows, worded for the reader."""
    if package.problem:
        return PackageOutcome(
            file_problem=localize(package.problem), problems=[], offers_report=False
        )
    rows = package.errors if limit is None else package.errors[:limit]
    problems = [{**error, "reason": localize(error.get("reason", ""))} for error in rows]
    header = _header(package)
    duplicates = package.duplicate_rows if limit is None else package.duplicate_rows[:limit]
    return PackageOutcome(
        file_problem="",
        problems=problems,
        offers_report=package.has_report,
        header=header,
        duplicates=duplicates,
        duplicates_capped=package.duplicates_listed < package.duplicates,
        keeps_valid_rows=_keeps_valid_rows(package),
        only_header=header is not None and package.invalid_rows == 1,
        made_from_it=_made_from(package),
        rows_to_drop=package.rows - package.accounts,
    )


def _header(package: AccountPackage) -> dict[str, Any] | None:
    """The column name on the package's header row, from its stored error."""
    if not package.header_line:
        return None
    for error in package.errors:
        if error.get("line") == package.header_line:
            found = wording.PACKAGE_WORDING.match(error.get("reason", ""))
            word = found[1].get("value") if found else None
            return {"line": package.header_line, "word": word or error.get("value", "")}
    return {"line": package.header_line, "word": ""}


def _keeps_valid_rows(package: AccountPackage) -> bool:
    """Rejected for some rows, with valid ones and its file still stored."""
    return (
        package.status == AccountPackage.Status.INVALID
        and not package.problem
        and package.invalid_rows > 0
        and package.accounts > 0
        and package.has_file
    )


def _made_from(package: AccountPackage) -> AccountPackage | None:
    made = getattr(package, "made_from_it", None)
    if made is None:  # not prefetched
        return package.derived_packages.first() if package.pk else None
    return made[0] if made else None
