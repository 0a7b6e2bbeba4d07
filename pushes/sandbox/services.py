"""Writes of the sandbox gateway: apps, devices, bindings, packages, pushes and fault plans,
and what the console's Sandbox page changes (engagement model, devices, Open and Dismiss)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from pushes import crypto
from pushes.sandbox import delivery, engagement, throttle, uploads
from pushes.sandbox.errors import AlreadyHandled, SandboxError
from pushes.sandbox.models import (
    AccountBinding,
    Delivery,
    Device,
    FaultPlan,
    SandboxApp,
    SandboxPlan,
    SandboxPush,
    Upload,
)
from pushes.sandbox.validation import (
    ACCOUNT_TARGETED_TYPES,
    MAX_ACCOUNT_CHARS,
    TOKEN_LIST_TYPES,
    PushRequest,
    as_int,
)
from pushes.tpns import codes

if TYPE_CHECKING:
    from datetime import datetime

    from django.core.files import File

    from pushes.packages import ValidationResult
    from pushes.sandbox.delivery import Counts

# How pushes.packages words an empty package (its `problem`).
EMPTY_PROBLEMS = ("is empty", "has no accounts (only blank lines)")
MAX_TOKENS_PER_BATCH = 20  # §7.1
MAX_ENTRIES_PER_BATCH = 1000
MAX_FAULT_SLEEP_SECONDS = 120.0


# --- apps, devices, bindings ---------------------------------------------------------------


def ensure_app(*, access_id: str, secret_key: str, name: str = "") -> SandboxApp:
    """Create or refresh the sandbox side of an app; safe to call again with new values."""
    app = SandboxApp.objects.filter(access_id=access_id).first()
    if app is None:
        app = SandboxApp(access_id=access_id, name=name)
        app.secret_key = secret_key
        try:
            with transaction.atomic():
                app.save()
            return app
        except IntegrityError:  # created concurrently: fall through and refresh it
            app = SandboxApp.objects.get(access_id=access_id)
    if not _secret_matches(app, secret_key) or (name and app.name != name) or not app.is_active:
        app.secret_key = secret_key
        app.name = name or app.name
        app.is_active = True
        app.save(update_fields=["secret_key_encrypted", "name", "is_active"])
    return app


def deactivate_app(*, access_id: str) -> bool:
    """Its Pushdeck app moved away: calls with this AccessID are refused from now on."""
    return bool(
        SandboxApp.objects.filter(access_id=access_id, is_active=True).update(is_active=False)
    )


def _secret_matches(app: SandboxApp, secret_key: str) -> bool:
    try:
        return app.secret_key == secret_key
    except crypto.SecretDecryptionError:  # encrypted with a key no longer configured
        return False


def register_device(
    *, app: SandboxApp, token: str | None = None, platform: str = "android", label: str = ""
) -> Device:
    token = token or str(uuid4())  # 36 characters, like a TPNS token
    if len(token) > 36:
        raise ValueError("a device token has at most 36 characters")
    channel = engagement.channel_for(platform=platform, token=token)
    return Device.objects.create(
        app=app, token=token, platform=platform, channel=channel, label=label
    )


def bind(
    *,
    app: SandboxApp,
    account: str,
    account_type: int = 0,
    device: Device,
    at: datetime | None = None,
) -> AccountBinding:
    """Bind `account` to `device`; it replaces the device's earlier account of that type (§6)."""
    if not account or len(account) > MAX_ACCOUNT_CHARS:
        raise ValueError(f"an account has 1–{MAX_ACCOUNT_CHARS} characters")
    if device.app_id != app.pk:
        raise ValueError("the device belongs to another app")
    binding, _ = AccountBinding.objects.update_or_create(
        device=device,
        account_type=account_type,
        defaults={"app": app, "account": account, "bound_at": at or timezone.now()},
    )
    return binding


def unbind(
    *,
    app: SandboxApp,
    device: Device | None = None,
    account: str | None = None,
    account_type: int | None = None,
) -> int:
    bindings = AccountBinding.objects.filter(app=app)
    if device is not None:
        bindings = bindings.filter(device=device)
    if account is not None:
        bindings = bindings.filter(account=account)
    if account_type is not None:
        bindings = bindings.filter(account_type=account_type)
    deleted, _ = bindings.delete()
    return deleted


