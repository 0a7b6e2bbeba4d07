"""Reads of the sandbox gateway: for its endpoints and for the console's Sandbox inbox page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, When
from django.utils import timezone

from pushes.sandbox.models import AccountBinding, Delivery, Device, SandboxApp, SandboxPush

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from django.db.models import QuerySet


def sandbox_apps(*, access_ids: Iterable[str] | None) -> QuerySet[SandboxApp]:
    """The sandbox apps with these AccessIDs (None: all of them, for staff)."""
    if access_ids is None:
        return SandboxApp.objects.filter(is_active=True)
    return SandboxApp.objects.filter(access_id__in=list(access_ids), is_active=True)


def device_count_for_account(*, app: SandboxApp, account: str, account_type: int = 0) -> int:
    return AccountBinding.objects.filter(
        app=app, account=account, account_type=account_type
    ).count()


def account_tokens(*, app: SandboxApp, account: str, account_type: int | None = None) -> list[str]:
    """Tokens bound to an account, newest binding first (the troubleshooting tool's order)."""
    bindings = AccountBinding.objects.filter(app=app, account=account)
    if account_type is not None:
        bindings = bindings.filter(account_type=account_type)
    tokens = bindings.order_by("-bound_at", "-id").values_list("device__token", flat=True)
    return list(dict.fromkeys(tokens))


def accounts_tokens(*, app: SandboxApp, accounts: list[tuple[str, int | None]]) -> list[list[str]]:
    """`account_tokens` of each (account, account type) of a query, in one database query per
    account type named rather than one per account: a query names up to 1,000 accounts."""
    by_type: dict[int | None, set[str]] = {}
    for account, account_type in accounts:
        by_type.setdefault(account_type, set()).add(account)
    found: dict[tuple[str, int | None], list[str]] = {}
    for account_type, names in by_type.items():
        bindings = AccountBinding.objects.filter(app=app, account__in=sorted(names))
        if account_type is not None:
            bindings = bindings.filter(account_type=account_type)
        rows = bindings.order_by("-bound_at", "-id").values_list("account", "device__token")
        for account, token in rows:
            tokens = found.setdefault((account, account_type), [])
            if token not in tokens:
                tokens.append(token)
    return [list(found.get(key, [])) for key in accounts]


def token_accounts(*, app: SandboxApp, token: str) -> list[dict[str, Any]] | None:
    """The accounts bound to a token, or None when the token is unknown."""
    device = Device.objects.filter(app=app, token=token).first()
    if device is None:
        return None
    bindings = device.bindings.order_by("account_type")
    return [{"account": b.account, "account_type": b.account_type} for b in bindings]


def find_push(*, app: SandboxApp, push_id: str) -> SandboxPush | None:
    return SandboxPush.objects.filter(app=app, push_id=push_id).select_related("upload").first()


def push_records(
    *,
    app: SandboxApp,
    start: datetime,
    end: datetime,
    audience_types: frozenset[str] | None = None,
    message_type: str | None = None,
) -> QuerySet[SandboxPush]:
    """Pushes created within [start, end], newest first (get_push_record's time window)."""
    pushes = SandboxPush.objects.filter(app=app, created_at__gte=start, created_at__lte=end)
    if audience_types is not None:
        pushes = pushes.filter(audience_type__in=audience_types)
    if message_type:
        pushes = pushes.filter(message_type=message_type)
    return pushes.select_related("upload").order_by("-created_at", "-id")


def inbox_devices(
    *,
    app: SandboxApp,
    limit: int = 50,
    deliveries_per_device: int = 10,
    now: datetime | None = None,
) -> list[Device]:
    """The newest `limit` devices, listed oldest first, each with `.bindings` (each with
    `is_latest`: the account's latest device, where a push to its latest device goes) and
    `.recent_deliveries` (newest first, with `arrived_by_now`, `clicked_by_now` and
    `cleared_by_now`: the event times that have come, else None)."""
    now = now or timezone.now()
    recent = (
        Delivery.objects.select_related("push")
        .annotate(
            arrived_by_now=_if_come("arrived_at", now),
            clicked_by_now=_if_come("clicked_at", now),
            cleared_by_now=_if_come("cleared_at", now),
        )
        .order_by("-delivered_at", "-id")[:deliveries_per_device]
    )
    newer = AccountBinding.objects.filter(
        app=OuterRef("app"), account=OuterRef("account"), account_type=OuterRef("account_type")
    ).filter(
        Q(bound_at__gt=OuterRef("bound_at"))
        | Q(bound_at=OuterRef("bound_at"), id__gt=OuterRef("id"))
    )
    bindings = AccountBinding.objects.annotate(is_latest=~Exists(newer)).order_by("account_type")
    newest = Device.objects.filter(app=app).order_by("-created_at", "-id")[:limit]
    devices = (
        Device.objects.filter(pk__in=list(newest.values_list("pk", flat=True)))
        .prefetch_related(
            Prefetch("bindings", queryset=bindings),
            Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries"),
        )
        .order_by("created_at", "id")
    )
    return list(devices)


def _if_come(field: str, now: datetime) -> Case:
    """The event's time once it has come, else None (the model sets some ahead)."""
    return Case(When(**{f"{field}__lte": now}, then=F(field)), default=None)


def inbox_delivery(*, app: SandboxApp, delivery_id: int) -> Delivery | None:
    """One delivery to one of the app's devices, for the inbox's Open and Dismiss."""
    return Delivery.objects.filter(pk=delivery_id, device__app=app).select_related("device").first()


def inbox_pushes(*, app: SandboxApp) -> QuerySet[SandboxPush]:
    return SandboxPush.objects.filter(app=app).order_by("-created_at", "-id")


def device_total(*, app: SandboxApp) -> int:
    return Device.objects.filter(app=app).count()


def token_pushes(
    *, app: SandboxApp, token: str, since: datetime
) -> list[tuple[SandboxPush, datetime]]:
    """The pushes delivered to a token's device since a time, oldest first, with when."""
    deliveries = (
        Delivery.objects.filter(device__app=app, device__token=token, delivered_at__gte=since)
        .select_related("push")
        .order_by("delivered_at", "id")
    )
    return [(delivery.push, delivery.delivered_at) for delivery in deliveries]
