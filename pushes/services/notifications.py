"""Notifications people read in the console."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from pushes.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notifications_mark_read(*, user: User, ids: list[int]) -> int:
    return Notification.objects.filter(user=user, id__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )
