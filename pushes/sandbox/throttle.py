"""The sandbox's rate limits, counted in the database so that they hold across processes.

- Failed authentications, per AccessID and client address: after SANDBOX_AUTH_FAILURE_LIMIT
  failures within SANDBOX_AUTH_FAILURE_WINDOW_SECONDS (counted from the first), the pair is
  refused without its credentials being looked at until the window ends, so guessing a
  SecretKey or a signature from one address goes no faster than that. A limit of 0 turns the
  throttle off.
- One all/tag/package push per second per app (tpns-api.md §10, `services.push_check_rate`).

Each count is a :class:`RateWindow` row, changed only by conditional UPDATEs, which the
database applies one at a time (a row lock on PostgreSQL, the write lock on SQLite): of
simultaneous requests, exactly as many as the limit allows get through, on every backend. The
Django cache cannot promise that without Redis: the file cache's ``add`` and ``incr`` read the
file and then write it, so four simultaneous package pushes could all be accepted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pushes.sandbox.models import RateWindow

if TYPE_CHECKING:
    from django.http import HttpRequest

AUTH_FAILURES = "auth-failures"
# Ended windows are deleted once this old, when a new key is first counted.
_KEEP_ENDED = timedelta(days=1)


def take(
    key: str, *, window: timedelta, limit: int | None = None, now: datetime | None = None
) -> bool:
    """Count one event under ``key``; False, and not counted, when ``limit`` events were
    already counted in the open window. The first event after a window ended opens the next.

    Usually one query; two or three when the window is open or the key is new.
    """
    now = now or timezone.now()
    rows = RateWindow.objects.filter(key=key)
    for _ in range(3):
        if rows.filter(ends_at__lte=now).update(count=1, ends_at=now + window):
            return True  # this event opened a new window
        open_window = rows.filter(ends_at__gt=now)
        if open_window.filter(**_below(limit)).update(count=F("count") + 1):
            return True
        if limit is not None and open_window.filter(count__gte=limit).exists():
            return False  # the open window is full
        if not rows.exists() and _open_first_window(key, ends_at=now + window, now=now):
            return True
        # The key's row appeared (another process counted its first event) between our
        # UPDATE and our look: count against it on the next round.
    return False


def _below(limit: int | None) -> dict[str, int]:
    return {} if limit is None else {"count__lt": limit}


def _open_first_window(key: str, *, ends_at: datetime, now: datetime) -> bool:
    try:
        with transaction.atomic():
            RateWindow.objects.create(key=key, count=1, ends_at=ends_at)
    except IntegrityError:
        return False
    RateWindow.objects.filter(ends_at__lt=now - _KEEP_ENDED).delete()
    return True


def reached(key: str, *, limit: int, now: datetime | None = None) -> bool:
    """Whether the open window under ``key`` already counts ``limit`` events (one query)."""
    now = now or timezone.now()
    return RateWindow.objects.filter(key=key, ends_at__gt=now, count__gte=limit).exists()


def client_address(request: HttpRequest) -> str:
    # The address the login throttle (django-axes) uses, so one proxy setting serves both.
    return get_client_ip_address(request) or ""


def locked_out(*, access_id: str, address: str) -> bool:
    limit: int = settings.SANDBOX_AUTH_FAILURE_LIMIT
    if limit <= 0:
        return False
    return reached(_key(access_id, address), limit=limit)


def record_failure(*, access_id: str, address: str) -> None:
    if settings.SANDBOX_AUTH_FAILURE_LIMIT <= 0:
        return
    window = timedelta(seconds=settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS)
    take(_key(access_id, address), window=window)


def _key(access_id: str, address: str) -> str:
    # Hashed: the AccessID is whatever the caller sent, of any length and characters.
    digest = hashlib.sha256(f"{access_id.strip()}\n{address}".encode()).hexdigest()[:32]
    return f"{AUTH_FAILURES}:{digest}"
