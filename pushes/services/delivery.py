"""Delivery: exactly-once sending of approved pushes through the TPNS client.

Every step claims the row with a conditional UPDATE before any I/O, so a redelivered or
duplicated task is a no-op. `sending` is committed before the push call; when the outcome
of that call is unknown the push becomes `in_doubt` and is never resent automatically.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from pushes import snapshot
from pushes.audit import audit_record
from pushes.models import AccountPackage, App, DeliveryAttempt, Push
from pushes.notify import notify
from pushes.tpns import client
from pushes.tpns.errors import (
    PermanentTpnsError,
    TpnsError,
    TransientTpnsError,
    UnknownOutcomeTpnsError,
    describe,
)
from pushes.tpns.hosts import Credentials

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

Status = Push.Status


@dataclass(frozen=True)
class DeliveryTimings:
    requeue_after: timedelta  # an APPROVED push not claimed by then lost its task
    stale_after: timedelta  # SENDING/UPLOADING longer than a task's hard limit: worker died


def _crash_point(name: str) -> None:
    """Fault tests start a worker with PUSHDECK_CRASH_AT=<name> to kill it exactly here."""
    if os.environ.get("PUSHDECK_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def timings() -> DeliveryTimings:
    return DeliveryTimings(
        requeue_after=timedelta(seconds=settings.PUSH_REQUEUE_AFTER_SECONDS),
        stale_after=timedelta(seconds=settings.PUSH_STALE_AFTER_SECONDS),
    )


def credentials(push: Push) -> Credentials:
    app = push.app
    return Credentials(access_id=app.access_id, secret_key=app.secret_key, gateway=app.gateway)


def _claim(push: Push, from_statuses: set[str], to: str) -> bool:
    """Take the push for this worker before any I/O; only one claimant can win.

    The UPDATE filters on the push row alone: PostgreSQL re-checks such a condition
    after waiting for a concurrent claim, but not one inside a join's subquery.
    """
    if App.objects.filter(id=push.app_id, is_paused=True).exists():
        return False
    with transaction.atomic():
        claimed = Push.objects.filter(id=push.id, status__in=from_statuses).update(
            status=to, claimed_at=timezone.now()
        )
        if claimed:
            frm = push.status
            push.refresh_from_db()
            audit_record(actor=None, action=f"push.{to}", obj=push, data={"from": frm})
    return bool(claimed)


def _move(push: Push, frm: str, to: str, *, actor: User | None = None, **fields: object) -> bool:
    """Conditional status change plus its one audit event."""
    with transaction.atomic():
        moved = Push.objects.filter(id=push.id, status=frm).update(status=to, **fields)
        if moved:
            for name, value in fields.items():
                setattr(push, name, value)
            push.status = to
            keep = {"push_id", "ret_code", "err_msg", "upload_id"}
            data = {k: v for k, v in fields.items() if k in keep}
            audit_record(actor=actor, action=f"push.{to}", obj=push, data={"from": frm, **data})
    return bool(moved)


def _retry_horizon() -> datetime:
    """When put back after a transient error, the task's own retry (with backoff) sends
    it: the sweeper waits past the longest backoff before queueing it itself."""
    return timezone.now() + timedelta(seconds=settings.PUSH_RETRY_BACKOFF_MAX_SECONDS)


def _attempt(push: Push, kind: str) -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(push=push, kind=kind, started_at=timezone.now())


def _finish(
    attempt: DeliveryAttempt,
    outcome: str,
    *,
    exc: TpnsError | None = None,
    http_status: int | None = None,
    ret_code: int | None = None,
    err_msg: str = "",
) -> None:
    attempt.finished_at = timezone.now()
    attempt.outcome = outcome
    if exc is not None:
        attempt.http_status = exc.http_status
        attempt.ret_code = exc.ret_code
        attempt.err_msg = describe(exc)
    else:
        attempt.http_status, attempt.ret_code, attempt.err_msg = http_status, ret_code, err_msg
    attempt.save()


def _is_due(push: Push) -> bool:
    # Package pushes carry send_time to TPNS; other scheduled pushes wait for the sweeper.
    if push.send_time is None or push.target == "package_account_push":
        return True
    return push.send_time <= timezone.now()


def push_deliver(*, push_id: int) -> None:
    """Upload the package if needed, then send. Safe to run any number of times."""
    push = Push.objects.select_related("app", "package").get(id=push_id)
    if push.app.is_paused or not _is_due(push):
        return  # the sweeper queues it again when resumed or due
    if snapshot.content_hash(snapshot.snapshot(push)) != push.approved_hash:
        # The push or its app (platform, gateway, AccessID) changed after approval.
        _move(
            push,
            push.status,
            Status.FAILED,
            err_msg="It changed after it was approved (its content or its app's platform, "
            "gateway or AccessID). Nothing was sent; submit it again for review.",
            finished_at=timezone.now(),
        )
        return
    _crash_point("before_claim")
    if push.target == "package_account_push" and push.upload_id is None:
        if not _claim(push, {Status.APPROVED}, Status.UPLOADING):
            return
        _upload(push)
        push.refresh_from_db()
        if push.status != Status.UPLOADED:
            return
    if not _claim(push, {Status.APPROVED, Status.UPLOADED}, Status.SENDING):
        return  # cancelled, paused, or another worker got there first
    _crash_point("after_claim")
    _send(push)


def _upload(push: Push) -> None:
    attempt = _attempt(push, DeliveryAttempt.Kind.UPLOAD)
    package = push.package or _generated_package(push)
    try:
        with package.file.open("rb") as fileobj:
            result = client.upload_package(credentials(push), fileobj, package.original_name)
    except (TransientTpnsError, UnknownOutcomeTpnsError) as exc:
        # Uploads are free to repeat: put the push back and let the task retry.
        _finish(attempt, DeliveryAttempt.Outcome.TRANSIENT, exc=exc)
        _move(
            push,
            Status.UPLOADING,
            Status.APPROVED,
            err_msg=describe(exc),
            queued_at=_retry_horizon(),
        )
        raise TransientTpnsError(
            str(exc), ret_code=exc.ret_code, http_status=exc.http_status
        ) from exc
    except PermanentTpnsError as exc:
        _finish(attempt, DeliveryAttempt.Outcome.PERMANENT, exc=exc)
        _fail(push, Status.UPLOADING, exc)
        return
    except FileNotFoundError:
        reason = "The account package file is missing from storage; upload it again."
        _finish(attempt, DeliveryAttempt.Outcome.PERMANENT, err_msg=reason)
        _move(push, Status.UPLOADING, Status.FAILED, err_msg=reason, finished_at=timezone.now())
        return
    except (OSError, SoftTimeLimitExceeded) as exc:
        # Storage trouble or a slow upload cut by the time limit: try again later.
        reason = f"The upload did not finish ({type(exc).__name__}); it will be retried."
        _finish(attempt, DeliveryAttempt.Outcome.TRANSIENT, err_msg=reason)
        _move(push, Status.UPLOADING, Status.APPROVED, err_msg=reason, queued_at=_retry_horizon())
        raise TransientTpnsError(reason) from exc
    _finish(
        attempt,
        DeliveryAttempt.Outcome.OK,
        http_status=result.http_status,
        ret_code=0,
        err_msg="NO_ERROR",
    )
    _move(push, Status.UPLOADING, Status.UPLOADED, upload_id=result.upload_id)


def _generated_package(push: Push) -> AccountPackage:
    """More than 1000 typed accounts go out as an account package built from the list."""
    if push.generated_package is not None:
        return push.generated_package
    data = ("\n".join(push.accounts) + "\n").encode("utf-8")
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


def _send(push: Push) -> None:
    request = snapshot.build_request(push, upload_id=push.upload_id)
    attempt = _attempt(push, DeliveryAttempt.Kind.PUSH)
    try:
        result = client.push(credentials(push), request)
    except TransientTpnsError as exc:
        # Surely not sent (refused connection, 5xx, 429, rate limit): back in line.
        _finish(attempt, DeliveryAttempt.Outcome.TRANSIENT, exc=exc)
        back = Status.UPLOADED if push.upload_id is not None else Status.APPROVED
        _move(push, Status.SENDING, back, err_msg=describe(exc), queued_at=_retry_horizon())
        raise
    except PermanentTpnsError as exc:
        _finish(attempt, DeliveryAttempt.Outcome.PERMANENT, exc=exc)
        _fail(push, Status.SENDING, exc)
        return
    except UnknownOutcomeTpnsError as exc:
        _finish(attempt, DeliveryAttempt.Outcome.UNKNOWN, exc=exc)
        _in_doubt(push, describe(exc))
        return
    except Exception as exc:
        # A bug after `sending` was committed: we cannot know whether it went out.
        _finish(attempt, DeliveryAttempt.Outcome.UNKNOWN, err_msg=f"{type(exc).__name__}: {exc}")
        _in_doubt(push, "An unexpected error happened during the push call.")
        raise
    _crash_point("after_answer")
    _finish(
        attempt,
        DeliveryAttempt.Outcome.OK,
        http_status=result.http_status,
        ret_code=result.ret_code,
        err_msg=result.err_msg,
    )
    push_id = result.push_id if isinstance(result.push_id, str) else ",".join(result.push_id)
    now = timezone.now()
    if _move(
        push,
        Status.SENDING,
        Status.SENT,
        push_id=push_id,
        ret_code=result.ret_code,
        err_msg=result.err_msg,
        sent_at=now,
        finished_at=now,
    ):
        _record_sandbox_counts(push)
        notify(
            user_ids=[push.created_by_id],
            push=push,
            message=f"“{push}” was sent (push_id {push_id}).",
        )


def _fail(push: Push, frm: str, exc: TpnsError) -> None:
    if _move(
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
    if _move(push, Status.SENDING, Status.IN_DOUBT, err_msg=reason):
        notify(
            user_ids=[push.created_by_id],
            push=push,
            message=f"“{push}” may or may not have been sent; check and resolve it.",
        )


def push_fail_after_retries(*, push_id: int, reason: str) -> None:
    """Retries exhausted on a transient error: the push fails with the last reason."""
    push = Push.objects.get(id=push_id)
    for frm in (Status.APPROVED, Status.UPLOADED, Status.UPLOADING):
        if _move(push, frm, Status.FAILED, err_msg=reason[:1000], finished_at=timezone.now()):
            notify(
                user_ids=[push.created_by_id],
                push=push,
                message=f"“{push}” failed after several tries: {reason}"[:300],
            )
            return


def _record_sandbox_counts(push: Push) -> None:
    if push.app.gateway != "sandbox" or not push.push_id:
        return
    from pushes.sandbox.selectors import push_counts

    counts = push_counts(push_id=push.push_id)
    if counts is not None:
        Push.objects.filter(id=push.id).update(
            targeted=counts.targeted, delivered=counts.delivered, unbound=counts.unbound
        )


# ---------------------------------------------------------------- in doubt


def push_reconcile(*, push_id: int) -> bool:
    """Look an in-doubt push up in the gateway's push records; True if found and settled."""
    push = Push.objects.select_related("app").get(id=push_id)
    if push.status != Status.IN_DOUBT:
        return False
    started = push.claimed_at or push.updated_at
    attempt = _attempt(push, DeliveryAttempt.Kind.RECORD)
    try:
        page = client.get_push_record(
            credentials(push),
            start_date=(started - timedelta(days=1)).date(),
            end_date=(timezone.now() + timedelta(days=1)).date(),
            limit=200,
        )
    except TpnsError as exc:
        _finish(attempt, DeliveryAttempt.Outcome.TRANSIENT, exc=exc)
        return False
    _finish(attempt, DeliveryAttempt.Outcome.OK, ret_code=0, err_msg=f"{len(page.records)} records")
    for record in page.records:
        if _matches(push, record):
            if _move(
                push,
                Status.IN_DOUBT,
                Status.SENT,
                push_id=record.push_id,
                err_msg="Found in the gateway's push records.",
                sent_at=timezone.now(),
                finished_at=timezone.now(),
            ):
                _record_sandbox_counts(push)
            return True
    return False


