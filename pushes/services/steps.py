"""The primitives every delivery step shares: conditional moves, attempt rows, credentials.

A move is a conditional UPDATE plus its one audit event, so of two racing workers only one
can move a push out of a state.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from pushes.audit import audit_record
from pushes.models import App, DeliveryAttempt, Push
from pushes.tpns.errors import TpnsError, describe
from pushes.tpns.hosts import Credentials

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Fields worth keeping in the audit event of a move.
AUDITED_FIELDS = frozenset({"push_id", "ret_code", "err_msg", "upload_id", "marker"})


def crash_point(name: str) -> None:
    """Fault tests start a worker with PUSHDECK_CRASH_AT=<name> to kill it exactly here."""
    if os.environ.get("PUSHDECK_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def credentials(push: Push) -> Credentials:
    app = push.app
    return Credentials(access_id=app.access_id, secret_key=app.secret_key, gateway=app.gateway)


def claim(push: Push, from_statuses: set[str], to: str, **fields: object) -> bool:
    """Take the push for this worker before any I/O; only one claimant can win.

    The UPDATE filters on the push row alone: PostgreSQL re-checks such a condition
    after waiting for a concurrent claim, but not one inside a join's subquery. The app's
    pause is read fresh from the database, never from the push loaded earlier.
    """
    if App.objects.filter(id=push.app_id, is_paused=True).exists():
        return False
    with transaction.atomic():
        claimed = Push.objects.filter(id=push.id, status__in=from_statuses).update(
            status=to, claimed_at=timezone.now(), **fields
        )
        if claimed:
            frm = push.status
            push.refresh_from_db()
            audit_record(actor=None, action=f"push.{to}", obj=push, data={"from": frm})
    return bool(claimed)


def move(push: Push, frm: str, to: str, *, actor: User | None = None, **fields: object) -> bool:
    """Conditional status change plus its one audit event."""
    with transaction.atomic():
        moved = Push.objects.filter(id=push.id, status=frm).update(status=to, **fields)
        if moved:
            for name, value in fields.items():
                setattr(push, name, value)
            push.status = to
            data = {k: v for k, v in fields.items() if k in AUDITED_FIELDS}
            audit_record(actor=actor, action=f"push.{to}", obj=push, data={"from": frm, **data})
    return bool(moved)


def attempt(push: Push, kind: str) -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(push=push, kind=kind, started_at=timezone.now())


def finish(
    row: DeliveryAttempt,
    outcome: str,
    *,
    exc: TpnsError | None = None,
    http_status: int | None = None,
    ret_code: int | None = None,
    err_msg: str = "",
) -> None:
    row.finished_at = timezone.now()
    row.outcome = outcome
    if exc is not None:
        row.http_status = exc.http_status
        row.ret_code = exc.ret_code
        row.err_msg = describe(exc)
    else:
        row.http_status, row.ret_code, row.err_msg = http_status, ret_code, err_msg
    row.save()


def record_sandbox_counts(push: Push) -> None:
    if push.app.gateway != "sandbox" or not push.push_id:
        return
    from pushes.sandbox.selectors import push_counts

    counts = push_counts(push_id=push.push_id)
    if counts is not None:
        Push.objects.filter(id=push.id).update(
            targeted=counts.targeted, delivered=counts.delivered, unbound=counts.unbound
        )
