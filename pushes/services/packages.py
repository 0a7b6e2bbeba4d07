"""Account packages: upload to storage, validation in a worker, error report, retention.

The upload request only checks what it knows for free (name, size) and stores the file;
reading, hashing and validating it happen in a worker (``package_validate``), so a 100 MB
upload answers as soon as its body has arrived.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import time
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes import permissions
from pushes.audit import audit_record
from pushes.errors import Invalid, WrongState
from pushes.models import AccountPackage, App, Push, Role
from pushes.packages import (
    MAX_PACKAGE_BYTES,
    MAX_REPORTED_DUPLICATES,
    DuplicateRow,
    PackageError,
    RowError,
    ValidationResult,
    localize,
    validate_filename,
    wording,
)
from pushes.packages import report as report_rows
from pushes.packages.rules import display, file_format
from pushes.services.accounts import account_index_queue
from pushes.services.queue import APPLY_PACKAGE_RETENTION, VALIDATE_PACKAGE, enqueue_on_commit

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

logger = logging.getLogger(__name__)

# Read at call time (not bound into defaults), so tests can lower it.
MAX_UPLOAD_BYTES = MAX_PACKAGE_BYTES
MAX_STORED_ERRORS = 100
MAX_RETENTION_DAYS = 3650
# Progress rows are written at most this often: a live bar, not a write per chunk.
PROGRESS_INTERVAL_SECONDS = 0.25
# A claim older than this belongs to a worker that died (well above any task time limit).
STALE_CLAIM_AFTER = timedelta(minutes=15)
# Rejected rows are handed to the CSV writer in batches, keeping memory flat.
_REPORT_BATCH = 10_000
# A spreadsheet opens a UTF-8 CSV as UTF-8 only when it starts with a byte order mark.
_UTF8_BOM = "\ufeff"
# Packages a push still needs the file of: it has not been uploaded to TPNS yet.
_FILE_NEEDED_BY = (Push.Status.PENDING_REVIEW, Push.Status.APPROVED, Push.Status.UPLOADING)
_NOT_FINISHED = (AccountPackage.Status.PENDING, AccountPackage.Status.VALIDATING)


class PackageUploadError(Invalid):
    """An upload refused before anything was stored; the message names the file."""


class PackageTooLargeError(PackageUploadError):
    """An upload over the size limit (answered with 413)."""


def too_large_message(name: str, size: int | None = None) -> str:
    values = {
        "file": f"“{display(name)}”" if name else _("The file"),
        "limit": _size_text(MAX_UPLOAD_BYTES),
    }
    if size is None:
        return (
            _(
                "%(file)s cannot be uploaded: it is larger than %(limit)s, "
                "the limit for account packages."
            )
            % values
        )
    return _(
        "%(file)s cannot be uploaded: it is %(size)s; account packages may be at most %(limit)s."
    ) % {**values, "size": _size_text(size)}


def _size_text(size: int) -> str:
    # Exact bytes too: "100.0 MB" alone would not say why 100 MB and 1 byte is refused.
    if size < 1024 * 1024:
        return _("%(bytes)s bytes") % {"bytes": f"{size:,}"}
    megabytes = f"{size / 1024 / 1024:,.1f}".removesuffix(".0")
    return _("%(megabytes)s MB (%(bytes)s bytes)") % {"megabytes": megabytes, "bytes": f"{size:,}"}


def _refuse(name: str, reason: str) -> PackageUploadError:
    """Refused before anything is stored: the message is for the person uploading now."""
    values = {"name": display(name), "reason": localize(reason)}
    if name:
        message = _("“%(name)s” cannot be uploaded: %(reason)s.") % values
    else:
        message = _("This file cannot be uploaded: %(reason)s.") % values
    return PackageUploadError(message, code="invalid")


def _require_role(app: App, by: User, roles: tuple[str, ...]) -> None:
    permissions.require_role(app, by, roles)


def package_upload(*, app: App, by: User, uploaded_file: File) -> AccountPackage:
    """Store an uploaded package under a generated name and queue its validation.

    Refuses (``PackageUploadError``, nothing stored) a bad name, an empty file or one over
    100 MB. The size comes from the upload handler's count, so nothing is read here.
    """
    _require_role(app, by, (Role.ADMIN, Role.MARKETER))
    name = uploaded_file.name or ""
    if problem := validate_filename(name):
        raise _refuse(name, problem)
    size = uploaded_file.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise PackageTooLargeError(too_large_message(name, size), code="too_large")
    if size == 0:
        raise _refuse(name, wording.EMPTY % {"subject": wording.THE_FILE})

    package = AccountPackage(
        app=app, uploaded_by=by, original_name=name, size=size, format=file_format(name)
    )
    # Saved before the row: the storage picks the generated name (see `package_upload_to`).
    package.file.save(name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            package.full_clean()
            package.save()
            audit_record(
                actor=by,
                action="package.uploaded",
                obj=package,
                data={"name": name, "size": size, "stored_as": package.file.name},
            )
            _queue_validation(package.id)
    except BaseException:
        # No row without its file, and no file without its row.
        package.file.delete(save=False)
        raise
    return package


def _queue_validation(package_id: int) -> None:
    enqueue_on_commit(VALIDATE_PACKAGE, package_id)


# "<name>-valid-rows.txt": the suffix, kept whole when a long name is cut.
_DERIVED_SUFFIX = "-valid-rows.txt"
_MAX_NAME_CHARS = 100


def package_use_valid_rows(*, package: AccountPackage, by: User) -> tuple[AccountPackage, bool]:
    """A new package of the valid rows of a rejected one: each account once, in file order,
    without the invalid rows or a header row. The original and its error report stay.

    Its file is written, streamed, by the worker that then validates it like any package.
    Asked again, it answers the package made the first time (and False), never a second one.
    Authors of the app only; refuses a package with nothing to keep (``WrongState``).
    """
    _require_role(package.app, by, (Role.ADMIN, Role.MARKETER))
    made = package.derived_packages.first()
    if made is not None:
        return made, False
    _require_valid_rows(package)
    derived = AccountPackage(
        app=package.app,
        uploaded_by=by,
        original_name=_derived_name(package.original_name),
        format="txt",
        derived_from=package,
        derived_from_sha256=package.sha256,
        # Known from the original's counts; the worker sets what it really left out.
        rows_dropped=package.rows - package.accounts,
    )
    try:
        with transaction.atomic():
            # The unique constraint is the database's: a second request racing this one
            # fails there, and gets the package this one made.
            derived.full_clean(validate_constraints=False)
            derived.save()
            audit_record(
                actor=by, action="package.derived", obj=derived, data=_derived_data(derived)
            )
            _queue_validation(derived.id)
    except IntegrityError:
        made = package.derived_packages.first()
        if made is None:
            raise
        return made, False
    return derived, True


def _require_valid_rows(package: AccountPackage) -> None:
    if package.status != AccountPackage.Status.INVALID or package.problem:
        raise WrongState(_("Only a package rejected for some of its rows can keep its valid rows."))
    if package.accounts == 0:
        raise WrongState(_("This package has no valid rows to keep."))
    if not package.has_file:
        raise WrongState(
            _("The file of this package is no longer stored, so its rows cannot be read again.")
        )


def _derived_name(name: str) -> str:
    stem = name.rpartition(".")[0] or name
    return stem[: _MAX_NAME_CHARS - len(_DERIVED_SUFFIX)] + _DERIVED_SUFFIX


def _derived_data(derived: AccountPackage) -> dict[str, Any]:
    original = derived.derived_from
    assert original is not None
    return {
        "name": derived.original_name,
        "from": original.original_name,
        "from_code": str(original.code),
        "from_sha256": original.sha256,
        "accounts": original.accounts,
        "dropped": derived.rows_dropped,
        "invalid_rows": original.invalid_rows,
        "duplicates": original.duplicates,
        "header_line": original.header_line,
    }


def package_validate(*, package_id: int) -> None:
    """Validate a stored package. Safe to rerun: a package is claimed once.

    Whatever goes wrong ends in ``invalid`` with a problem, never stuck in ``validating``.
    """
    package = _claim(package_id)
    if package is None:
        return  # finished, or another worker is on it
    read = _read(package)
    if read is None:
        return  # rejected with the reason, or taken over by another worker
    result, report = read
    try:
        _finish(package, result, report)
    except Exception as exc:
        logger.exception("saving the result of package %s failed", package_id)
        if report is not None:
            report.close()
        _fail(package, f"the result could not be saved ({exc.__class__.__name__}); upload again")


def _read(package: AccountPackage) -> tuple[ValidationResult, IO[bytes] | None] | None:
    """Validate the stored file, written first for a package made from valid rows. None when
    that failed (the package is rejected with the reason) or the claim was taken over."""
    try:
        if package.is_derived and not package.file:
            _write_valid_rows(package)
        return _run(package)
    except _Superseded:
        pass
    except PackageError as exc:
        _fail(package, str(exc))
    except SoftTimeLimitExceeded:
        _fail(package, "validation took longer than the time limit; split the file and retry")
    except OSError as exc:
        logger.exception("reading package %s from storage failed", package.id)
        _fail(
            package, f"the stored file could not be read ({exc.__class__.__name__}); upload again"
        )
    except Exception as exc:
        logger.exception("validating package %s failed", package.id)
        _fail(package, f"validation failed unexpectedly ({exc.__class__.__name__}); upload again")
    return None


def _write_valid_rows(package: AccountPackage) -> None:
    """Write the file of a package made from the valid rows of another, streamed from that
    one's file. Done by the worker, just before validating it like any package: two passes
    over a 100 MB original would hold a request too long."""
    from pushes import packages  # the scanner (numpy), loaded by the first one

    original = package.derived_from
    if original is None or not original.has_file:
        name = original.original_name if original is not None else package.original_name
        raise PackageError(wording.ORIGINAL_GONE % {"name": display(name)})
    with tempfile.TemporaryFile() as out:
        with original.file.open("rb") as source:
            written = packages.write_valid_rows(
                source,  # type: ignore[arg-type]
                original.original_name,
                out,  # type: ignore[arg-type]
                progress=_Progress(package.id),
            )
        out.seek(0)
        package.file.save(package.original_name, File(out), save=False)
    stored = _still_ours(package).update(
        file=package.file.name,
        size=written.size,
        rows_dropped=written.dropped,
        updated_at=timezone.now(),
    )
    if not stored:
        package.file.delete(save=False)
        raise _Superseded
    package.size, package.rows_dropped = written.size, written.dropped


def _claim(package_id: int) -> AccountPackage | None:
    """Move the package to ``validating`` (recording it), or None when it is not ours to take."""
    now = timezone.now()
    claimable = Q(status=AccountPackage.Status.PENDING) | Q(
        status=AccountPackage.Status.VALIDATING, validation_started_at__lt=now - STALE_CLAIM_AFTER
    )
    with transaction.atomic():
        # Claim before reading the file: with acks_late a broker may hand the task to two
        # workers, and the sweep may queue it again.
        claimed = AccountPackage.objects.filter(claimable, id=package_id).update(
            status=AccountPackage.Status.VALIDATING,
            validation_started_at=now,
            bytes_done=0,
            updated_at=now,
        )
        if not claimed:
            return None
        package = AccountPackage.objects.select_related("app").get(id=package_id)
        audit_record(
            actor=None,
            action="package.validation_started",
            obj=package,
            data={"name": package.original_name},
        )
    return package


def package_requeue_stale(*, pending_after: timedelta = timedelta(minutes=2)) -> int:
    """Queue validation again for packages whose task was lost or whose worker died.

    For the periodic sweep. Claims make a duplicate task a no-op, so erring early is harmless.
    """
    now = timezone.now()
    stale = AccountPackage.objects.filter(
        Q(status=AccountPackage.Status.PENDING, created_at__lt=now - pending_after)
        | Q(
            status=AccountPackage.Status.VALIDATING,
            validation_started_at__lt=now - STALE_CLAIM_AFTER,
        )
    ).values_list("id", flat=True)
    ids = list(stale)
    with transaction.atomic():
        for package_id in ids:
            _queue_validation(package_id)
    return len(ids)


class _Progress:
    """Writes ``bytes_done`` for the live bar, at most once per interval."""

    def __init__(self, package_id: int) -> None:
        self.package_id = package_id
        self.last = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        AccountPackage.objects.filter(
            id=self.package_id, status=AccountPackage.Status.VALIDATING
        ).update(bytes_done=done, bytes_total=total)


class _Report:
    """Every rejected row, then the first duplicate rows, streamed to a CSV temporary file in
    batches."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)  # type: ignore[type-var]
        self.text.write(_UTF8_BOM)
        self.batch: list[report_rows.Cells] = [report_rows.HEADER]
        self.rows = 0
        self.duplicates: list[dict[str, Any]] = []  # the first ones, kept for the page
        self.duplicates_listed = 0

    def add(self, error: RowError) -> None:
        self.rows += 1
        self._write(report_rows.error_cells(error))

    def add_duplicate(self, row: DuplicateRow) -> None:
        self.duplicates_listed += 1
        if len(self.duplicates) < MAX_STORED_ERRORS:
            self.duplicates.append(
                {"line": row.line, "first_line": row.first_line, "value": row.value}
            )
        self._write(report_rows.duplicate_cells(row))

    def _write(self, cells: report_rows.Cells) -> None:
        self.batch.append(cells)
        if len(self.batch) >= _REPORT_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(self.batch)
        self.text.write(buffer.getvalue())
        self.batch.clear()

    def finish(self, duplicates: int = 0) -> bool:
        """Complete the file (saying when only the first of ``duplicates`` are listed) and rewind
        it; False when no row was rejected."""
        if duplicates > self.duplicates_listed:
            self._write(report_rows.capped_cells(self.duplicates_listed, duplicates))
        self.flush()
        self.text.detach()
        self.out.seek(0)
        return self.rows > 0