def _matches(push: Push, record: client.PushRecord) -> bool:
    if record.title != push.title or record.content != push.content:
        return False
    if push.upload_id is not None:
        return record.upload_id == push.upload_id
    return not record.target_list or set(record.target_list) <= set(push.accounts)


@transaction.atomic
def push_mark_sent(*, push: Push, by: User, push_id: str = "") -> Push:
    """A person confirmed (e.g. on devices or in the TPNS console) that it went out."""
    push_id = push_id.strip()
    if push_id and not (
        len(push_id) <= 64
        and push_id.replace(",", "").isascii()
        and push_id.replace(",", "").isdigit()
    ):
        raise ValueError("A push_id is the number TPNS gave the push, e.g. 1328245138690125824.")
    if not _move(
        push,
        Status.IN_DOUBT,
        Status.SENT,
        actor=by,
        push_id=push_id or push.push_id,
        err_msg=f"Marked as sent by {by.get_username()}.",
        finished_at=timezone.now(),
    ):
        raise ValueError("Only a push in doubt can be marked as sent.")
    return push


@transaction.atomic
def push_resend(*, push: Push, by: User) -> Push:
    """A person decided it did not go out: send it again, on the record."""
    if not _move(push, Status.IN_DOUBT, Status.APPROVED, actor=by, queued_at=timezone.now()):
        raise ValueError("Only a push in doubt can be resent.")
    from pushes.tasks import deliver_push

    deliver_push.delay_on_commit(push.id)
    return push


