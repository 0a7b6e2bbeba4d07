"""The primitives every delivery step shares: attempt rows, credentials, crash points.

Status changes go through `pushes.lifecycle` (move, claim).
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

from django.utils import timezone

from pushes.models import App, DeliveryAttempt, Push
from pushes.tpns.errors import TpnsError, describe
from pushes.tpns.hosts import Credentials

if TYPE_CHECKING:
    pass


def crash_point(name: str) -> None:
    """Fault tests start a worker with PUSHDECK_CRASH_AT=<name> to kill it exactly here."""
    if os.environ.get("PUSHDECK_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def credentials(push: Push) -> Credentials:
    return app_credentials(push.app)


def app_credentials(app: App) -> Credentials:
    return Credentials(access_id=app.access_id, secret_key=app.secret_key, gateway=app.gateway)


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
