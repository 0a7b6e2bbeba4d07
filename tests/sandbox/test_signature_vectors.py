"""The sandbox's signature check against fixed, literal headers (tpns-api.md §2.3).

Nothing here uses the project's signing code: each Sign is a literal from the documentation,
or computed below with hmac/hashlib/base64 exactly as §2.3 spells it out, so a sandbox that
drifted from the documented algorithm together with the client would still be caught.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from django.test import Client

from pushes.sandbox import services
from pushes.sandbox.models import SandboxApp, SandboxPush, Upload
from tests.sandbox.helpers import device_for

pytestmark = pytest.mark.django_db

# The verified vector of §2.3.
ACCESS_ID = "1500001048"
SECRET_KEY = "1452fcebae9f3115ba794fb0fff2fd73"
TIMESTAMP = "1565314789"
ACCOUNT = "5822f0eee44c3625ef0000bb"
# The Java sample string, over which the documentation's printed Sign was computed.
JAVA_BODY = (
    b'{"audience_type": "account","platform": "android","message": {"title": "test title",'
    b'"content": "test content","android": { "action": {"action_type": 3,"intent": '
    b'"xgscheme://com.xg.push/notify_detail?param1=xg"}}},"message_type": "notify",'
    b'"account_list": ["5822f0eee44c3625ef0000bb"] }'
)
JAVA_HEX = "cd20774682bf78bfdb43e17d1d5d56b3e5b789a1670fc1527ef54c65d2d7b76d"
JAVA_SIGN = (
    "Y2QyMDc3NDY4MmJmNzhiZmRiNDNlMTdkMWQ1ZDU2YjNlNWI3ODlhMTY3MGZjMTUyN2VmNTRjNjVkMmQ3Yjc2ZA=="
)
# The same body without "platform", as the prose and the Python sample sign it.
PROSE_BODY = JAVA_BODY.replace(b'"platform": "android",', b"")
PROSE_HEX = "09f07d2a518a8814e369dcd9534f10b8a29d128531a19adaa28cb247605c1e84"
PROSE_SIGN = (
    "MDlmMDdkMmE1MThhODgxNGUzNjlkY2Q5NTM0ZjEwYjhhMjlkMTI4NTMxYTE5YWRhYTI4Y2IyNDc2MDVjMWU4NA=="
)
# Base64 of the raw 32-byte digest of the Java vector: what the docs do *not* specify.
JAVA_RAW_DIGEST_SIGN = "zSB3RoK/eL/bQ+F9HV1Ws+W3iaFnD8FSfvVMZdLXt20="

UPLOAD_CONTENT_TYPE = "multipart/form-data; boundary=vectorboundary"
UPLOAD_BODY = (
    b"--vectorboundary\r\n"
    b'Content-Disposition: form-data; name="file"; filename="accounts.txt"\r\n'
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"alice\r\nbob\r\n"
    b"\r\n--vectorboundary--\r\n"
)


def hmac_of(body: bytes) -> hmac.HMAC:
    """§2.3: HMAC-SHA256, key SecretKey, message TimeStamp + AccessId + body, no separators."""
    message = TIMESTAMP.encode() + ACCESS_ID.encode() + body
    return hmac.new(SECRET_KEY.encode(), message, hashlib.sha256)


def documented_sign(body: bytes) -> str:
    """Base64 of the lowercase hex digest, as ASCII."""
    return base64.b64encode(hmac_of(body).hexdigest().encode("ascii")).decode("ascii")


def wrong_signs(body: bytes) -> dict[str, str]:
    """Signs a sandbox with a slip in the algorithm would compute and accept."""
    mac = hmac_of(body)
    return {
        "raw-digest": base64.b64encode(mac.digest()).decode(),
        "uppercase-hex": base64.b64encode(mac.hexdigest().upper().encode()).decode(),
        "hex-without-base64": mac.hexdigest(),
        "no-access-id": base64.b64encode(
            hmac.new(SECRET_KEY.encode(), TIMESTAMP.encode() + body, hashlib.sha256)
            .hexdigest()
            .encode()
        ).decode(),
    }


@pytest.fixture
def doc_app(settings: Any) -> SandboxApp:
    settings.SANDBOX_CLOCK_SKEW_SECONDS = 10**10  # the vector's TimeStamp is from 2019
    settings.SANDBOX_AUTH_FAILURE_LIMIT = 0  # the refusals below are not an attack
    app = services.ensure_app(access_id=ACCESS_ID, secret_key=SECRET_KEY)
    device_for(app, ACCOUNT)
    return app


def post(client: Client, path: str, body: bytes, sign: str, content_type: str) -> Any:
    headers = {"AccessId": ACCESS_ID, "TimeStamp": TIMESTAMP, "Sign": sign}
    return client.post(f"/sandbox/{path}", data=body, content_type=content_type, headers=headers)


def test_the_test_computes_the_documented_vectors() -> None:
    assert (hmac_of(JAVA_BODY).hexdigest(), documented_sign(JAVA_BODY)) == (JAVA_HEX, JAVA_SIGN)
    assert (hmac_of(PROSE_BODY).hexdigest(), documented_sign(PROSE_BODY)) == (
        PROSE_HEX,
        PROSE_SIGN,
    )
    assert wrong_signs(JAVA_BODY)["raw-digest"] == JAVA_RAW_DIGEST_SIGN


@pytest.mark.parametrize(
    ("body", "sign"),
    [
        pytest.param(JAVA_BODY, JAVA_SIGN, id="java-sample"),
        pytest.param(PROSE_BODY, PROSE_SIGN, id="prose-sample"),
    ],
)
def test_a_push_with_the_documented_headers_is_accepted(
    client: Client, doc_app: SandboxApp, body: bytes, sign: str
) -> None:
    response = post(client, "v3/push/app", body, sign, "application/json")

    answer = response.json()
    assert (response.status_code, answer["ret_code"], answer["err_msg"]) == (200, 0, "NO_ERROR")
    assert SandboxPush.objects.get(push_id=answer["push_id"]).delivered == 1


def test_the_raw_digest_sign_of_the_documented_request_is_refused(
    client: Client, doc_app: SandboxApp
) -> None:
    response = post(client, "v3/push/app", JAVA_BODY, JAVA_RAW_DIGEST_SIGN, "application/json")

    assert response.json()["ret_code"] == 1008003
    assert not SandboxPush.objects.exists()


@pytest.mark.parametrize("slip", list(wrong_signs(JAVA_BODY)))
def test_a_push_signed_with_a_slip_in_the_algorithm_is_refused(
    client: Client, doc_app: SandboxApp, slip: str
) -> None:
    response = post(
        client, "v3/push/app", JAVA_BODY, wrong_signs(JAVA_BODY)[slip], "application/json"
    )

    assert response.json()["ret_code"] == 1008003
    assert not SandboxPush.objects.exists()


def test_an_upload_with_the_documented_algorithm_is_accepted(
    client: Client, doc_app: SandboxApp
) -> None:
    sign = documented_sign(UPLOAD_BODY)

    answer = post(client, "v3/push/package/upload", UPLOAD_BODY, sign, UPLOAD_CONTENT_TYPE).json()

    assert answer["retCode"] == 0, answer
    assert Upload.objects.get(upload_id=answer["uploadId"]).accounts == 2


@pytest.mark.parametrize("slip", list(wrong_signs(UPLOAD_BODY)))
def test_an_upload_signed_with_a_slip_in_the_algorithm_is_refused(
    client: Client, doc_app: SandboxApp, slip: str
) -> None:
    sign = wrong_signs(UPLOAD_BODY)[slip]

    answer = post(client, "v3/push/package/upload", UPLOAD_BODY, sign, UPLOAD_CONTENT_TYPE).json()

    assert answer == {"retCode": 1008003, "errMsg": "auth failure"}
    assert not Upload.objects.exists()