# ---------------------------------------------------------------- sweeper


def sweep() -> dict[str, int]:
    """Beat, each minute: requeue lost or due work, settle stale claims. Never resends."""
    from pushes.tasks import deliver_push, reconcile_push

    now = timezone.now()
    t = timings()
    counts = {"requeued": 0, "in_doubt": 0, "reset_uploads": 0}
    # A worker died during an upload: uploads may be retried.
    for push in Push.objects.filter(status=Status.UPLOADING, claimed_at__lt=now - t.stale_after):
        counts["reset_uploads"] += _move(
            push,
            Status.UPLOADING,
            Status.APPROVED,
            err_msg="The worker stopped during the upload; retrying.",
        )
    # A worker died during the push call: we cannot know whether it went out.
    for push in Push.objects.filter(status=Status.SENDING, claimed_at__lt=now - t.stale_after):
        _in_doubt(push, "The worker stopped during the push call.")
        counts["in_doubt"] += 1
        reconcile_push.delay_on_commit(push.id)
    waiting = Push.objects.filter(
        status__in=[Status.APPROVED, Status.UPLOADED], app__is_paused=False
    ).exclude(queued_at__gt=now - t.requeue_after)
    for push in waiting.select_related("app"):
        if not _is_due(push):
            continue
        Push.objects.filter(id=push.id).update(queued_at=now)
        deliver_push.delay(push.id)
        counts["requeued"] += 1
    return counts


def push_cancel_at_gateway(*, push_id: int, user_id: int) -> bool:
    """Cancel a package push that TPNS holds for its send_time (cancel_timing_task)."""
    from django.contrib.auth import get_user_model

    push = Push.objects.select_related("app").get(id=push_id)
    if push.status != Status.SENT or not push.push_id:
        return False
    attempt = _attempt(push, DeliveryAttempt.Kind.CANCEL)
    try:
        client.cancel_timing_task(credentials(push), push.push_id)
    except TpnsError as exc:
        _finish(attempt, DeliveryAttempt.Outcome.PERMANENT, exc=exc)
        notify(
            user_ids=[user_id],
            push=push,
            message=f"Cancelling “{push}” at TPNS failed: {describe(exc)}"[:300],
        )
        return False
    _finish(attempt, DeliveryAttempt.Outcome.OK, ret_code=0, err_msg="NO_ERROR")
    by = get_user_model().objects.filter(pk=user_id).first()
    return _move(push, Status.SENT, Status.CANCELLED, actor=by, finished_at=timezone.now())
