"""The sandbox's statistics calls (tpns-api.md §8.2), computed from its own deliveries.

Per channel, in devices: planned (pushActiveUv) and sent (pushOnlineUv) are the deliveries —
every sandbox device is online — and arrived, clicked and cleared count the deliveries whose
event time has come (engagement.py), so planned ≥ sent ≥ arrived ≥ clicked always holds.
Like TPNS, an app may make SANDBOX_STATISTICS_CALLS_PER_HOUR statistics calls an hour; the
count lives in the database, so it holds across processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from pushes.sandbox.errors import SandboxError
from pushes.sandbox.models import Delivery, SandboxPush, StatisticsCalls
from pushes.tpns import codes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.db.models import QuerySet

    from pushes.sandbox.models import SandboxApp

# TPNS keeps statistics for 30 days and aggregates a plan over the last 7.
TASK_STAT_DAYS = 30
GROUP_STAT_DAYS = 7
FIELDS: tuple[str, ...] = ("pushActiveUv", "pushOnlineUv", "arrivalUv", "verifySvcUv")
FIELDS += ("callbackVerifySvcUv", "verifyUv", "clickUv", "cleanupUv")
# Channels whose arrival TPNS learns from its own connection rather than a vendor receipt.
SELF_REPORTING = frozenset({"xg", "fcm", "rog"})


def take_call(*, app: SandboxApp, now: datetime | None = None) -> None:
    """Count one statistics call; 1008028 once this hour's calls are used up."""
    hour = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    rows = StatisticsCalls.objects.filter(app=app, hour=hour)
    if not rows.exists():
        try:
            with transaction.atomic():
                StatisticsCalls.objects.create(app=app, hour=hour)
        except IntegrityError:
            pass  # another process opened this hour first
    limit: int = settings.SANDBOX_STATISTICS_CALLS_PER_HOUR
    if not rows.filter(calls__lt=limit).update(calls=F("calls") + 1):
        raise SandboxError(codes.REQUEST_TOO_FAST)


def find_recent_push(*, app: SandboxApp, push_id: str, now: datetime) -> SandboxPush:
    """The app's push, if it is within the statistics window; 1008015 otherwise."""
    push = SandboxPush.objects.filter(
        app=app, push_id=push_id, created_at__gte=now - timedelta(days=TASK_STAT_DAYS)
    ).first()
    if push is None:
        raise SandboxError(codes.PUSH_ID_NOT_EXIST)
    return push


def task_stat(*, push: SandboxPush, now: datetime | None = None) -> list[dict[str, Any]]:
    """`pushStatDataAll` of one push: a row per channel it used, then "all"."""
    return _stat_rows(Delivery.objects.filter(push=push), now or timezone.now())


def plan_stat(
    *, app: SandboxApp, plan_id: str, start: datetime, end: datetime, now: datetime | None = None
) -> list[dict[str, Any]]:
    """`pushStatDataAll` summed over the app's pushes of a plan created in [start, end]."""
    now = now or timezone.now()
    start = max(start, now - timedelta(days=GROUP_STAT_DAYS))
    pushes = SandboxPush.objects.filter(
        app=app, request__plan_id=plan_id, created_at__gte=start, created_at__lte=end
    )
    return _stat_rows(Delivery.objects.filter(push__in=pushes), now)


def _stat_rows(deliveries: QuerySet[Delivery], now: datetime) -> list[dict[str, Any]]:
    rows = (
        deliveries.values(channel=F("device__channel"))
        .annotate(
            sent=Count("id"),
            arrived=Count("id", filter=Q(arrived_at__lte=now)),
            clicked=Count("id", filter=Q(clicked_at__lte=now)),
            cleared=Count("id", filter=Q(cleared_at__lte=now)),
        )
        .order_by("channel")
    )
    channels = [_channel_row(row) for row in rows]
    total = {name: sum(c["pushState"][name] for c in channels) for name in FIELDS}
    return [*channels, {"channel": "all", "pushState": total}]


def _channel_row(row: Mapping[str, Any]) -> dict[str, Any]:
    channel = row["channel"]
    arrived = row["arrived"]
    state = {
        "pushActiveUv": row["sent"],
        "pushOnlineUv": row["sent"],
        "arrivalUv": arrived,
        # Retired by TPNS in favour of arrivalUv: the self-reported or the receipted share.
        "verifySvcUv": arrived if channel in SELF_REPORTING else row["sent"],
        "callbackVerifySvcUv": 0 if channel in SELF_REPORTING else arrived,
        "verifyUv": arrived,
        "clickUv": row["clicked"],
        "cleanupUv": row["cleared"],
    }
    return {"channel": channel, "pushState": state}
