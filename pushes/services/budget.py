"""A per-app hourly budget of calls to rate-limited gateway APIs, shared by every worker.

TPNS allows 200 statistics calls (get_push_record among them) per app and hour
(tpns-api.md §10). The count lives in the database, so workers on several machines
share it, and a conditional UPDATE takes one call at a time, so they cannot overspend.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pushes.models import App, GatewayCallBudget

STATISTICS = "statistics"


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def next_hour(now: datetime | None = None) -> datetime:
    return _hour(now or timezone.now()) + timedelta(hours=1)


def limit(kind: str) -> int:
    return int(settings.TPNS_STATISTICS_CALLS_PER_HOUR) if kind == STATISTICS else 0


def take(*, app: App, kind: str = STATISTICS) -> bool:
    """Spend one call of this hour's budget; False when it is used up."""
    hour = _hour(timezone.now())
    row = GatewayCallBudget.objects.filter(app=app, kind=kind, hour=hour)
    if not row.exists():
        try:
            with transaction.atomic():
                GatewayCallBudget.objects.create(app=app, kind=kind, hour=hour)
        except IntegrityError:
            pass  # another worker created this hour's row first
    return bool(row.filter(calls__lt=limit(kind)).update(calls=F("calls") + 1))


def used(*, app: App, kind: str = STATISTICS) -> int:
    row = GatewayCallBudget.objects.filter(app=app, kind=kind, hour=_hour(timezone.now()))
    return row.values_list("calls", flat=True).first() or 0
