"""Queueing Celery tasks after commit, without failing the request when the broker is down.

The row is the truth, the message only a nudge: a push that is approved (or a lookup that is
due) and whose message could not be queued is picked up by the sweeper once the broker is
back. So a broker outage must never turn an approval into an error page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from kombu.exceptions import KombuError, OperationalError

if TYPE_CHECKING:
    from collections.abc import Callable

    from celery import Task

log = logging.getLogger(__name__)

# Fail fast: the sweeper is the retry. A long publish retry would hold the reviewer's request.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def enqueue(task: Task, *args: Any, countdown: float | None = None) -> bool:
    """Queue now; False (logged) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, countdown=countdown, retry_policy=PUBLISH_RETRY_POLICY)
    except (OperationalError, KombuError, OSError) as exc:
        log.warning("Could not queue %s%r, the sweeper will: %s", task.name, args, exc)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, on_failure: Callable[[], None] | None = None) -> None:
    """Queue once the current transaction commits; call `on_failure` if the broker is down."""

    def send() -> None:
        if not enqueue(task, *args) and on_failure is not None:
            on_failure()

    transaction.on_commit(send)