def account_batch_operate(*, app: SandboxApp, data: dict[str, Any]) -> list[str]:
    """`v3/device/account/batchoperate` (§7.1): one status string per token or account."""
    raw_operator = data.get("operator_type")
    if raw_operator is None or raw_operator == "":
        raise SandboxError(codes.MISSING_PARAMETER)
    operator = as_int(raw_operator)
    default_type = as_int(data.get("account_type", 0) or 0)
    if operator not in (1, 2, 3, 4, 5) or default_type is None or default_type < 0:
        raise SandboxError(codes.INVALID_PARAMETER)
    if operator in (1, 2, 3):
        items = _batch_list(data.get("token_accounts"), limit=MAX_TOKENS_PER_BATCH)
        return [_bind_token(app, operator, item, default_type) for item in items]
    if operator == 4:
        tokens = _batch_list(data.get("token_list"), limit=MAX_ENTRIES_PER_BATCH)
        return [_unbind_token(app, token) for token in tokens]
    entries = _batch_list(data.get("account_list"), limit=MAX_ENTRIES_PER_BATCH)
    return [_unbind_account(app, entry, default_type) for entry in entries]


def _batch_list(raw: object, *, limit: int) -> list[Any]:
    if raw is None or raw == [] or raw == "":
        raise SandboxError(codes.MISSING_PARAMETER)
    if not isinstance(raw, list) or len(raw) > limit:
        raise SandboxError(codes.INVALID_PARAMETER)
    return raw


def _account_entry(entry: object, default_type: int) -> tuple[str, int] | None:
    """(account, account_type) from `{"account": …, "account_type": …}` or a plain string."""
    account: object
    account_type: int | None
    if isinstance(entry, str):
        account, account_type = entry, default_type
    elif isinstance(entry, dict):
        account = entry.get("account")
        raw_type = entry.get("account_type")
        account_type = default_type if raw_type in (None, "") else as_int(raw_type)
    else:
        return None
    if not isinstance(account, str) or not 0 < len(account) <= MAX_ACCOUNT_CHARS:
        return None
    if account_type is None or account_type < 0:
        return None
    return account, account_type


def _bind_token(app: SandboxApp, operator: int, item: object, default_type: int) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("token"), str):
        return str(codes.INVALID_PARAMETER)
    device = Device.objects.filter(app=app, token=item["token"]).first()
    if device is None:
        return str(codes.TOKEN_NOT_VALID)
    raw_accounts = item.get("account_list")
    if not isinstance(raw_accounts, list) or not raw_accounts:
        return str(codes.INVALID_PARAMETER)
    entries = [_account_entry(entry, default_type) for entry in raw_accounts]
    if any(entry is None for entry in entries):
        return str(codes.INVALID_PARAMETER)
    for account, account_type in (e for e in entries if e is not None):
        if operator == 3:
            unbind(app=app, device=device, account=account, account_type=account_type)
        else:  # 1 is treated as 2 since 2020-10-26 (§7.1)
            bind(app=app, account=account, account_type=account_type, device=device)
    return str(codes.OK)


def _unbind_token(app: SandboxApp, token: object) -> str:
    if not isinstance(token, str):
        return str(codes.INVALID_PARAMETER)
    device = Device.objects.filter(app=app, token=token).first()
    if device is None:
        return str(codes.TOKEN_NOT_VALID)
    unbind(app=app, device=device)
    return str(codes.OK)


def _unbind_account(app: SandboxApp, entry: object, default_type: int) -> str:
    parsed = _account_entry(entry, default_type)
    if parsed is None:
        return str(codes.INVALID_PARAMETER)
    unbind(app=app, account=parsed[0], account_type=parsed[1])
    return str(codes.OK)


# --- account packages ----------------------------------------------------------------------


def package_upload(*, app: SandboxApp, fileobj: File, filename: str) -> Upload:
    """Validate like the console does, then stream the file to storage (§4, §14.5)."""
    from pushes.packages import validate_filename, validate_package

    name = os.path.basename((filename or "").replace("\\", "/"))
    if validate_filename(name) is not None:
        raise SandboxError(codes.UPLOAD_FILE_ERROR)
    extension = os.path.splitext(name)[1].lower()
    if not fileobj.size:
        raise SandboxError(codes.UPLOAD_EMPTY_FILE)
    if fileobj.size > uploads.MAX_UPLOAD_BYTES:
        raise SandboxError(codes.UPLOAD_FILE_ERROR)
    fileobj.seek(0)
    # TPNS takes a first row such as "account" as an account: only the console refuses headers.
    result = validate_package(cast("BinaryIO", fileobj), name, detect_header=False)
    if not result.valid:
        raise SandboxError(
            codes.UPLOAD_EMPTY_FILE if _is_empty(result) else codes.UPLOAD_FILE_ERROR
        )
    upload = Upload(
        app=app, filename=name, sha256=result.sha256, size=fileobj.size, accounts=result.accounts
    )
    fileobj.seek(0)
    # A generated name: the client's filename never becomes a storage path.
    upload.file.save(f"{uuid4().hex}{extension}", fileobj, save=False)
    for _attempt in range(5):
        upload.upload_id = 10_000 + secrets.randbelow(2**31 - 10_001)
        try:
            with transaction.atomic():
                upload.save()
            return upload
        except IntegrityError:
            continue
    upload.file.delete(save=False)
    raise SandboxError(codes.INVOKE_SERVICE_ERROR)


