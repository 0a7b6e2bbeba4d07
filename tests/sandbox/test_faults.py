"""Fault plans: scripted misbehaviour of the sandbox for delivery tests."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from pushes.sandbox import services
from pushes.sandbox.models import FaultPlan, SandboxApp, SandboxPush
from tests.factories import AppFactory
from tests.sandbox.helpers import ACCESS_ID, account_push, device_for, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _faults_on(settings: Any) -> None:
    settings.SANDBOX_FAULTS_ENABLED = True


def send(client: Client) -> Any:
    return signed_post(client, "v3/push/app", account_push(["alice"]))


@pytest.fixture
def alice(sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")


@pytest.mark.usefixtures("alice")
def test_a_fault_is_used_count_times_then_the_call_works(
    client: Client, sandbox_app: SandboxApp
) -> None:
    services.add_fault(sandbox_app, "push", "http_500", count=2)

    statuses = [send(client).status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert SandboxPush.objects.count() == 1
    assert FaultPlan.objects.get().remaining == 0


@pytest.mark.usefixtures("alice")
def test_faults_apply_to_their_endpoint_only(client: Client, sandbox_app: SandboxApp) -> None:
    services.add_fault(sandbox_app, "upload", "http_500")

    assert send(client).json()["ret_code"] == 0


@pytest.mark.usefixtures("alice")
def test_faults_are_off_unless_enabled(
    client: Client, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_FAULTS_ENABLED = False
    services.add_fault(sandbox_app, "push", "http_500")

    assert send(client).status_code == 200
    assert FaultPlan.objects.get().remaining == 1


@pytest.mark.usefixtures("alice")
@pytest.mark.parametrize(
    ("action", "options", "check"),
    [
        ("http_500", {}, lambda r: r.status_code == 500),
        ("http_429", {}, lambda r: r.status_code == 429 and r["Retry-After"] == "1"),
        (
            "ret_code",
            {"ret_code": 1008004},
            lambda r: (
                r.json()["ret_code"] == 1008004 and r.json()["err_msg"] == "invoke service error"
            ),
        ),
        ("malformed_200", {}, lambda r: r.status_code == 200 and not _is_json(r.content)),
        ("drop", {}, lambda r: r.content == b"" and r["X-Sandbox-Fault"] == "drop"),
        ("sleep", {"seconds": 0.01}, lambda r: r.json()["ret_code"] == 1008004),
    ],
)
def test_before_apply_faults_record_nothing(
    client: Client, sandbox_app: SandboxApp, action: str, options: dict[str, Any], check: Any
) -> None:
    services.add_fault(sandbox_app, "push", action, **options)

    response = send(client)

    assert check(response)
    assert not SandboxPush.objects.exists()


@pytest.mark.usefixtures("alice")
@pytest.mark.parametrize(
    ("action", "check"),
    [
        ("http_500", lambda r: r.status_code == 500),
        ("http_429", lambda r: r.status_code == 429),
        ("drop", lambda r: r.content == b""),
        ("malformed_200", lambda r: r.status_code == 200 and not _is_json(r.content)),
    ],
)
def test_after_apply_faults_record_the_push(
    client: Client, sandbox_app: SandboxApp, action: str, check: Any
) -> None:
    services.add_fault(sandbox_app, "push", action, after_apply=True)

    response = send(client)

    assert check(response)
    assert SandboxPush.objects.get().delivered == 1


@pytest.mark.usefixtures("alice")
def test_after_apply_sleep_answers_late_but_truly(client: Client, sandbox_app: SandboxApp) -> None:
    services.add_fault(sandbox_app, "push", "sleep", seconds=0.2, after_apply=True)

    started = time.monotonic()
    body = send(client).json()

    assert time.monotonic() - started >= 0.2
    assert body["ret_code"] == 0
    assert SandboxPush.objects.filter(push_id=body["push_id"]).exists()


@pytest.mark.usefixtures("alice")
def test_an_after_apply_ret_code_hides_a_recorded_push(
    client: Client, sandbox_app: SandboxApp
) -> None:
    services.add_fault(sandbox_app, "push", "ret_code", ret_code=1008028, after_apply=True)

    body = send(client).json()

    assert (body["ret_code"], body["err_msg"], body["push_id"]) == (1008028, "request too fast", "")
    assert SandboxPush.objects.count() == 1


def test_upload_faults_use_camel_case(client: Client, sandbox_app: SandboxApp) -> None:
    from tests.sandbox.helpers import upload

    services.add_fault(sandbox_app, "upload", "ret_code", ret_code=1008011)

    assert upload(client, b"alice\n").json() == {"retCode": 1008011, "errMsg": "upload file error"}


def test_add_fault_takes_a_console_app_or_an_access_id(sandbox_app: SandboxApp) -> None:
    console_app = AppFactory(access_id=ACCESS_ID)

    by_app = services.add_fault(console_app, "push", "http_500")
    by_id = services.add_fault(ACCESS_ID, "get_push_record", "http_429", count=3)

    assert by_app.app == by_id.app == sandbox_app
    assert services.clear_faults(sandbox_app) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"endpoint": "nope", "action": "http_500"},
        {"endpoint": "push", "action": "explode"},
        {"endpoint": "push", "action": "ret_code"},
        {"endpoint": "push", "action": "http_500", "count": 0},
        {"endpoint": "push", "action": "sleep", "seconds": 1000},
    ],
)
def test_add_fault_refuses_nonsense(sandbox_app: SandboxApp, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        services.add_fault(sandbox_app, **kwargs)


def test_consuming_is_exact(sandbox_app: SandboxApp) -> None:
    services.add_fault(sandbox_app, "push", "http_500", count=2)
    services.add_fault(sandbox_app, "push", "http_429")

    taken = [services.consume_fault(app=sandbox_app, endpoint="push") for _ in range(4)]

    assert [plan.action if plan else None for plan in taken] == [
        "http_500",
        "http_500",
        "http_429",
        None,
    ]


def _is_json(content: bytes) -> bool:
    import json

    try:
        json.loads(content)
    except ValueError:
        return False
    return True
