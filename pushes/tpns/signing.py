"""Both TPNS authentication schemes (tpns-api.md §2).

Signature: Sign = Base64(lowercase_hex(HMAC-SHA256(SecretKey, TimeStamp + AccessId + body))).
The body signed must be byte-for-byte the body sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def basic_authorization(access_id: str, secret_key: str) -> str:
    """The value of the `Authorization` header for HTTP Basic auth."""
    token = base64.b64encode(f"{access_id}:{secret_key}".encode()).decode("ascii")
    return f"Basic {token}"


def sign(*, access_id: str, secret_key: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode("utf-8") + str(access_id).encode("utf-8") + body
    digest = hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


def signature_headers(
    *, access_id: str, secret_key: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "AccessId": str(access_id),
        "TimeStamp": str(timestamp),
        "Sign": sign(access_id=access_id, secret_key=secret_key, timestamp=timestamp, body=body),
        "Content-Type": "application/json",
    }


def signature_matches(
    *, access_id: str, secret_key: str, timestamp: str, body: bytes, given: str
) -> bool:
    expected = sign(access_id=access_id, secret_key=secret_key, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


def parse_basic_authorization(header: str) -> tuple[str, str] | None:
    """(access_id, secret_key) from an `Authorization: Basic …` header, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    access_id, sep, secret_key = decoded.partition(":")
    if not sep:
        return None
    return access_id, secret_key
