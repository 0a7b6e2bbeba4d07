"""Both TPNS authentication schemes, checked against the sandbox app's SecretKey (§2, §14.2).

- `Sign` header present → signature scheme: `AccessId`, `TimeStamp` (±SANDBOX_CLOCK_SKEW_SECONDS)
  and `Sign` = Base64(lowercase hex(HMAC-SHA256(SecretKey, TimeStamp + AccessId + body))) over
  the exact raw body bytes.
- otherwise `Authorization: Basic base64(AccessID:SecretKey)`.

Checking happens in two steps so that nothing of the body is read for a caller who can be
refused from the headers: `identify` (throttle, AccessID, clock, Basic secret) before the body,
then `verify_body` or `verify_mac` for the signature over it.

An unknown AccessID answers 1008035, a throttled AccessID and address 1008028, every other
failure 1008003. Every refusal counts towards the throttle (pushes.sandbox.throttle).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

from pushes.crypto import SecretDecryptionError
from pushes.sandbox import throttle
from pushes.sandbox.errors import SandboxAuthError
from pushes.sandbox.models import SandboxApp
from pushes.tpns import codes, signing

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.request import HttpHeaders


@dataclass(frozen=True)
class Caller:
    """A request whose headers passed every check; for `sign`, the body is still to verify."""

    app: SandboxApp
    address: str
    access_id: str  # as sent: the signature covers these exact characters
    timestamp: str = ""
    sign: str = ""  # empty for Basic, which has nothing left to check
    secret_key: str = field(default="", repr=False)

    @property
    def signed(self) -> bool:
        return bool(self.sign)


def identify(request: HttpRequest) -> Caller:
    """Everything that can be checked without reading the body."""
    headers = request.headers
    address = throttle.client_address(request)
    claimed = _claimed_access_id(headers)
    if throttle.locked_out(access_id=claimed, address=address):
        # Refused before any credential is looked at, so guessing cannot go on.
        raise SandboxAuthError(codes.REQUEST_TOO_FAST)
    with _counted(claimed, address):
        if headers.get("Sign"):
            return _signature_caller(headers, address)
        return _basic_caller(headers, address)


def body_mac(caller: Caller) -> hmac.HMAC:
    """The HMAC the body bytes are fed into, for a body read as a stream."""
    message = (caller.timestamp + caller.access_id).encode("utf-8")
    return hmac.new(caller.secret_key.encode("utf-8"), message, hashlib.sha256)


def verify_body(caller: Caller, body: bytes) -> None:
    if not caller.signed:
        return
    mac = body_mac(caller)
    mac.update(body)
    verify_mac(caller, mac)


def verify_mac(caller: Caller, mac: hmac.HMAC) -> None:
    """Compare `Sign` with the HMAC once the whole body went through it."""
    # Hex first, then Base64 (§2.3): Base64 of the raw digest is not the documented Sign.
    expected = base64.b64encode(mac.hexdigest().encode("ascii"))
    with _counted(caller.access_id, caller.address):
        if not hmac.compare_digest(expected, caller.sign.encode("ascii", "replace")):
            raise SandboxAuthError(codes.AUTH_FAILURE)


def _claimed_access_id(headers: HttpHeaders) -> str:
    if headers.get("Sign"):
        return headers.get("AccessId", "").strip()
    basic = signing.parse_basic_authorization(headers.get("Authorization", ""))
    return basic[0].strip() if basic else ""


@contextmanager
def _counted(access_id: str, address: str) -> Iterator[None]:
    try:
        yield
    except SandboxAuthError:
        throttle.record_failure(access_id=access_id, address=address)
        raise


def _basic_caller(headers: HttpHeaders, address: str) -> Caller:
    basic = signing.parse_basic_authorization(headers.get("Authorization", ""))
    if basic is None:
        raise SandboxAuthError(codes.AUTH_FAILURE)
    access_id, secret_key = basic
    app = _app(access_id)
    if not hmac.compare_digest(_secret(app).encode(), secret_key.encode()):
        raise SandboxAuthError(codes.AUTH_FAILURE)
    return Caller(app=app, address=address, access_id=access_id)


def _signature_caller(headers: HttpHeaders, address: str) -> Caller:
    access_id, timestamp, given = (
        headers.get("AccessId", ""),
        headers.get("TimeStamp", ""),
        headers.get("Sign", ""),
    )
    stamp = timestamp.strip()
    # isdigit() alone admits digits such as "²" that int() refuses.
    if not access_id or not (stamp.isascii() and stamp.isdigit()):
        raise SandboxAuthError(codes.AUTH_FAILURE)
    app = _app(access_id)
    if abs(time.time() - int(stamp)) > settings.SANDBOX_CLOCK_SKEW_SECONDS:
        raise SandboxAuthError(codes.AUTH_FAILURE)
    return Caller(
        app=app,
        address=address,
        access_id=access_id,
        timestamp=timestamp,
        sign=given,
        secret_key=_secret(app),
    )


def _app(access_id: str) -> SandboxApp:
    # A deactivated app (its Pushdeck app moved to another AccessID) is unknown here.
    app = SandboxApp.objects.filter(access_id=access_id.strip(), is_active=True).first()
    if app is None:
        raise SandboxAuthError(codes.WRONG_ACCESS_ID_OR_DOMAIN)
    return app


def _secret(app: SandboxApp) -> str:
    try:
        return app.secret_key
    except SecretDecryptionError as exc:
        raise SandboxAuthError(codes.AUTH_FAILURE) from exc
