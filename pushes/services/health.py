"""Health: a round trip through the broker to a worker, answered in the database."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pushes.models import HealthPing
from pushes.services.queue import ANSWER_PING, enqueue_on_commit


def health_ping_create() -> HealthPing:
    """Queue a round trip through the broker to a worker, answered in the database."""
    with transaction.atomic():
        ping = HealthPing.objects.create()
        enqueue_on_commit(ANSWER_PING, ping.id)
    return ping


def health_ping_answer(*, ping_id: int, worker: str) -> bool:
    return bool(
        HealthPing.objects.filter(id=ping_id, answered_at__isnull=True).update(
            answered_at=timezone.now(), worker=worker[:200]
        )
    )
