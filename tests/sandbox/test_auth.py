"""Both authentication schemes, with the documented test vectors (tpns-api.md §2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest
from django.test import Client

from pushes.sandbox import services
from pushes.sandbox.models import SandboxApp, SandboxPush
from tests.sandbox.helpers import (
    ACCESS_ID,
    SECRET_KEY,
    account_push,
    basic_post,
    device_for,
    signed_post,
    upload,
)

pytestmark = pytest.mark.django_db

# The Java sample body the documentation's printed Sign was computed over (§2.3).
DOC_BODY = (
    b'{"audience_type": "account","platform": "android","message": {"title": "test title",'
    b'"content": "test content","android": { "action": {"action_type": 3,"intent": '
    b'"xgscheme://com.xg.push/notify_detail?param1=xg"}}},"message_type": "notify",'
    b'"account_list": ["5822f0eee44c3625ef0000bb"] }'
)
DOC_TIMESTAMP = "1565314789"
DOC_SIGN = (
    "Y2QyMDc3NDY4MmJmNzhiZmRiNDNlMTdkMWQ1ZDU2YjNlNWI3ODlhMTY3MGZjMTUyN2VmNTRjNjVkMmQ3Yjc2ZA=="
)

PUSH_KEYS = {"seq", "push_id", "ret_code", "err_msg", "environment", "result"}


def test_it_accepts_the_documented_signed_request(
    client: Client, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_CLOCK_SKEW_SECONDS = 10**10  # the vector's timestamp is from 2019
    device_for(sandbox_app, "5822f0eee44c3625ef0000bb")

    response = client.post(
        "/sandbox/v3/push/app",
        data=DOC_BODY,
        content_type="application/json",
        headers={"AccessId": "1500001048", "TimeStamp": DOC_TIMESTAMP, "Sign": DOC_SIGN},
    )

    body = response.json()
    assert response.status_code == 200
    assert body["ret_code"] == 0, body
    assert body["err_msg"] == "NO_ERROR"
    push = SandboxPush.objects.get(push_id=body["push_id"])
    assert (push.title, push.delivered) == ("test title", 1)


def test_it_rejects_the_documented_request_outside_the_clock_window(
    client: Client, sandbox_app: SandboxApp
) -> None:
    response = client.post(
        "/sandbox/v3/push/app",
        data=DOC_BODY,
        content_type="application/json",
        headers={"AccessId": "1500001048", "TimeStamp": DOC_TIMESTAMP, "Sign": DOC_SIGN},
    )
    assert response.json()["ret_code"] == 1008003


def test_it_accepts_the_documented_basic_credentials(client: Client) -> None:
    app = services.ensure_app(
        access_id="a5b5f071ff77a", secret_key="ea512eb7704d5fb5a6a937cafa70e771"
    )
    device_for(app, "user_1")

    response = client.post(
        "/sandbox/v3/push/app",
        data=b'{"audience_type":"account","account_list":["user_1"],"message":{"title":"t","content":"c"}}',
        content_type="application/json",
        headers={
            "Authorization": "Basic YTViNWYwNzFmZjc3YTplYTUxMmViNzcwNGQ1ZmI1YTZhOTM3Y2FmYTcwZTc3MQ=="
        },
    )

    assert response.json()["ret_code"] == 0


def test_a_signature_covers_the_exact_body_bytes(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    body = b'{"audience_type":"account","account_list":["alice"],"message":{"title":"a","content":"b"}}'
    timestamp = str(int(time.time()))
    digest = hmac.new(
        SECRET_KEY.encode(), (timestamp + ACCESS_ID).encode() + body, hashlib.sha256
    ).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    headers = {"AccessId": ACCESS_ID, "TimeStamp": timestamp, "Sign": sign}

    same = client.post(
        "/sandbox/v3/push/app", data=body, content_type="application/json", headers=headers
    )
    spaced = client.post(
        "/sandbox/v3/push/app", data=body + b" ", content_type="application/json", headers=headers
    )

    assert same.json()["ret_code"] == 0
    assert spaced.json()["ret_code"] == 1008003


def test_base64_of_the_raw_digest_is_not_accepted(client: Client, sandbox_app: SandboxApp) -> None:
    body = b"{}"
    timestamp = str(int(time.time()))
    raw = hmac.new(SECRET_KEY.encode(), (timestamp + ACCESS_ID).encode() + body, hashlib.sha256)
    headers = {
        "AccessId": ACCESS_ID,
        "TimeStamp": timestamp,
        "Sign": base64.b64encode(raw.digest()).decode(),
    }

    response = client.post(
        "/sandbox/v3/push/app", data=body, content_type="application/json", headers=headers
    )

    assert response.json()["ret_code"] == 1008003


@pytest.mark.parametrize(
    ("send", "code"),
    [
        pytest.param(
            lambda c: basic_post(c, "v3/push/app", {}, secret_key="wrong"),
            1008003,
            id="basic-wrong-secret",
        ),
        pytest.param(
            lambda c: signed_post(c, "v3/push/app", {}, secret_key="wrong"),
            1008003,
            id="sign-wrong-secret",
        ),
        pytest.param(
            lambda c: basic_post(c, "v3/push/app", {}, access_id="1599999999"),
            1008035,
            id="basic-unknown-app",
        ),
        pytest.param(
            lambda c: signed_post(c, "v3/push/app", {}, access_id="1599999999"),
            1008035,
            id="sign-unknown-app",
        ),
        pytest.param(
            lambda c: signed_post(c, "v3/push/app", {}, now=time.time() - 601),
            1008003,
            id="clock-behind",
        ),
        pytest.param(
            lambda c: signed_post(c, "v3/push/app", {}, now=time.time() + 601),
            1008003,
            id="clock-ahead",
        ),
        pytest.param(
            lambda c: c.post("/sandbox/v3/push/app", data=b"{}", content_type="application/json"),
            1008003,
            id="no-auth",
        ),
        pytest.param(
            lambda c: c.post(
                "/sandbox/v3/push/app",
                data=b"{}",
                content_type="application/json",
                headers={"Authorization": "Basic !!!"},
            ),
            1008003,
            id="garbled-basic",
        ),
        pytest.param(
            lambda c: c.post(
                "/sandbox/v3/push/app",
                data=b"{}",
                content_type="application/json",
                headers={"AccessId": ACCESS_ID, "TimeStamp": "soon", "Sign": "x"},
            ),
            1008003,
            id="bad-timestamp",
        ),
    ],
)
def test_auth_failures_answer_a_full_push_error(
    client: Client, sandbox_app: SandboxApp, send: Any, code: int
) -> None:
    response = send(client)

    body = response.json()
    assert response.status_code == 200
    assert set(body) == PUSH_KEYS
    assert (body["ret_code"], body["push_id"]) == (code, "")
    assert body["err_msg"] in {"auth failure", "accessId is not correct or domain not correct"}


def test_the_clock_window_is_configurable(
    client: Client, sandbox_app: SandboxApp, settings: Any
) -> None:
    device_for(sandbox_app, "alice")
    settings.SANDBOX_CLOCK_SKEW_SECONDS = 60

    late = signed_post(client, "v3/push/app", account_push(["alice"]), now=time.time() - 120)
    recent = signed_post(client, "v3/push/app", account_push(["alice"]), now=time.time() - 30)

    assert late.json()["ret_code"] == 1008003
    assert recent.json()["ret_code"] == 0


def test_auth_failures_can_answer_403(
    client: Client, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_AUTH_FAILURE_STATUS = 403

    response = basic_post(client, "v3/push/app", {}, secret_key="wrong")

    assert response.status_code == 403
    assert response.json()["ret_code"] == 1008003


def test_upload_auth_failure_is_camel_case(client: Client, sandbox_app: SandboxApp) -> None:
    response = upload(client, b"alice\n", secret_key="wrong")

    assert response.json() == {"retCode": 1008003, "errMsg": "auth failure"}


def test_a_signed_upload_is_checked_over_the_multipart_bytes(
    client: Client, sandbox_app: SandboxApp
) -> None:
    good = upload(client, b"alice\nbob\n", signed=True)
    bad = upload(client, b"alice\nbob\n", signed=True, secret_key="wrong")

    assert good.json()["retCode"] == 0
    assert bad.json()["retCode"] == 1008003


@pytest.mark.parametrize(
    "path",
    [
        "v3/push/app",
        "v3/push/package/upload",
        "v3/device/account/batchoperate",
        "v3/device/account/query",
        "v3/statistics/get_push_record",
        "v3/push/cancel_timing_task",
    ],
)
def test_other_methods_are_not_allowed(client: Client, path: str) -> None:
    response = client.get(f"/sandbox/{path}")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
