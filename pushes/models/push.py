"""Pushes, their reviews, delivery attempts and revisions."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes.account_types import ACCOUNT_TYPES
from pushes.models.app import App
from pushes.models.base import TimestampedModel
from pushes.models.package import AccountPackage


class LookupState(models.TextChoices):
    PENDING = "pending", _("Looking it up")
    FOUND = "found", _("Found in the gateway's records")
    ABSENT = "absent", _("Not in the gateway's records")
    AMBIGUOUS = "ambiguous", _("Needs a person")
    UNAVAILABLE = "unavailable", _("Records no longer available")


class Push(TimestampedModel):
    LookupState = LookupState

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_REVIEW = "pending_review", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        UPLOADING = "uploading", _("Uploading package")
        UPLOADED = "uploaded", _("Package uploaded")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        IN_DOUBT = "in_doubt", _("In doubt")
        CANCELLED = "cancelled", _("Cancelled")

    class Target(models.TextChoices):
        ACCOUNT = "account", _("One account")
        ACCOUNT_LIST = "account_list", _("Account list")
        PACKAGE = "package_account_push", _("Account package")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Typed accounts")
        PACKAGE = "package", _("Account package")

    class MessageType(models.TextChoices):
        NOTIFY = "notify", _("Notification")
        MESSAGE = "message", _("In-app message")

    class PushTo(models.IntegerChoices):
        LATEST_DEVICE = 0, _("The account's latest device")
        ALL_DEVICES = 1, _("All of the account's devices")

    class OpenAction(models.TextChoices):
        APP = "app", _("Open the app")
        URL = "url", _("Open a URL")
        INTENT = "intent", _("Open an intent")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="pushes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_pushes"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    is_test = models.BooleanField(default=False)

    # What is sent.
    source = models.CharField(max_length=8, choices=Source, default=Source.MANUAL)
    accounts = models.JSONField(default=list, blank=True)  # typed accounts, distinct, in order
    accounts_text = models.TextField(blank=True)  # as typed, to give it back unchanged
    package = models.ForeignKey(
        AccountPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="pushes"
    )
    account_type = models.PositiveIntegerField(choices=ACCOUNT_TYPES, default=0)
    account_push_type = models.PositiveSmallIntegerField(
        choices=PushTo, default=PushTo.LATEST_DEVICE
    )
    message_type = models.CharField(max_length=8, choices=MessageType, default=MessageType.NOTIFY)
    title = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    expire_time = models.PositiveIntegerField(null=True, blank=True)  # seconds of offline storage
    send_time = models.DateTimeField(null=True, blank=True)
    custom_content = models.JSONField(default=dict, blank=True)
    open_action = models.CharField(max_length=8, choices=OpenAction, default=OpenAction.APP)
    open_target = models.CharField(max_length=500, blank=True)

    # The frozen snapshot a review approves.
    target = models.CharField(max_length=24, choices=Target, blank=True)
    total_count = models.PositiveIntegerField(default=0)
    payload = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Confirmed although the reachability preflight found no account with a device.
    reach_override = models.BooleanField(default=False)

    # Review.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    approved_hash = models.CharField(max_length=64, blank=True)

    plan = models.ForeignKey(
        "pushes.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="pushes"
    )

    # Delivery.
    generated_package = models.ForeignKey(
        AccountPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    upload_id = models.BigIntegerField(null=True, blank=True)
    push_id = models.CharField(max_length=64, blank=True)
    ret_code = models.IntegerField(null=True, blank=True)
    err_msg = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # delivery task last queued
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The unique marker carried as `group_id` in the push call and returned in the gateway's
    # push records: what proves a record is this push's (set before the call is made).
    marker = models.CharField(max_length=64, blank=True)

    # Looking an in-doubt push up in the gateway's push records.
    lookup_state = models.CharField(max_length=12, choices=LookupState, blank=True)
    lookup_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lookup_tries = models.PositiveSmallIntegerField(default=0)
    lookup_note = models.TextField(blank=True)  # the evidence, in words
    lookup_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # One per list of the console, matching its filter and its order (newest first), so a
        # page reads its 25 rows from an index however many pushes there are; with the app
        # (PostgreSQL) so the count, within the reader's apps, never reads the table.
        indexes = [
            models.Index(fields=["-created_at", "-id"], include=["app"], name="push_newest"),
            models.Index(fields=["app", "-created_at", "-id"], name="push_app_newest"),
            models.Index(
                fields=["status", "-created_at", "-id"], include=["app"], name="push_status_newest"
            ),
            models.Index(
                fields=["created_by", "-created_at", "-id"],
                include=["app"],
                name="push_author_newest",
            ),
            # Who wrote pushes in an app (the list's Author filter).
            models.Index(fields=["app", "created_by"], name="push_app_author"),
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(status="pending_review"),
                name="push_review_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_by__isnull=True)
                | ~models.Q(reviewed_by=models.F("created_by")),
                name="push_no_self_review",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="package")
                | models.Q(package__isnull=False)
                | models.Q(status="draft"),
                name="push_package_source_has_package",
            ),
            # A gateway push_id settles one push only: never another push's record.
            models.UniqueConstraint(
                fields=["app", "push_id"],
                condition=~models.Q(push_id=""),
                name="push_id_unique_per_app",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Push {str(self.code)[:8]}"

    # What lists never load: the typed accounts (up to 1,000), the frozen request, the message.
    LARGE_FIELDS = ("accounts", "accounts_text", "payload", "custom_content", "content")
    FINISHED = frozenset({Status.SENT, Status.FAILED, Status.REJECTED, Status.CANCELLED})
    EDITABLE = frozenset({Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED})
    CANCELLABLE = frozenset(
        {Status.DRAFT, Status.PENDING_REVIEW, Status.APPROVED, Status.UPLOADING, Status.UPLOADED}
    )

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_in_flight(self) -> bool:
        return self.status in {
            self.Status.APPROVED,
            self.Status.UPLOADING,
            self.Status.UPLOADED,
            self.Status.SENDING,
        }


class PushRevision(models.Model):
    """The frozen snapshot at each submission, for reviewers' diffs."""

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    content_hash = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["push", "number"], name="revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of {self.push_id}"


class Approval(models.Model):
    """One reviewer's approval of one exact content hash."""

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="approvals")
    # Approvals count for the submission they were given to; a resubmission starts over.
    revision = models.ForeignKey(PushRevision, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The push's author, copied so the database itself can refuse self-approval.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "reviewer"], name="approval_once_per_revision"
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewer=models.F("author")), name="approval_not_by_author"
            ),
        ]

    def __str__(self) -> str:
        return f"approval of {self.push_id} by {self.reviewer_id}"


class DeliveryAttempt(models.Model):
    """One call to the gateway. The console answers "did it send?" from these rows."""

    class Kind(models.TextChoices):
        UPLOAD = "upload", _("Package upload")
        PUSH = "push", _("Push call")
        RECORD = "record", _("Push record lookup")
        CANCEL = "cancel", _("Cancel scheduled push")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("In progress")
        OK = "ok", _("OK")
        TRANSIENT = "transient", _("Temporary error")
        PERMANENT = "permanent", _("Error")
        UNKNOWN = "unknown", _("Outcome unknown")

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(max_length=8, choices=Kind)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    ret_code = models.IntegerField(null=True, blank=True)
    err_msg = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.PENDING)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} attempt for {self.push_id}: {self.outcome}"

    @property
    def duration_ms(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


class Notification(TimestampedModel):
    """A notice for one user about one push (review requested, approved, sent, …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_notifications"
    )
    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message
