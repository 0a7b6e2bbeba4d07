"""Celery tasks: take ids, call one service. Claims in the services make reruns no-ops."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings

from pushes.notify import email
from pushes.services import (
    RetryLater,
    dispatch_due,
    health_ping_answer,
    package_apply_retention,
    package_requeue_stale,
    package_validate,
    plan_register,
    plan_stats_from_gateway,
    push_cancel_at_gateway,
    push_deliver,
    push_fail_after_retries,
    push_reconcile,
    results_refresh_from_gateway,
)
from pushes.services.accounts import account_index_build, account_index_sweep
from pushes.services.delivery import sweep as run_sweep
from pushes.services.preflight import reach_check_run
from pushes.tpns.errors import PermanentTpnsError, TransientTpnsError, UnknownOutcomeTpnsError


@shared_task(bind=True, acks_late=True)
def answer_ping(self: Task, ping_id: int) -> None:
    """Prove a worker is consuming the broker: stamp the ping row."""
    health_ping_answer(ping_id=ping_id, worker=self.request.hostname or "")


class DeliveryTask(DjangoTask):
    """Retries transient gateway errors with backoff and jitter (the service picks the
    delay and records when the retry is due); when retries run out the push fails with the
    last reason."""

    max_retries = settings.PUSH_MAX_RETRIES
    acks_late = True
    soft_time_limit = settings.PUSH_TASK_SOFT_TIME_LIMIT
    time_limit = settings.PUSH_TASK_TIME_LIMIT

    def on_failure(
        self,
        exc: BaseException,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        if isinstance(exc, TransientTpnsError):
            push_fail_after_retries(push_id=args[0], reason=str(exc))


@shared_task(bind=True, base=DeliveryTask)
def deliver_push(self: Task, push_id: int) -> None:
    """Send one push. Safe to rerun: push_deliver claims the row first."""
    try:
        push_deliver(push_id=push_id, retries=self.request.retries)
    except RetryLater as later:
        if self.request.retries >= self.max_retries:
            raise  # on_failure fails the push
        raise self.retry(countdown=later.seconds, exc=later) from later


@shared_task(acks_late=True)
def reconcile_push(push_id: int) -> None:
    """Settle an in-doubt push from the gateway's push records, if it is there."""
    push_reconcile(push_id=push_id)


@shared_task
def dispatch() -> dict[str, int]:
    """Beat, every few seconds: scheduled pushes that are due, in-doubt lookups that are due."""
    return dispatch_due()


@shared_task(acks_late=True)
def cancel_scheduled_push(push_id: int, user_id: int) -> None:
    push_cancel_at_gateway(push_id=push_id, user_id=user_id)


@shared_task
def sweep() -> dict[str, int]:
    counts = run_sweep()
    counts["packages_requeued"] = package_requeue_stale()
    counts.update(account_index_sweep())
    return counts


@shared_task
def apply_package_retention() -> int:
    return package_apply_retention()


# A 100 MB package of only invalid rows takes about a minute to check and report.
@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def validate_package(package_id: int) -> None:
    """Validate an uploaded account package from storage, with live progress."""
    package_validate(package_id=package_id)


# Reading and sorting a 5 million account package takes a few seconds.
@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def build_account_index(package_id: int) -> bool:
    """Index a valid package's accounts for the account lookup."""
    return account_index_build(package_id=package_id)


@shared_task(acks_late=True)
def refresh_results(push_id: int) -> str:
    """Read one sent push's statistics from its gateway and keep them."""
    return results_refresh_from_gateway(push_id=push_id)


@shared_task(bind=True, acks_late=True, max_retries=8)
def register_plan(self: Task, plan_id: int) -> str:
    """Give a new plan its gateway id; a busy gateway is tried again with backoff."""
    try:
        return plan_register(plan_id=plan_id).plan_id
    except (TransientTpnsError, UnknownOutcomeTpnsError) as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=exc) from exc
    except PermanentTpnsError:
        return ""  # noted on the plan; delivery tries again before a push in it is sent


@shared_task(acks_late=True)
def plan_stats(plan_id: int) -> str:
    """Read a plan's figures from its gateway."""
    return plan_stats_from_gateway(plan_id=plan_id)


@shared_task
def email_notifications(notification_ids: list[int]) -> int:
    return email(notification_ids)


# Drawing a sample streams the whole package (5,000,000 accounts in seconds); an exact check
# of a large package at the sandbox takes longer.
@shared_task(acks_late=True, soft_time_limit=900, time_limit=960)
def check_reach(check_id: int) -> str:
    """Ask the gateway which of a push's accounts have a device (reachability preflight)."""
    return reach_check_run(check_id=check_id)
