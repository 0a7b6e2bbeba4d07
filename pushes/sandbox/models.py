"""State of the built-in TPNS sandbox gateway.

Binding rule (tpns-api.md §6, §7): "only one account can be bound to an account type; a later
binding overrides the earlier one". TPNS binds accounts *to a token*, so the rule is read per
device: a device holds at most one account per account type (binding bob as type 0 on a device
that held alice as type 0 replaces alice there). An account, however, may be bound to many
devices — that is what `account_push_type: 1` ("all devices bound to the account") reaches, and
what the FAQ describes ("if account A switches from device A to device B, only B receives by
default"). So `AccountBinding` is unique per (device, account_type), and "the latest device of
an account" is its binding with the newest `bound_at`.
"""

from __future__ import annotations

import secrets
import time

from django.db import IntegrityError, models, transaction

from pushes import crypto


def new_push_id() -> str:
    """A large decimal string like TPNS's, below 2**63 for clients that parse it as a number."""
    return str((int(time.time() * 1000) << 20) | secrets.randbits(20))


class SandboxApp(models.Model):
    """An app the sandbox accepts calls for, identified like a TPNS app by its AccessID."""

    access_id = models.CharField("AccessID", max_length=20, unique=True)
    secret_key_encrypted = models.TextField(editable=False)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Off once its Pushdeck app moved to another AccessID or gateway: the old key stops working.
    is_active = models.BooleanField(default=True)
    # The engagement model: what devices do with a delivered notification (engagement.py).
    arrival_rate = models.FloatField(default=0.95)
    click_rate = models.FloatField(default=0.08)
    clear_rate = models.FloatField(default=0.15)
    arrival_delay_seconds = models.PositiveIntegerField(default=5)
    engage_delay_seconds = models.PositiveIntegerField(default=180)

    class Meta:
        ordering = ["name", "access_id"]

    def __str__(self) -> str:
        return self.name or self.access_id

    @property
    def secret_key(self) -> str:
        return crypto.decrypt(self.secret_key_encrypted)

    @secret_key.setter
    def secret_key(self, value: str) -> None:
        self.secret_key_encrypted = crypto.encrypt(value)


class Device(models.Model):
    """A registered device; `token` is a 36-character TPNS-like token."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="devices")
    token = models.CharField(max_length=36)
    platform = models.CharField(max_length=8, default="android")
    # The vendor channel the device is reached through: xg, hw, xm, oppo, vivo, fcm or apns.
    channel = models.CharField(max_length=8, default="xg")
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["app", "token"], name="sandbox_device_unique_token"),
        ]

    def __str__(self) -> str:
        return self.label or self.token


class AccountBinding(models.Model):
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="bindings")
    account = models.CharField(max_length=100)
    account_type = models.PositiveIntegerField(default=0)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="bindings")
    bound_at = models.DateTimeField()

    class Meta:
        ordering = ["-bound_at", "-id"]
        constraints = [
            # One account per account type on a device; a later binding replaces it.
            models.UniqueConstraint(
                fields=["device", "account_type"], name="sandbox_binding_one_per_type"
            ),
        ]
        indexes = [
            # Push resolution: the devices of these accounts, newest binding first.
            models.Index(
                fields=["app", "account_type", "account", "-bound_at"],
                name="sandbox_binding_lookup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} ({self.account_type}) → {self.device}"


class Upload(models.Model):
    """An account (or token) package received by `v3/push/package/upload`."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="uploads")
    upload_id = models.PositiveIntegerField(unique=True)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="sandbox/uploads/%Y/%m/", max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    accounts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.upload_id} {self.filename}"


