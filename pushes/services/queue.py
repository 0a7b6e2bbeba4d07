"""Queueing Celery tasks by name, after commit, without failing when the broker is down.

Services name the tasks they queue instead of importing `pushes.tasks` (which imports the
services): no module cycle. The row is the truth, the message only a nudge: a push that
is approved (or a lookup that is due) and whose message could not be queued is picked up
by the sweeper once the broker is back, so a broker outage never turns an approval into
an error page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import KombuError, OperationalError

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

# The tasks of pushes/tasks.py, by name (a test checks each is registered).
ANSWER_PING = "pushes.tasks.answer_ping"
DELIVER_PUSH = "pushes.tasks.deliver_push"
RECONCILE_PUSH = "pushes.tasks.reconcile_push"
CANCEL_SCHEDULED_PUSH = "pushes.tasks.cancel_scheduled_push"
VALIDATE_PACKAGE = "pushes.tasks.validate_package"
APPLY_PACKAGE_RETENTION = "pushes.tasks.apply_package_retention"
EMAIL_NOTIFICATIONS = "pushes.tasks.email_notifications"
REFRESH_RESULTS = "pushes.tasks.refresh_results"
REGISTER_PLAN = "pushes.tasks.register_plan"
PLAN_STATS = "pushes.tasks.plan_stats"
CHECK_REACH = "pushes.tasks.check_reach"
BUILD_ACCOUNT_INDEX = "pushes.tasks.build_account_index"
TASKS = (
    ANSWER_PING,
    DELIVER_PUSH,
    RECONCILE_PUSH,
    CANCEL_SCHEDULED_PUSH,
    VALIDATE_PACKAGE,
    APPLY_PACKAGE_RETENTION,
    EMAIL_NOTIFICATIONS,
    REFRESH_RESULTS,
    REGISTER_PLAN,
    PLAN_STATS,
    CHECK_REACH,
    BUILD_ACCOUNT_INDEX,
)

# Fail fast: the sweeper is the retry. A long publish retry would hold the reviewer's request.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def _send(name: str, args: tuple[Any, ...], countdown: float | None) -> None:
    current_app.send_task(name, args=args, countdown=countdown, retry_policy=PUBLISH_RETRY_POLICY)


def enqueue(name: str, *args: Any, countdown: float | None = None) -> bool:
    """Queue now; False (logged) when the broker cannot be reached."""
    try:
        _send(name, args, countdown)
    except (OperationalError, KombuError, OSError) as exc:
        log.warning("Could not queue %s%r, the sweeper will: %s", name, args, exc)
        return False
    return True


def enqueue_on_commit(name: str, *args: Any, on_failure: Callable[[], None] | None = None) -> None:
    """Queue once the current transaction commits; call `on_failure` if the broker is down."""

    def send() -> None:
        if not enqueue(name, *args) and on_failure is not None:
            on_failure()

    transaction.on_commit(send)
