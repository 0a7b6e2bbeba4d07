"""Apps (TPNS credentials and gateway) and their members."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes import crypto
from pushes.account_types import ACCOUNT_TYPES
from pushes.models.base import TimestampedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Gateway(models.TextChoices):
    GUANGZHOU = "guangzhou", _("Guangzhou")
    SHANGHAI = "shanghai", _("Shanghai")
    HONGKONG = "hongkong", _("Hong Kong")
    SINGAPORE = "singapore", _("Singapore")
    SANDBOX = "sandbox", _("Sandbox")


class Platform(models.TextChoices):
    ANDROID = "android", _("Android")
    IOS = "ios", _("iOS")


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MARKETER = "marketer", _("Marketer")
    REVIEWER = "reviewer", _("Reviewer")


access_id_validator = RegexValidator(
    r"^\d{6,20}$", "AccessID is the number shown in the TPNS console."
)


class App(TimestampedModel):
    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    platform = models.CharField(max_length=8, choices=Platform, default=Platform.ANDROID)
    access_id = models.CharField("AccessID", max_length=20, validators=[access_id_validator])
    secret_key_encrypted = models.TextField(editable=False)
    secret_key_last4 = models.CharField(max_length=4, editable=False)
    gateway = models.CharField(max_length=16, choices=Gateway, default=Gateway.SANDBOX)
    default_account_type = models.PositiveIntegerField(choices=ACCOUNT_TYPES, default=0)
    is_paused = models.BooleanField(default=False)
    # Pushes targeting more accounts than this need two approvals (blank: one is enough).
    two_approvals_above = models.PositiveIntegerField(null=True, blank=True)
    # Accounts that receive test pushes from the preview, without review (at most 20). They
    # change only through a TestAccountsChange approved by a second person of the app.
    test_accounts = models.JSONField(default=list, blank=True)
    test_accounts_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    test_accounts_approved_at = models.DateTimeField(null=True, blank=True)
    # Account package files are deleted this many days after upload (blank: kept).
    package_retention_days = models.PositiveIntegerField(null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="push_apps"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "access_id"], name="app_unique_access_id"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_key(self) -> str:
        return crypto.decrypt(self.secret_key_encrypted)

    @secret_key.setter
    def secret_key(self, value: str) -> None:
        self.secret_key_encrypted = crypto.encrypt(value)
        # Four characters of a short secret would give away too much of it.
        self.secret_key_last4 = value[-4:] if len(value) > 8 else ""

    @property
    def secret_key_masked(self) -> str:
        return f"••••{self.secret_key_last4}"

    def role_of(self, user: AbstractBaseUser | AnonymousUser) -> str | None:
        if not user.is_authenticated:
            return None
        membership = self.memberships.filter(user_id=user.pk).only("role").first()
        if membership is not None:
            return membership.role
        return Role.ADMIN if getattr(user, "is_staff", False) else None


class Membership(TimestampedModel):
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["app", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} of {self.app}"


class TestAccountsChange(TimestampedModel):
    """A proposed new list of an app's test accounts. Test pushes skip review, so the list
    takes effect only when another admin or reviewer of the app approves it."""

    __test__ = False  # not a pytest test class, despite the name

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="test_account_changes")
    accounts = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["app"],
                condition=models.Q(status="pending"),
                name="test_accounts_one_pending_change",
            ),
            # Four eyes, held by the database too: nobody approves their own change.
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (
                    models.Q(decided_by__isnull=False)
                    & ~models.Q(decided_by=models.F("proposed_by"))
                ),
                name="test_accounts_approved_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"test accounts of {self.app}: {self.get_status_display().lower()}"
