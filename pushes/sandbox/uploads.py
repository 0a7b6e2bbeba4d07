"""Receiving `v3/push/package/upload` bodies without storing more than a package may hold.

1. From the headers alone (`check_headers`): a multipart Content-Type and a Content-Length no
   larger than MAX_UPLOAD_BYTES plus room for the multipart framing. Nothing is read before
   this and pushes.sandbox.auth.identify have passed.
2. While parsing (`receive`): Django's upload handlers spool the file (to
   FILE_UPLOAD_TEMP_DIR when large), behind `_SizeLimit`, which stops the upload before the
   files' bytes pass MAX_UPLOAD_BYTES. A signed request's body is hashed on the way, and the
   signature is checked once the body has been read.
3. Any refusal closes, and so deletes, whatever was spooled (`discard`).
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParserError

from pushes.packages import MAX_PACKAGE_BYTES
from pushes.sandbox import auth
from pushes.sandbox.errors import SandboxError
from pushes.tpns import codes

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

# The TPNS package limit (§4). Read at call time, so tests can lower it.
MAX_UPLOAD_BYTES = MAX_PACKAGE_BYTES
# Boundaries, part headers and small extra fields such as the documented `fileName` (§4).
MULTIPART_OVERHEAD_BYTES = 64 * 1024
READ_CHUNK_BYTES = 64 * 1024
PARSE_ERRORS = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def check_headers(request: HttpRequest) -> None:
    """Refuse, before reading it, a body that cannot hold an acceptable package."""
    if not (request.content_type or "").startswith("multipart/"):
        raise SandboxError(codes.PARSE_ERROR)
    raw = request.META.get("CONTENT_LENGTH")
    if raw is None or raw == "":
        # Django reads no body without a length (chunked requests arrive empty).
        raise SandboxError(codes.MISSING_PARAMETER)
    try:
        declared = int(raw)
    except ValueError as exc:
        raise SandboxError(codes.PARSE_ERROR) from exc
    if declared < 0:
        raise SandboxError(codes.PARSE_ERROR)
    if declared > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
        logger.info(
            "sandbox upload refused: Content-Length %d is over the %d-byte package limit",
            declared,
            MAX_UPLOAD_BYTES,
        )
        raise SandboxError(codes.UPLOAD_FILE_ERROR)


def receive(request: HttpRequest, caller: auth.Caller) -> None:
    """Parse the upload into request.FILES, or refuse it having deleted what was spooled."""
    check_headers(request)
    limiter = _SizeLimit(request, MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, limiter)
    mac = auth.body_mac(caller) if caller.signed else None
    if mac is not None:
        request._stream = _HashingStream(request._stream, mac)  # type: ignore[assignment]
    try:
        parsed = _parse(request)
        if mac is not None:
            _drain(request)  # the signature covers bytes the parser may have left unread
            auth.verify_mac(caller, mac)
        if not parsed:
            raise SandboxError(codes.PARSE_ERROR)
        if limiter.too_large:
            raise SandboxError(codes.UPLOAD_FILE_ERROR)
    except BaseException:
        discard(request)
        raise


def discard(request: HttpRequest) -> None:
    """Close every file the upload spooled; a temporary upload file is deleted on close."""
    parsed = getattr(request, "_files", None)  # request.FILES would start parsing now
    if parsed is not None:
        for _name, files in parsed.lists():
            for uploaded in files:
                uploaded.close()
    for handler in getattr(request, "_upload_handlers", []):
        # A file still being written when parsing failed is not in request.FILES.
        spooling = getattr(handler, "file", None)
        if spooling is not None:
            spooling.close()


def _parse(request: HttpRequest) -> bool:
    try:
        request.FILES  # noqa: B018 - parse the body through the size limit (and the hash)
    except PARSE_ERRORS:
        return False
    return True


def _drain(request: HttpRequest) -> None:
    # Bounded: Django never reads past Content-Length, which check_headers capped.
    while request.read(READ_CHUNK_BYTES):
        pass


class _SizeLimit(FileUploadHandler):
    """First in line: passes file bytes on to Django's handlers until they would pass `limit`.

    The count covers every file of the request, so all that is spooled stays within the
    limit. The chunk that would go over is never passed on.
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            # The parser closes (deletes) the partial file and reads the rest of the body
            # without storing it, so the client gets an answer rather than a reset.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


class _HashingStream:
    """Feeds every byte read from the request body into the signature's HMAC."""

    def __init__(self, stream: Any, mac: hmac.HMAC) -> None:
        self._stream = stream
        self._mac = mac

    def read(self, *args: Any) -> bytes:
        data: bytes = self._stream.read(*args)
        self._mac.update(data)
        return data

    def readline(self, *args: Any) -> bytes:
        data: bytes = self._stream.readline(*args)
        self._mac.update(data)
        return data