def validate_package(
    fileobj: BinaryIO,
    filename: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
    on_duplicate: Callable[[DuplicateRow], None] | None = None,
    detect_header: bool = True,
) -> ValidationResult:
    """:func:`pushes.packages.validate_package`, imported by the first validation: the
    scanner (numpy) is not loaded by every process that imports the services."""
    from pushes import packages

    return packages.validate_package(
        fileobj,
        filename,
        progress=progress,
        on_error=on_error,
        on_duplicate=on_duplicate,
        max_duplicates=MAX_REPORTED_DUPLICATES,
        detect_header=detect_header,
    )


def _run(package: AccountPackage) -> tuple[ValidationResult, IO[bytes] | None]:
    """Validate from storage (filesystem or S3 alike); the report stays a temporary file."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to _finish, which closes it
    try:
        report = _Report(out)
        with package.file.open("rb") as fileobj:
            result = validate_package(
                fileobj,  # type: ignore[arg-type]
                package.original_name,
                progress=_Progress(package.id),
                on_error=report.add,
                on_duplicate=report.add_duplicate,
                # Made of rows already checked in the original, where its first row was.
                detect_header=not package.is_derived,
            )
        has_rows = report.finish(result.duplicates if result.duplicates_listed else 0)
    except BaseException:
        out.close()
        raise
    package.duplicate_rows = report.duplicates
    # A package refused as a whole (a zip holding a folder, a damaged zip…) has no rows to
    # report: its problem says it all, and rows read before it stopped the scan are moot.
    if not has_rows or result.problem:
        out.close()
        return result, None
    return result, out


def _finish(package: AccountPackage, result: ValidationResult, report: IO[bytes] | None) -> None:
    if report is not None:
        with report:
            package.error_report.save(f"{package.code}-errors.csv", File(report), save=False)
    try:
        with transaction.atomic():
            if not _still_ours(package).exists():
                raise _Superseded
            _apply_result(package, result)
            package.full_clean()
            package.save()
            audit_record(
                actor=None,
                action="package.validated" if result.valid else "package.rejected",
                obj=package,
                data=_audit_stats(package),
            )
            account_index_queue(package=package)
    except _Superseded:
        package.error_report.delete(save=False)
    except BaseException:
        package.error_report.delete(save=False)
        raise


def _still_ours(package: AccountPackage) -> QuerySet[AccountPackage]:
    """The package, if this run's claim still holds (a stale claim may have been taken over)."""
    return AccountPackage.objects.filter(
        id=package.id,
        status=AccountPackage.Status.VALIDATING,
        validation_started_at=package.validation_started_at,
    )