def _is_empty(result: ValidationResult) -> bool:
    """No bytes, or only blank lines (also inside a zip): 1008012 rather than 1008011."""
    problem = result.problem or ""
    return not result.rows and problem.endswith(EMPTY_PROBLEMS)


# --- pushes --------------------------------------------------------------------------------


@dataclass
class PushOutcome:
    pushes: list[SandboxPush]
    invalid_tokens: list[str] = field(default_factory=list)


_PUSH_RATE_WINDOW = timedelta(seconds=1)


def push_check_rate(*, app: SandboxApp) -> None:
    """At most one all/tag/package push per second per app (§10), counted in the database:
    of simultaneous pushes from any number of processes, exactly one gets through."""
    if not throttle.take(f"push-rate:{app.access_id}", window=_PUSH_RATE_WINDOW, limit=1):
        raise SandboxError(codes.REQUEST_TOO_FAST)


def push_create(
    *, app: SandboxApp, request: PushRequest, now: datetime | None = None
) -> PushOutcome:
    """Record the push and, unless it is scheduled, deliver it — all or nothing."""
    now = now or timezone.now()
    invalid_tokens: list[str] = []
    if request.audience_type in TOKEN_LIST_TYPES:
        known = set(
            Device.objects.filter(app=app, token__in=request.targets).values_list(
                "token", flat=True
            )
        )
        invalid_tokens = [token for token in request.targets if token not in known]
        if invalid_tokens and not request.ignore_invalid_token:
            raise SandboxError(codes.TOKEN_NOT_VALID)
    when_list: list[datetime | None] = (
        list(request.loop_times) if request.loop_times else [request.send_time]
    )
    with transaction.atomic():
        pushes = [_new_push(app, request, send_time=when, now=now) for when in when_list]
        if pushes[0].status == SandboxPush.Status.SENT:
            counts = delivery.deliver(pushes[0], now=now)
            if counts.delivered == 0 and _needs_a_target(request):
                # §14.3 step 13; raising rolls the push back.
                raise SandboxError(codes.INTERNAL_ERROR)
    return PushOutcome(pushes=pushes, invalid_tokens=invalid_tokens)


def _needs_a_target(request: PushRequest) -> bool:
    return request.audience_type in ACCOUNT_TARGETED_TYPES | TOKEN_LIST_TYPES


def _new_push(
    app: SandboxApp, request: PushRequest, *, send_time: datetime | None, now: datetime
) -> SandboxPush:
    title, content = delivery.message_text(request.message)
    push = SandboxPush(
        app=app,
        seq=request.seq,
        audience_type=request.audience_type,
        account_type=request.account_type,
        account_push_type=request.account_push_type,
        message_type=request.message_type,
        environment=request.environment,
        title=title,
        content=content,
        upload=request.upload,
        request=request.raw,
        send_time=send_time or now,
        status=SandboxPush.Status.SCHEDULED if send_time else SandboxPush.Status.SENT,
    )
    if push.status == SandboxPush.Status.SCHEDULED:
        push.insert_with_new_push_id()
    # A push sent now is inserted by delivery.deliver, after the (long) scan of its targets.
    return push


def deliver_due_scheduled(*, now: datetime | None = None) -> int:
    """Deliver scheduled pushes whose send_time has come; safe to run from several workers."""
    now = now or timezone.now()
    due = SandboxPush.objects.filter(
        status=SandboxPush.Status.SCHEDULED, send_time__lte=now
    ).order_by("send_time", "id")
    delivered = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            # Claim first: a concurrent sweep or a cancel may have got there before us.
            claimed = SandboxPush.objects.filter(pk=pk, status=SandboxPush.Status.SCHEDULED).update(
                status=SandboxPush.Status.SENT
            )
            if not claimed:
                continue
            push = SandboxPush.objects.select_related("upload").get(pk=pk)
            delivery.deliver(push, now=now)
            delivered += 1
    return delivered


