"""Apps (TPNS credentials and gateway) and their members."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from pushes import crypto
from pushes.account_types import ACCOUNT_TYPES
from pushes.models.base import TimestampedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Gateway(models.TextChoices):
    GUANGZHOU = "guangzhou", "Guangzhou"
    SHANGHAI = "shanghai", "Shanghai"
    HONGKONG = "hongkong", "Hong Kong"
    SINGAPORE = "singapore", "Singapore"
    SANDBOX = "sandbox", "Sandbox"


class Platform(models.TextChoices):
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETER = "marketer", "Marketer"
    REVIEWER = "reviewer", "Reviewer"


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
    # Accounts that receive test pushes from the preview, without review (at most 20).
    test_accounts = models.JSONField(default=list, blank=True)
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
        self.secret_key_last4 = value[-4:]

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
