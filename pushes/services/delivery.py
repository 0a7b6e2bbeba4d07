"""Delivery: exactly-once sending of approved pushes through the TPNS client.

Every step claims the row with a conditional UPDATE before any I/O, so a redelivered or
duplicated task is a no-op. `sending` is committed before the push call, together with the
push's marker; when the outcome of that call is unknown the push becomes `in_doubt`, is never
resent automatically, and is looked up in the gateway's records (`lookup.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from pushes import snapshot
from pushes.audit import audit_record
from pushes.crypto import SecretDecryptionError
from pushes.lifecycle import claim, move
from pushes.models import AccountPackage, DeliveryAttempt, Push
from pushes.notify import notify
from pushes.services import lookup, plans, results
from pushes.services.lookup import push_mark_sent, push_reconcile, push_resend
from pushes.services.queue import DELIVER_PUSH, enqueue
from pushes.services.steps import attempt, crash_point, credentials, finish
from pushes.tpns import client
from pushes.tpns.errors import (
    PackageBytesChanged,
    PermanentTpnsError,
    TpnsError,
    TransientTpnsError,
    UnknownOutcomeTpnsError,
    describe,
)

if TYPE_CHECKING:
    pass


Status = Push.Status

__all__ = [
    "RetryLater",
    "dispatch_due",
    "push_deliver",
    "push_fail_after_retries",
    "push_mark_sent",
    "push_reconcile",
    "push_resend",
    "sweep",
]


@dataclass(frozen=True)
class DeliveryTimings:
    requeue_after: timedelta  # an APPROVED push not claimed by then lost its task
    stale_after: timedelta  # SENDING/UPLOADING longer than a task's hard limit: worker died


class RetryLater(TransientTpnsError):
    """A transient error: the push is back in line and its task retries in `seconds`."""

    def __init__(self, cause: TransientTpnsError, seconds: float) -> None:
        super().__init__(
            cause.message,
            ret_code=cause.ret_code,
            err_msg=cause.err_msg,
            http_status=cause.http_status,
            endpoint=cause.endpoint,
            kind=cause.kind,
            retry_after=cause.retry_after,
        )
        self.seconds = seconds


def timings() -> DeliveryTimings:
    return DeliveryTimings(
        requeue_after=timedelta(seconds=settings.PUSH_REQUEUE_AFTER_SECONDS),
        stale_after=timedelta(seconds=settings.PUSH_STALE_AFTER_SECONDS),
    )


def retry_delay(retries: int) -> float:
    """Exponential backoff with full jitter, as Celery's autoretry computes it."""
    return float(
        get_exponential_backoff_interval(
            factor=settings.PUSH_RETRY_BACKOFF_SECONDS,
            retries=retries,
            maximum=settings.PUSH_RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
    )


def _back_in_line(push: Push, frm: str, to: str, exc: TransientTpnsError, retries: int) -> None:
    """Put the push back and say when its retry is due: the sweeper requeues it only if
    that retry is lost, counted from its real due time."""
    seconds = max(retry_delay(retries), exc.retry_after or 0)
    due = timezone.now() + timedelta(seconds=seconds)
    move(push, frm, to, err_msg=describe(exc), queued_at=due)
    raise RetryLater(exc, seconds) from exc


def _is_due(push: Push) -> bool:
    # Package pushes carry send_time to TPNS; other scheduled pushes wait for dispatch.
    if push.send_time is None or push.target == Push.Target.PACKAGE:
        return True
    return push.send_time <= timezone.now()


def push_deliver(*, push_id: int, retries: int = 0) -> None:
    """Upload the package if needed, then send. Safe to run any number of times.

    `retries` is how many times the task has retried, for the next backoff."""
    push = Push.objects.select_related("app", "package", "plan").get(id=push_id)
    if push.app.is_paused or not _is_due(push):
        return  # queued again when resumed or due
    if snapshot.content_hash(snapshot.snapshot(push)) != push.approved_hash:
        # The push or its app (platform, gateway, AccessID) changed after approval.
        move(
            push,
            push.status,
            Status.FAILED,
            err_msg="It changed after it was approved (its content or its app's platform, "
            "gateway or AccessID). Nothing was sent; submit it again for review.",
            finished_at=timezone.now(),
        )
        return
    if not _secret_usable(push):
        return
    crash_point("before_claim")
    if push.target == Push.Target.PACKAGE and push.upload_id is None:
        if not claim(push, {Status.APPROVED}, Status.UPLOADING):
            return
        _upload(push, retries)
        push.refresh_from_db()
        if push.status != Status.UPLOADED:
            return
    if not _plan_registered(push):
        return
    # The marker is committed with `sending`, before the call that carries it.
    marker = lookup.marker_for(push)
    if not claim(push, {Status.APPROVED, Status.UPLOADED}, Status.SENDING, marker=marker):
        return  # cancelled, paused, or another worker got there first
    crash_point("after_claim")
    _send(push, retries)


def _plan_registered(push: Push) -> bool:
    """A push in a plan the gateway does not know yet registers it first. A busy gateway
    retries the task; a refusal fails the push before anything is sent."""
    if push.plan is None or push.plan.plan_id:
        return True
    try:
        push.plan = plans.plan_register(plan_id=push.plan.id)
    except (TransientTpnsError, UnknownOutcomeTpnsError) as exc:
        busy = TransientTpnsError(exc.message, endpoint=exc.endpoint, kind=exc.kind)
        raise RetryLater(busy, retry_delay(0)) from exc
    except PermanentTpnsError as exc:
        reason = f"Its push plan could not be registered at the gateway: {describe(exc)}"
        move(push, push.status, Status.FAILED, err_msg=reason, finished_at=timezone.now())
        return False
    return True


def _secret_usable(push: Push) -> bool:
    """A SecretKey that no configured key decrypts fails the push before any call: nothing
    is sent, so it must not end up in doubt or stuck uploading."""
    try:
        credentials(push)
    except SecretDecryptionError:
        move(
            push,
            push.status,
            Status.FAILED,
            err_msg=f"The SecretKey of “{push.app}” cannot be decrypted with the configured "
            "FERNET_KEYS (was a key removed?). Nothing was sent; an admin must restore the key "
            "or enter the SecretKey again.",
            finished_at=timezone.now(),
        )
        return False
    return True


def _upload(push: Push, retries: int) -> None:
    row = attempt(push, DeliveryAttempt.Kind.UPLOAD)
    package = push.package or _generated_package(push)
    # The approval covers the package's SHA-256 (or the typed accounts a generated package
    # is made of): exactly those bytes are streamed, whatever storage now holds.
    approved_sha256 = (
        package.sha256 if push.package is not None else _accounts_sha256(push.accounts)
    )
    try:
        with package.file.open("rb") as fileobj:
            result = client.upload_package(
                credentials(push), fileobj, package.original_name, sha256=approved_sha256
            )
    except PackageBytesChanged as exc:
        reason = (
            "The stored account package is not the one that was approved ("
            + str(exc).split(": ", 1)[-1]
            + "). Nothing was sent; upload the package again and submit the push for review."
        )
        finish(row, DeliveryAttempt.Outcome.PERMANENT, err_msg=reason)
        move(push, Status.UPLOADING, Status.FAILED, err_msg=reason, finished_at=timezone.now())
        audit_record(
            actor=None, action="package.bytes_changed", obj=package, data={"push": str(push.code)}
        )
        return
    except (TransientTpnsError, UnknownOutcomeTpnsError) as exc:
        # Uploads are free to repeat: put the push back and let the task retry.
        finish(row, DeliveryAttempt.Outcome.TRANSIENT, exc=exc)
        transient = TransientTpnsError(str(exc), ret_code=exc.ret_code, http_status=exc.http_status)
        _back_in_line(push, Status.UPLOADING, Status.APPROVED, transient, retries)
    except PermanentTpnsError as exc:
        finish(row, DeliveryAttempt.Outcome.PERMANENT, exc=exc)
        _fail(push, Status.UPLOADING, exc)
        return
    except FileNotFoundError:
        reason = "The account package file is missing from storage; upload it again."
        finish(row, DeliveryAttempt.Outcome.PERMANENT, err_msg=reason)
        move(push, Status.UPLOADING, Status.FAILED, err_msg=reason, finished_at=timezone.now())
        return
    except (OSError, SoftTimeLimitExceeded) as exc:
        # Storage trouble or a slow upload cut by the time limit: try again later.
        reason = f"The upload did not finish ({type(exc).__name__}); it will be retried."
        finish(row, DeliveryAttempt.Outcome.TRANSIENT, err_msg=reason)
        _back_in_line(push, Status.UPLOADING, Status.APPROVED, TransientTpnsError(reason), retries)
    finish(
        row,
        DeliveryAttempt.Outcome.OK,
        http_status=result.http_status,
        ret_code=0,
        err_msg="NO_ERROR",
    )
    move(push, Status.UPLOADING, Status.UPLOADED, upload_id=result.upload_id)


def _accounts_bytes(accounts: list[str]) -> bytes:
    return ("\n".join(accounts) + "\n").encode("utf-8")


def _accounts_sha256(accounts: list[str]) -> str:
    return hashlib.sha256(_accounts_bytes(accounts)).hexdigest()


def _generated_package(push: Push) -> AccountPackage:
    """More than 1000 typed accounts go out as an account package built from the list."""
    if push.generated_package is not None:
        return push.generated_package
    data = _accounts_bytes(push.accounts)
    package = AccountPackage(
        app=push.app,
        uploaded_by=push.created_by,
        original_name=f"push-{push.code}.txt",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format="txt",
        status=AccountPackage.Status.VALID,
        accounts=len(push.accounts),
        rows=len(push.accounts),
        is_generated=True,
        validated_at=timezone.now(),
    )
    package.file.save(package.original_name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            package.save()
            Push.objects.filter(id=push.id).update(generated_package=package)
            audit_record(
                actor=None,
                action="package.generated",
                obj=package,
                data={"push": str(push.code), "accounts": package.accounts},
            )
    except Exception:
        package.file.delete(save=False)  # nothing stored half-way
        raise
    push.generated_package = package
    return package


def _send(push: Push, retries: int) -> None:
    plan_id = push.plan.plan_id if push.plan is not None else None
    request = replace(
        snapshot.build_request(push, upload_id=push.upload_id, plan_id=plan_id),
        group_id=push.marker,
    )
    row = attempt(push, DeliveryAttempt.Kind.PUSH)
    try:
        result = client.push(credentials(push), request)
    except TransientTpnsError as exc:
        # Surely not sent (refused connection, 5xx, 429, rate limit): back in line.
        finish(row, DeliveryAttempt.Outcome.TRANSIENT, exc=exc)
        back = Status.UPLOADED if push.upload_id is not None else Status.APPROVED
        _back_in_line(push, Status.SENDING, back, exc, retries)
    except PermanentTpnsError as exc:
        finish(row, DeliveryAttempt.Outcome.PERMANENT, exc=exc)
        _fail(push, Status.SENDING, exc)
        return
    except UnknownOutcomeTpnsError as exc:
        finish(row, DeliveryAttempt.Outcome.UNKNOWN, exc=exc)
        _in_doubt(push, describe(exc))
        return
    except Exception as exc:
        # A bug after `sending` was committed: we cannot know whether it went out.
        finish(row, DeliveryAttempt.Outcome.UNKNOWN, err_msg=f"{type(exc).__name__}: {exc}")
        _in_doubt(push, "An unexpected error happened during the push call.")
        raise
    crash_point("after_answer")
    finish(
        row,
        DeliveryAttempt.Outcome.OK,
        http_status=result.http_status,
        ret_code=result.ret_code,
        err_msg=result.err_msg,
    )
    push_id = result.push_id if isinstance(result.push_id, str) else ",".join(result.push_id)
    now = timezone.now()
    if move(
        push,
        Status.SENDING,
        Status.SENT,
        push_id=push_id,
        ret_code=result.ret_code,
        err_msg=result.err_msg,
        sent_at=now,
        finished_at=now,
    ):
        results.start(push)
        notify(
            user_ids=[push.created_by_id],
            push=push,
            message=f"“{push}” was sent (push_id {push_id}).",
        )


def _fail(push: Push, frm: str, exc: TpnsError) -> None:
    if move(
        push,
        frm,
        Status.FAILED,
        ret_code=exc.ret_code,
        err_msg=describe(exc),
        finished_at=timezone.now(),
    ):
        notify(
            user_ids=[push.created_by_id],
            push=push,
            message=f"“{push}” failed: {describe(exc)}"[:300],
        )


def _in_doubt(push: Push, reason: str) -> None:
    """The outcome of the call is unknown: never resend, look it up in the records."""
    with transaction.atomic():
        if not move(push, Status.SENDING, Status.IN_DOUBT, err_msg=reason):
            return
        lookup.schedule(push, reason=reason)
    notify(
        user_ids=[push.created_by_id],
        push=push,
        message=f"“{push}” may or may not have been sent; Pushdeck is looking it up.",
    )


def push_fail_after_retries(*, push_id: int, reason: str) -> None:
    """Retries exhausted on a transient error: the push fails with the last reason."""
    push = Push.objects.get(id=push_id)
    for frm in (Status.APPROVED, Status.UPLOADED, Status.UPLOADING):
        if move(push, frm, Status.FAILED, err_msg=reason[:1000], finished_at=timezone.now()):
            notify(
                user_ids=[push.created_by_id],
                push=push,
                message=f"“{push}” failed after several tries: {reason}"[:300],
            )
            return


# ---------------------------------------------------------------- beat


def dispatch_due() -> dict[str, int]:
    """Beat, every few seconds: queue scheduled pushes whose time has come and in-doubt
    lookups that are due. Both are cheap indexed queries when nothing is due."""
    return {
        "scheduled": _queue_due_scheduled(),
        "lookups": lookup.queue_due(),
        "results": results.queue_due(),
    }


def _queue_due_scheduled() -> int:
    now = timezone.now()
    due = (
        Push.objects.filter(status=Status.APPROVED, send_time__lte=now, app__is_paused=False)
        .exclude(target=Push.Target.PACKAGE)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=F("send_time")))
        .values_list("id", flat=True)
    )
    queued = 0
    for push_id in list(due[:200]):
        # Conditional, so two beats (or a beat and a sweep) queue it once.
        taken = (
            Push.objects.filter(id=push_id, status=Status.APPROVED)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=F("send_time")))
            .update(queued_at=now)
        )
        if taken and enqueue(DELIVER_PUSH, push_id):
            queued += 1
    return queued


