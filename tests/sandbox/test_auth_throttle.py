"""Failed authentications are throttled per AccessID and client address."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from pushes.sandbox import services
from pushes.sandbox.models import SandboxApp, SandboxPush, Upload
from tests.sandbox.helpers import account_push, basic_post, device_for, signed_post, upload

pytestmark = pytest.mark.django_db

LIMIT = 3
PUSH = account_push(["alice"])


@pytest.fixture
def throttled(settings: Any, sandbox_app: SandboxApp) -> SandboxApp:
    settings.SANDBOX_AUTH_FAILURE_LIMIT = LIMIT
    settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = 60
    device_for(sandbox_app, "alice")
    return sandbox_app


def fail(client: Client, times: int = LIMIT) -> list[int]:
    return [
        basic_post(client, "v3/push/app", PUSH, secret_key="guess").json()["ret_code"]
        for _ in range(times)
    ]


def test_after_the_limit_even_the_right_secret_is_refused_unchecked(
    client: Client, throttled: SandboxApp, django_assert_num_queries: Any
) -> None:
    failures = fail(client)
    # Not even the AccessID is looked up: the one query reads the failure count.
    with django_assert_num_queries(1) as queries:
        locked = basic_post(client, "v3/push/app", PUSH)
    assert "sandbox_ratewindow" in queries.captured_queries[0]["sql"]

    assert failures == [1008003] * LIMIT
    assert locked.status_code == 200
    assert (locked.json()["ret_code"], locked.json()["err_msg"]) == (1008028, "request too fast")
    assert not SandboxPush.objects.exists()


def test_failures_below_the_limit_do_not_lock(client: Client, throttled: SandboxApp) -> None:
    failures = fail(client, LIMIT - 1)

    assert failures == [1008003] * (LIMIT - 1)
    assert basic_post(client, "v3/push/app", PUSH).json()["ret_code"] == 0


def test_forged_signatures_lock_the_signature_scheme_too(
    client: Client, throttled: SandboxApp
) -> None:
    forged = [
        signed_post(client, "v3/push/app", PUSH, secret_key="guess").json()["ret_code"]
        for _ in range(LIMIT)
    ]
    locked = signed_post(client, "v3/push/app", PUSH).json()

    assert forged == [1008003] * LIMIT
    assert locked["ret_code"] == 1008028


def test_unknown_access_ids_count_as_failures(client: Client, throttled: SandboxApp) -> None:
    unknown = [
        basic_post(client, "v3/push/app", PUSH, access_id="1599999999").json()["ret_code"]
        for _ in range(LIMIT)
    ]
    locked = basic_post(client, "v3/push/app", PUSH, access_id="1599999999").json()

    assert unknown == [1008035] * LIMIT
    assert locked["ret_code"] == 1008028


def test_the_lock_is_per_access_id_and_address(throttled: SandboxApp) -> None:
    services.ensure_app(access_id="1500000002", secret_key="other-secret")
    device_for(SandboxApp.objects.get(access_id="1500000002"), "alice")
    here, elsewhere = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    fail(here)

    same = basic_post(here, "v3/push/app", PUSH).json()
    other_address = basic_post(elsewhere, "v3/push/app", PUSH).json()
    other_app = basic_post(
        here, "v3/push/app", PUSH, access_id="1500000002", secret_key="other-secret"
    ).json()

    assert same["ret_code"] == 1008028
    assert (other_address["ret_code"], other_app["ret_code"]) == (0, 0)


def test_the_lock_ends_with_the_window(
    client: Client, throttled: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = 1
    fail(client)
    locked = basic_post(client, "v3/push/app", PUSH).json()
    time.sleep(1.1)
    later = basic_post(client, "v3/push/app", PUSH).json()

    assert (locked["ret_code"], later["ret_code"]) == (1008028, 0)


def test_a_locked_upload_is_refused_in_camel_case(client: Client, throttled: SandboxApp) -> None:
    fail(client)

    body = upload(client, b"alice\n").json()

    assert body == {"retCode": 1008028, "errMsg": "request too fast"}
    assert not Upload.objects.exists()


def test_a_limit_of_zero_turns_the_throttle_off(
    client: Client, throttled: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_AUTH_FAILURE_LIMIT = 0
    fail(client, LIMIT * 2)

    assert basic_post(client, "v3/push/app", PUSH).json()["ret_code"] == 0


def test_the_lock_answers_with_the_auth_failure_status(
    client: Client, throttled: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_AUTH_FAILURE_STATUS = 403
    fail(client)

    locked = basic_post(client, "v3/push/app", PUSH)

    assert (locked.status_code, locked.json()["ret_code"]) == (403, 1008028)
