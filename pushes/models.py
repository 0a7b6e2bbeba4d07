"""The push domain: apps, members, audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from pushes import crypto
from pushes.account_types import ACCOUNT_TYPES

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


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


access_id_validator = RegexValidator(r"^\d{6,20}$", "AccessID is the number shown in the TPNS console.")


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


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every state change and admin action."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    # Unique prev_hash keeps the chain linear: two writers racing for the same
    # tail cannot both append; the loser retries on the new tail.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only")


class HealthPing(TimestampedModel):
    """A round trip through the broker: the web queues it, a worker answers it."""

    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"ping {self.pk}"
