"""Both TPNS authentication schemes, checked against the sandbox app's SecretKey (§2, §14.2).

- `Sign` header present → signature scheme: `AccessId`, `TimeStamp` (±SANDBOX_CLOCK_SKEW_SECONDS)
  and `Sign` over the exact raw body bytes.
- otherwise `Authorization: Basic base64(AccessID:SecretKey)`.

An unknown AccessID answers 1008035; every other failure 1008003.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings

from pushes.crypto import SecretDecryptionError
from pushes.sandbox.errors import SandboxError
from pushes.sandbox.models import SandboxApp
from pushes.tpns import codes, signing

if TYPE_CHECKING:
    from django.http import HttpRequest


def authenticate(request: HttpRequest, *, body: bytes | None) -> SandboxApp:
    """The calling app. `body=None` means a multipart request whose body is streamed.

    For a signed multipart request this parses the form (spooling the file) while hashing
    the bytes, so the signature is checked before anything else reads the upload.
    """
    headers = request.headers
    if headers.get("Sign"):
        return _signature(request, body=body)
    basic = signing.parse_basic_authorization(headers.get("Authorization", ""))
    if basic is None:
        raise SandboxError(codes.AUTH_FAILURE)
    access_id, secret_key = basic
    app = _app(access_id)
    if not hmac.compare_digest(_secret(app).encode(), secret_key.encode()):
        raise SandboxError(codes.AUTH_FAILURE)
    return app


def _signature(request: HttpRequest, *, body: bytes | None) -> SandboxApp:
    headers = request.headers
    access_id, timestamp, given = (
        headers.get("AccessId", ""),
        headers.get("TimeStamp", ""),
        headers.get("Sign", ""),
    )
    stamp = timestamp.strip()
    # isdigit() alone admits digits such as "²" that int() refuses.
    if not access_id or not (stamp.isascii() and stamp.isdigit()):
        raise SandboxError(codes.AUTH_FAILURE)
    app = _app(access_id)
    skew = settings.SANDBOX_CLOCK_SKEW_SECONDS
    if abs(time.time() - int(timestamp)) > skew:
        raise SandboxError(codes.AUTH_FAILURE)
    secret = _secret(app)
    if body is not None:
        matches = signing.signature_matches(
            access_id=access_id, secret_key=secret, timestamp=timestamp, body=body, given=given
        )
    else:
        matches = _streamed_signature_matches(request, secret, timestamp, access_id, given)
    if not matches:
        raise SandboxError(codes.AUTH_FAILURE)
    return app


def _app(access_id: str) -> SandboxApp:
    app = SandboxApp.objects.filter(access_id=access_id.strip()).first()
    if app is None:
        raise SandboxError(codes.WRONG_ACCESS_ID_OR_DOMAIN)
    return app


def _secret(app: SandboxApp) -> str:
    try:
        return app.secret_key
    except SecretDecryptionError as exc:
        raise SandboxError(codes.AUTH_FAILURE) from exc


class _HashingStream:
    """Feeds every byte read from the request body into an HMAC."""

    def __init__(self, stream: Any, mac: hmac.HMAC) -> None:
        self._stream = stream
        self._mac = mac

    def read(self, *args: Any) -> bytes:
        data = self._stream.read(*args)
        self._mac.update(data)
        return data

    def readline(self, *args: Any) -> bytes:
        data = self._stream.readline(*args)
        self._mac.update(data)
        return data


def _streamed_signature_matches(
    request: HttpRequest, secret: str, timestamp: str, access_id: str, given: str
) -> bool:
    mac = hmac.new(secret.encode(), (timestamp + access_id).encode(), hashlib.sha256)
    stream = _HashingStream(request._stream, mac)  # type: ignore[attr-defined]
    request._stream = stream  # type: ignore[attr-defined,assignment]
    request.FILES  # noqa: B018 - parse (and spool) the form through the hashing stream
    while stream.read(64 * 1024):  # whatever the parser left unread is signed too
        pass
    expected = base64.b64encode(mac.hexdigest().encode("ascii"))
    return hmac.compare_digest(expected, given.encode("ascii", "replace"))
