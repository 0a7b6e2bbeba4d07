"""Failed authentications, counted per AccessID and client address.

After SANDBOX_AUTH_FAILURE_LIMIT failures within SANDBOX_AUTH_FAILURE_WINDOW_SECONDS (counted
from the first), the pair is refused without its credentials being looked at until the window
ends, so guessing a SecretKey or a signature from one address goes no faster than that. A
limit of 0 turns the throttle off.

The count lives in the Django cache: `add` opens the window and `incr` is atomic with Redis
(and within one process with the local-memory cache), so concurrent failures are all counted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache

if TYPE_CHECKING:
    from django.http import HttpRequest

KEY_PREFIX = "pushdeck:sandbox:auth-failures"


def client_address(request: HttpRequest) -> str:
    # The address the login throttle (django-axes) uses, so one proxy setting serves both.
    return get_client_ip_address(request) or ""


def locked_out(*, access_id: str, address: str) -> bool:
    limit: int = settings.SANDBOX_AUTH_FAILURE_LIMIT
    if limit <= 0:
        return False
    failures = cache.get(_key(access_id, address)) or 0
    return bool(failures >= limit)


def record_failure(*, access_id: str, address: str) -> None:
    if settings.SANDBOX_AUTH_FAILURE_LIMIT <= 0:
        return
    key = _key(access_id, address)
    window: int = settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)  # a no-op while a window is open
    try:
        cache.incr(key)
    except ValueError:  # the window closed between add and incr: this failure opens one
        cache.add(key, 1, timeout=window)


def _key(access_id: str, address: str) -> str:
    # Hashed: the AccessID is whatever the caller sent, of any length and characters.
    digest = hashlib.sha256(f"{access_id.strip()}\n{address}".encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{digest}"