def push_deliver_now(*, push: SandboxPush) -> Counts:
    """Deliver one scheduled push at once (demos and tests)."""
    with transaction.atomic():
        claimed = SandboxPush.objects.filter(
            pk=push.pk, status=SandboxPush.Status.SCHEDULED
        ).update(status=SandboxPush.Status.SENT)
        if not claimed:
            raise SandboxError(codes.INVALID_PARAMETER)
        push.refresh_from_db()
        return delivery.deliver(push)


def push_cancel(*, app: SandboxApp, push_id: str) -> SandboxPush:
    """`v3/push/cancel_timing_task`: only scheduled pushes not yet delivered can be cancelled."""
    push = SandboxPush.objects.filter(app=app, push_id=push_id).first()
    if push is None:
        raise SandboxError(codes.PUSH_ID_NOT_EXIST)
    cancelled = SandboxPush.objects.filter(pk=push.pk, status=SandboxPush.Status.SCHEDULED).update(
        status=SandboxPush.Status.CANCELLED
    )
    if not cancelled:
        raise SandboxError(codes.INVALID_PARAMETER)
    push.refresh_from_db()
    return push


# --- fault plans ---------------------------------------------------------------------------


def faults_enabled() -> bool:
    return bool(settings.SANDBOX_FAULTS_ENABLED)


def add_fault(
    app: SandboxApp | str | Any,
    endpoint: str,
    action: str,
    count: int = 1,
    ret_code: int | None = None,
    seconds: float | None = None,
    after_apply: bool = False,
) -> FaultPlan:
    """Make the next `count` calls of `app` to `endpoint` misbehave (see pushes.sandbox.faults).

    `app` is a SandboxApp, an AccessID, or anything with an `access_id` (a console App).
    """
    if endpoint not in FaultPlan.Endpoint.values:
        raise ValueError(f"unknown endpoint {endpoint!r}; one of {FaultPlan.Endpoint.values}")
    if action not in FaultPlan.Action.values:
        raise ValueError(f"unknown action {action!r}; one of {FaultPlan.Action.values}")
    if action == FaultPlan.Action.RET_CODE and ret_code is None:
        raise ValueError("a ret_code fault needs ret_code")
    if count < 1:
        raise ValueError("count must be at least 1")
    if seconds is not None and not 0 <= seconds <= MAX_FAULT_SLEEP_SECONDS:
        raise ValueError(f"seconds must be within 0..{MAX_FAULT_SLEEP_SECONDS:g}")
    return FaultPlan.objects.create(
        app=_sandbox_app(app),
        endpoint=endpoint,
        action=action,
        remaining=count,
        ret_code=ret_code,
        seconds=seconds,
        after_apply=after_apply,
    )


def clear_faults(app: SandboxApp | str | Any) -> int:
    deleted, _ = FaultPlan.objects.filter(app=_sandbox_app(app)).delete()
    return deleted