class SandboxPush(models.Model):
    class Status(models.TextChoices):
        SENT = "sent"
        SCHEDULED = "scheduled"
        CANCELLED = "cancelled"

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="pushes")
    push_id = models.CharField(max_length=32, unique=True)
    seq = models.BigIntegerField(default=0)
    audience_type = models.CharField(max_length=32)
    account_type = models.PositiveIntegerField(default=0)
    account_push_type = models.PositiveSmallIntegerField(default=0)
    message_type = models.CharField(max_length=16, default="notify")
    environment = models.CharField(max_length=16, default="product")
    title = models.CharField(max_length=500, blank=True)
    content = models.TextField(blank=True)
    upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes"
    )
    request = models.JSONField(default=dict)
    send_time = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status, default=Status.SENT)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    targeted = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    unbound = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # get_push_record by time window, and the inbox's newest-first list.
            models.Index(fields=["app", "created_at"], name="sandbox_push_app_created"),
            # deliver_due_scheduled's sweep.
            models.Index(fields=["status", "send_time"], name="sandbox_push_due"),
        ]

    def __str__(self) -> str:
        return f"{self.push_id} {self.audience_type} {self.status}"

    def insert_with_new_push_id(self) -> None:
        for _attempt in range(5):
            self.push_id = new_push_id()
            try:
                with transaction.atomic():
                    self.save(force_insert=True)
                return
            except IntegrityError:
                self.pk = None
        raise IntegrityError("no free push_id after 5 attempts")


class Delivery(models.Model):
    """One message that reached one device."""

    push = models.ForeignKey(SandboxPush, on_delete=models.CASCADE, related_name="deliveries")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="deliveries")
    account = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=500, blank=True)
    content = models.TextField(blank=True)
    delivered_at = models.DateTimeField()
    # What the device did with it, set ahead by the engagement model or by a person in the
    # inbox; an event counts once its time has come.
    arrived_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]
        indexes = [
            models.Index(fields=["device", "-delivered_at"], name="sandbox_delivery_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.push_id} → {self.device_id}"


class FaultPlan(models.Model):
    """Scripted misbehaviour for tests: the next `remaining` calls to `endpoint` misbehave.

    Only consulted when settings.SANDBOX_FAULTS_ENABLED (default: settings.DEBUG).
    """

    class Endpoint(models.TextChoices):
        PUSH = "push", "v3/push/app"
        UPLOAD = "upload", "v3/push/package/upload"
        BATCHOPERATE = "batchoperate", "v3/device/account/batchoperate"
        QUERY = "query", "v3/device/account/query"
        PUSH_RECORD = "get_push_record", "v3/statistics/get_push_record"
        TASK_STAT = "get_push_task_stat_channel", "v3/statistics/get_push_task_stat_channel"
        GROUP_STAT = "get_push_group_stat_channel", "v3/statistics/get_push_group_stat_channel"
        ADD_PLAN = "add_plan_push", "v3/push/plan/add_plan_push"
        CANCEL = "cancel_timing_task", "v3/push/cancel_timing_task"

    class Action(models.TextChoices):
        HTTP_500 = "http_500"
        HTTP_429 = "http_429"
        RET_CODE = "ret_code"
        SLEEP = "sleep"
        DROP = "drop"
        MALFORMED_200 = "malformed_200"

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="fault_plans")
    endpoint = models.CharField(max_length=32, choices=Endpoint)
    action = models.CharField(max_length=16, choices=Action)
    remaining = models.PositiveIntegerField(default=1)
    ret_code = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    after_apply = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["app", "endpoint", "remaining"], name="sandbox_fault_lookup"),
        ]

    def __str__(self) -> str:
        when = "after applying" if self.after_apply else "instead of applying"
        return f"{self.endpoint}: {self.action} ×{self.remaining} {when}"


class StatisticsCalls(models.Model):
    """Statistics calls an app made in one hour: TPNS allows 200 (tpns-api.md §10)."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "hour"], name="sandbox_stat_calls_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.hour:%Y-%m-%d %H}h: {self.calls}"


class SandboxPlan(models.Model):
    """A push plan made by `v3/push/plan/add_plan_push`; pushes name it in `plan_id`."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="plans")
    plan_id = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=60)
    describe = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["app", "created_at"], name="sandbox_plan_app_created")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.name}"


class RateWindow(models.Model):
    """Events counted under a key within a window of time, in the database.

    Every process shares it, and each change is one conditional UPDATE, so concurrent requests
    cannot all slip under a limit: the file cache's ``add`` and ``incr`` are a read followed by
    a write (see pushes/sandbox/throttle.py).
    """

    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    # The window ends here; the next event after it opens a new one.
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ends_at"], name="sandbox_rate_window_ends")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.ends_at:%H:%M:%S}"
