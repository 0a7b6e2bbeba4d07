"""Account packages: an uploaded file of accounts, validated once, then immutable."""

from __future__ import annotations

from pathlib import PurePosixPath
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes.models.app import App
from pushes.models.base import TimestampedModel


def package_upload_to(instance: AccountPackage, filename: str) -> str:
    # A generated name: the original name is user input and is kept only as data.
    suffix = PurePosixPath(filename).suffix.lower()[:5]
    return f"packages/{instance.app.code}/{uuid4().hex}{suffix}"


def report_upload_to(instance: AccountPackage, filename: str) -> str:
    return f"packages/{instance.app.code}/{instance.code}-errors.csv"


class AccountPackage(TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for validation")
        VALIDATING = "validating", _("Validating")
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Rejected")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="packages")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=package_upload_to, max_length=300, blank=True)
    original_name = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    # Validation progress, for the live progress bar. The total is what the validator reads:
    # for a zip that is the uncompressed entry, so it can differ from ``size``.
    bytes_done = models.PositiveBigIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(default=0)
    # When a worker claimed the package; a claim older than the task's hard time limit
    # belongs to a worker that died, and may be taken over.
    validation_started_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    accounts = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # first 100 [{"line", "reason"}]
    problem = models.TextField(blank=True)
    error_report = models.FileField(upload_to=report_upload_to, max_length=300, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    # Built by Pushdeck from a typed list of more than 1000 accounts.
    is_generated = models.BooleanField(default=False)
    # The line of a first row that looks like a column header (one of the invalid rows), or 0.
    header_line = models.PositiveIntegerField(default=0)
    # Duplicate rows in the error report (up to a limit) and the first of them, for the page.
    duplicates_listed = models.PositiveIntegerField(default=0)
    duplicate_rows = models.JSONField(default=list, blank=True)  # [{"line", "first_line", "value"}]
    # Made by Pushdeck from the valid rows of a rejected package: its file is written by the
    # worker that validates it. Both digests are kept, so each page can show where it came from.
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived_packages",
    )
    derived_from_sha256 = models.CharField(max_length=64, blank=True)
    rows_dropped = models.PositiveIntegerField(default=0)  # invalid rows (a header) + duplicates
    # Sorted hashes of its accounts (pushes/packages/index.py), for the account lookup: built
    # by a worker once the package is valid, deleted with the package's files.
    account_index = models.FileField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="valid") | models.Q(invalid_rows=0, accounts__gt=0),
                name="package_valid_means_clean",
            ),
            # One package from the valid rows of another, however often it is asked for.
            models.UniqueConstraint(fields=["derived_from"], name="package_derived_once"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.VALID, self.Status.INVALID}

    @property
    def progress_percent(self) -> int:
        if self.is_finished:
            return 100
        total = self.bytes_total or self.size
        return min(99, int(self.bytes_done * 100 / total)) if total else 0

    @property
    def has_file(self) -> bool:
        return bool(self.file) and self.file_deleted_at is None

    @property
    def is_derived(self) -> bool:
        return self.derived_from_id is not None

    @property
    def has_report(self) -> bool:
        return bool(self.error_report) and self.file_deleted_at is None