def consume_fault(*, app: SandboxApp, endpoint: str) -> FaultPlan | None:
    """Take one use of the oldest matching plan; the conditional UPDATE makes it race-free."""
    plans = FaultPlan.objects.filter(app=app, endpoint=endpoint, remaining__gt=0).order_by("id")
    for plan in plans[:5]:
        taken = FaultPlan.objects.filter(pk=plan.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if taken:
            return plan
    return None


def _sandbox_app(app: SandboxApp | str | Any) -> SandboxApp:
    if isinstance(app, SandboxApp):
        return app
    access_id = app if isinstance(app, str) else app.access_id
    return SandboxApp.objects.get(access_id=access_id)


# --- the console's Sandbox page ------------------------------------------------------------

PLATFORMS = ("android", "ios")
MAX_TOKEN_CHARS = 36


def app_set_engagement(
    *,
    app: SandboxApp,
    arrival_rate: float,
    click_rate: float,
    clear_rate: float,
    arrival_delay_seconds: int,
    engage_delay_seconds: int,
) -> SandboxApp:
    """Change what the app's devices do with the notifications it sends from now on.

    Rates are shares (0–1); problems are raised per field (engagement.problems).
    """
    values: dict[str, float | int] = {
        "arrival_rate": arrival_rate,
        "click_rate": click_rate,
        "clear_rate": clear_rate,
        "arrival_delay_seconds": arrival_delay_seconds,
        "engage_delay_seconds": engage_delay_seconds,
    }
    found = engagement.problems(**values)
    if found:
        raise ValidationError(found)
    for name, value in values.items():
        setattr(app, name, value)
    app.full_clean()
    app.save(update_fields=list(values))
    return app


def device_add(
    *,
    app: SandboxApp,
    platform: str = "android",
    token: str = "",
    label: str = "",
    account: str = "",
    account_type: int = 0,
) -> Device:
    """Register a device (a new random token unless one is given), bound to `account` if any."""
    found = _device_problems(app, platform=platform, token=token, account=account)
    if account_type < 0:
        found["account_type"] = gettext("An account type is 0 or more.")
    if found:
        raise ValidationError(found)
    try:
        with transaction.atomic():
            device = register_device(app=app, token=token or None, platform=platform, label=label)
            if account:
                bind(app=app, account=account, account_type=account_type, device=device)
    except IntegrityError as exc:  # the same token, registered at the same moment
        raise ValidationError({"token": _token_taken()}) from exc
    return device


def _device_problems(app: SandboxApp, *, platform: str, token: str, account: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if platform not in PLATFORMS:
        found["platform"] = gettext("Choose Android or iOS.")
    if len(token) > MAX_TOKEN_CHARS:
        found["token"] = gettext("A device token has at most %(max)s characters.") % {
            "max": MAX_TOKEN_CHARS
        }
    elif token and Device.objects.filter(app=app, token=token).exists():
        found["token"] = _token_taken()
    if len(account) > MAX_ACCOUNT_CHARS:
        found["account"] = gettext("An account has at most %(max)s characters.") % {
            "max": MAX_ACCOUNT_CHARS
        }
    return found


def _token_taken() -> str:
    return gettext("A device with this token is already registered.")


def delivery_open(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """A person opened the notification on the device: clicked now, and arrived by now.

    Raises AlreadyHandled when it was dismissed already; opening it again changes nothing.
    """
    return _handle(delivery, field="clicked_at", other="cleared_at", now=now or timezone.now())


def delivery_dismiss(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """A person dismissed the notification: cleared now, and arrived by now.

    Raises AlreadyHandled when it was opened already; dismissing it again changes nothing.
    """
    return _handle(delivery, field="cleared_at", other="clicked_at", now=now or timezone.now())


def _handle(delivery: Delivery, *, field: str, other: str, now: datetime) -> Delivery:
    # One conditional UPDATE: a second press, or a race with the other button, changes
    # nothing. A person's action replaces the model's events still to come (engagement.py
    # draws a click or a clear, never both).
    handled = Q(**{f"{field}__lte": now}) | Q(**{f"{other}__lte": now})
    not_arrived = Q(arrived_at__isnull=True) | Q(arrived_at__gt=now)
    changed = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(handled)
        .update(
            **{field: now, other: None},
            arrived_at=Case(When(not_arrived, then=Value(now)), default=F("arrived_at")),
        )
    )
    delivery.refresh_from_db(fields=["arrived_at", "clicked_at", "cleared_at"])
    if not changed:
        blocked = getattr(delivery, other)
        if blocked is not None and blocked <= now:
            raise AlreadyHandled(other)
    return delivery


# --- push plans -------------------------------------------------------------------------


MAX_PLAN_NAME_CHARS = 60
MAX_PLAN_DESCRIBE_CHARS = 300


def plan_create(*, app: SandboxApp, name: str, describe: str) -> SandboxPlan:
    """`v3/push/plan/add_plan_push`: at most SANDBOX_PLANS_PER_DAY a day per app, as TPNS."""
    name, describe = name.strip(), describe.strip()
    if not name or len(name) > MAX_PLAN_NAME_CHARS or len(describe) > MAX_PLAN_DESCRIBE_CHARS:
        raise SandboxError(codes.INVALID_PARAMETER)
    since = timezone.now() - timedelta(days=1)
    with transaction.atomic():
        # Serialise an app's plan creations so the daily count holds across processes.
        SandboxApp.objects.select_for_update().filter(pk=app.pk).first()
        made = SandboxPlan.objects.filter(app=app, created_at__gte=since).count()
        if made >= settings.SANDBOX_PLANS_PER_DAY:
            raise SandboxError(codes.REQUEST_TOO_FAST)
        plan = SandboxPlan(app=app, name=name, describe=describe)
        plan.plan_id = str(SandboxPlan.objects.count() + 1)
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    plan.save()
                return plan
            except IntegrityError:
                plan.pk, plan.plan_id = None, str(int(plan.plan_id) + 1 + secrets.randbelow(9))
    raise SandboxError(codes.INVOKE_SERVICE_ERROR)