class _Superseded(Exception):
    """The package left ``validating`` while this run read it (a stale claim taken over)."""


def _apply_result(package: AccountPackage, result: ValidationResult) -> None:
    package.status = AccountPackage.Status.VALID if result.valid else AccountPackage.Status.INVALID
    package.format = result.format
    package.size = result.size
    package.sha256 = result.sha256
    package.rows = result.rows
    package.accounts = result.accounts
    package.duplicates = result.duplicates
    package.invalid_rows = result.invalid_rows
    package.errors = [
        {"line": error.line, "reason": error.reason, "value": error.value}
        for error in result.errors[:MAX_STORED_ERRORS]
    ]
    package.problem = result.problem or ""
    package.header_line = result.header_line
    package.duplicates_listed = result.duplicates_listed
    if result.problem or not result.duplicates_listed:
        package.duplicate_rows = []
    package.validated_at = timezone.now()


def _audit_stats(package: AccountPackage) -> dict[str, Any]:
    return {
        "name": package.original_name,
        "sha256": package.sha256,
        "rows": package.rows,
        "accounts": package.accounts,
        "duplicates": package.duplicates,
        "invalid_rows": package.invalid_rows,
        "problem": package.problem,
    }


def _fail(package: AccountPackage, problem: str) -> None:
    with transaction.atomic():
        updated = _still_ours(package).update(
            status=AccountPackage.Status.INVALID,
            problem=problem,
            errors=[{"line": 0, "reason": problem, "value": ""}],
            validated_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if updated:
            package.refresh_from_db()
            audit_record(
                actor=None, action="package.rejected", obj=package, data=_audit_stats(package)
            )


def package_set_retention(*, app: App, by: User, days: int | None) -> App:
    """How many days account package files are kept after upload (None: kept)."""
    _require_role(app, by, (Role.ADMIN,))
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise Invalid(
            {
                "days": _("Keep files for 1–%(max)s days, or leave it blank to keep them.")
                % {"max": MAX_RETENTION_DAYS}
            }
        )
    before = app.package_retention_days
    if before == days:
        return app
    with transaction.atomic():
        app.package_retention_days = days
        app.full_clean()
        app.save(update_fields=["package_retention_days", "updated_at"])
        audit_record(
            actor=by,
            action="app.package_retention_set",
            obj=app,
            data={"from": before, "to": days},
        )
        if days is not None:
            _queue_retention()
    return app


def _queue_retention() -> None:
    enqueue_on_commit(APPLY_PACKAGE_RETENTION)


def package_apply_retention() -> int:
    """Delete the stored files of packages older than their app's retention; keep the rows.

    A package a push still has to upload to TPNS is kept until the push is past that point,
    and one being validated is left to its worker. Returns how many packages lost their files.
    """
    now = timezone.now()
    deleted = 0
    for app in App.objects.filter(package_retention_days__isnull=False):
        cutoff = now - timedelta(days=app.package_retention_days or 0)
        expired = (
            app.packages.filter(created_at__lt=cutoff, file_deleted_at__isnull=True)
            .exclude(status__in=_NOT_FINISHED)
            .exclude(pushes__status__in=_FILE_NEEDED_BY)
            .exclude(id__in=_generated_in_flight())
            # A package being made from its valid rows still reads its file.
            .exclude(derived_packages__status__in=_NOT_FINISHED)
            .distinct()
        )
        for package in expired:
            package_delete_files(package=package, by=None, reason="retention")
            deleted += 1
    return deleted


def _generated_in_flight() -> QuerySet[Push, Any]:
    return Push.objects.filter(status__in=_FILE_NEEDED_BY, generated_package__isnull=False).values(
        "generated_package_id"
    )


def package_delete_files(
    *, package: AccountPackage, by: User | None, reason: str
) -> AccountPackage:
    """Delete the package file and its error report from storage; the record stays."""
    stored = {"file": package.file.name, "error_report": package.error_report.name}
    # Storage first: should the row update fail, the next run deletes nothing twice,
    # while a row marked deleted over a file still stored would hide that file.
    if package.file:
        package.file.delete(save=False)
    if package.error_report:
        package.error_report.delete(save=False)
    if package.account_index:
        # The account index goes with the file (one built meanwhile goes with the sweep).
        package.account_index.delete(save=False)
    with transaction.atomic():
        package.file_deleted_at = timezone.now()
        package.save(
            update_fields=["file", "error_report", "account_index", "file_deleted_at", "updated_at"]
        )
        audit_record(
            actor=by,
            action="package.files_deleted",
            obj=package,
            data={"reason": reason, "name": package.original_name, **stored},
        )
    return package
