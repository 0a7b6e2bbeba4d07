"""What a consumed FaultPlan does to one call (active only when faults_enabled()).

Without `after_apply` the call is *not* applied (nothing is recorded or delivered) and:
- `http_500` / `http_429`: that HTTP status with a plain-text body (429 adds Retry-After: 1).
- `ret_code`: HTTP 200 with the endpoint's error shape and the plan's ret_code.
- `sleep`: waits `seconds` (default 30), then answers 1008004; meant to outlast the client's
  read timeout.
- `drop`: shuts the client's TCP connection down without answering (the WSGI socket is found
  under runserver/live_server and gunicorn; elsewhere, e.g. Django's test Client, the answer is
  an empty HTTP 200 marked `X-Sandbox-Fault: drop`).
- `malformed_200`: HTTP 200 with a truncated JSON body.

With `after_apply` the call is applied first (the push is recorded and delivered, the file is
stored …) and only the answer misbehaves as above; `sleep` then waits and sends the real answer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, JsonResponse

from pushes.sandbox.models import FaultPlan
from pushes.tpns import codes

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest

logger = logging.getLogger(__name__)

DEFAULT_SLEEP_SECONDS = 30.0
MALFORMED_BODY = b'{"seq":0,"ret_code":0,"err_msg":"NO_ERR'


def respond(
    plan: FaultPlan,
    request: HttpRequest,
    *,
    error: Callable[[int], dict[str, Any]],
    answer: dict[str, Any] | None = None,
) -> HttpResponse:
    """The misbehaving answer. `error(code)` builds the endpoint's error body; `answer` is the
    real answer when the call was applied (after_apply)."""
    logger.info(
        "sandbox fault %s on %s (after_apply=%s)", plan.action, plan.endpoint, plan.after_apply
    )
    action = plan.action
    if action == FaultPlan.Action.HTTP_500:
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain")
    if action == FaultPlan.Action.HTTP_429:
        return HttpResponse(
            "Too Many Requests", status=429, content_type="text/plain", headers={"Retry-After": "1"}
        )
    if action == FaultPlan.Action.RET_CODE:
        return JsonResponse(error(plan.ret_code or codes.INVOKE_SERVICE_ERROR))
    if action == FaultPlan.Action.SLEEP:
        time.sleep(DEFAULT_SLEEP_SECONDS if plan.seconds is None else plan.seconds)
        return JsonResponse(answer if answer is not None else error(codes.INVOKE_SERVICE_ERROR))
    if action == FaultPlan.Action.DROP:
        return _drop(request)
    return HttpResponse(MALFORMED_BODY, status=200, content_type="application/json")


def _drop(request: HttpRequest) -> HttpResponse:
    sock = _client_socket(request.META)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    # With the socket shut, the server's write of this fails quietly.
    return HttpResponse(b"", status=200, headers={"X-Sandbox-Fault": "drop"})


def _client_socket(environ: dict[str, Any]) -> socket.socket | None:
    found = environ.get("gunicorn.socket")
    if isinstance(found, socket.socket):
        return found
    return _find_socket(environ.get("wsgi.input"), depth=0)


def _find_socket(obj: object, *, depth: int) -> socket.socket | None:
    """Walk wsgi.input's wrappers (LimitedStream → BufferedReader → SocketIO) to the socket."""
    if isinstance(obj, socket.socket):
        return obj
    if obj is None or depth > 6:
        return None
    reader = getattr(obj, "_read", None)
    for inner in (
        getattr(obj, "_sock", None),
        getattr(obj, "raw", None),
        getattr(obj, "stream", None),
        getattr(reader, "__self__", None),
    ):
        if inner is not None and inner is not obj:
            sock = _find_socket(inner, depth=depth + 1)
            if sock is not None:
                return sock
    return None