def sweep() -> dict[str, int]:
    """Beat, each minute: requeue lost work, settle stale claims. Never resends."""
    now = timezone.now()
    t = timings()
    counts = {"requeued": 0, "in_doubt": 0, "reset_uploads": 0}
    # A worker died during an upload: uploads may be retried.
    for push in Push.objects.filter(status=Status.UPLOADING, claimed_at__lt=now - t.stale_after):
        counts["reset_uploads"] += move(
            push,
            Status.UPLOADING,
            Status.APPROVED,
            err_msg="The worker stopped during the upload; retrying.",
        )
    # A worker died during the push call: we cannot know whether it went out.
    stale = Push.objects.filter(status=Status.SENDING, claimed_at__lt=now - t.stale_after)
    for push in stale.select_related("app"):
        _in_doubt(push, "The worker stopped during the push call.")
        counts["in_doubt"] += 1
    counts["requeued"] = _requeue_lost(now, t)
    return counts


def _requeue_lost(now: datetime, t: DeliveryTimings) -> int:
    """APPROVED/UPLOADED pushes whose task (or retry) should have run by now but has not.

    `queued_at` is when the task is due: now for a fresh queueing, the retry's real due time
    after a transient error. A message lost with a broker restart is queued again here."""
    waiting = Push.objects.filter(
        status__in=[Status.APPROVED, Status.UPLOADED], app__is_paused=False
    ).exclude(queued_at__gt=now - t.requeue_after)
    requeued = 0
    for push in waiting.select_related("app"):
        if not _is_due(push):
            continue
        Push.objects.filter(id=push.id).update(queued_at=now)
        requeued += enqueue(DELIVER_PUSH, push.id)
    return requeued


def push_cancel_at_gateway(*, push_id: int, user_id: int) -> bool:
    """Cancel a package push that TPNS holds for its send_time (cancel_timing_task)."""
    from django.contrib.auth import get_user_model

    push = Push.objects.select_related("app").get(id=push_id)
    if push.status != Status.SENT or not push.push_id:
        return False
    row = attempt(push, DeliveryAttempt.Kind.CANCEL)
    try:
        client.cancel_timing_task(credentials(push), push.push_id)
    except TpnsError as exc:
        finish(row, DeliveryAttempt.Outcome.PERMANENT, exc=exc)
        notify(
            user_ids=[user_id],
            push=push,
            message=f"Cancelling “{push}” at TPNS failed: {describe(exc)}"[:300],
        )
        return False
    finish(row, DeliveryAttempt.Outcome.OK, ret_code=0, err_msg="NO_ERROR")
    by = get_user_model().objects.filter(pk=user_id).first()
    return move(push, Status.SENT, Status.CANCELLED, actor=by, finished_at=timezone.now())
