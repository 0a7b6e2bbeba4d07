"""Login throttling (django-axes): the cool-off doubles with each lockout of a username.

Lockouts count per username and address, and per username alone, so guessing one account's
password from many addresses is slowed down as well; each further lockout of the same
username since its last successful login doubles the wait, up to a day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from django.http import HttpRequest

LONGEST = timedelta(days=1)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    base = timedelta(minutes=settings.AXES_COOLOFF_MINUTES)
    username = request.POST.get("username", "") if request is not None else ""
    if not username:
        return base
    from axes.models import AccessFailureLog, AccessLog

    last_login = AccessLog.objects.filter(username=username).order_by("-attempt_time").first()
    since = timezone.now() - LONGEST
    if last_login is not None and last_login.attempt_time > since:
        since = last_login.attempt_time
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__gt=since).count()
    earlier_lockouts = max(failures // settings.AXES_FAILURE_LIMIT - 1, 0)
    return min(base * 2**earlier_lockouts, LONGEST)
