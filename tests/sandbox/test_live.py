"""The sandbox over real HTTP: signed requests, the project's TPNS client, dropped connections."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from django.utils import timezone

from pushes.sandbox import services
from pushes.sandbox.models import Delivery, SandboxApp, SandboxPush
from pushes.tpns import signing
from pushes.tpns.schema import TPNS_TIMEZONE
from tests.sandbox.helpers import ACCESS_ID, SECRET_KEY, account_push, device_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base_url(live_server: Any, settings: Any) -> str:
    settings.TPNS_SANDBOX_BASE_URL = f"{live_server.url}/sandbox"
    return settings.TPNS_SANDBOX_BASE_URL


def post_signed(
    base_url: str, path: str, payload: dict[str, Any], **kwargs: Any
) -> requests.Response:
    body = json.dumps(payload).encode()
    headers = signing.signature_headers(access_id=ACCESS_ID, secret_key=SECRET_KEY, body=body)
    return requests.post(f"{base_url}/{path}", data=body, headers=headers, timeout=10, **kwargs)


def test_a_signed_push_over_http(base_url: str, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")

    response = post_signed(base_url, "v3/push/app", account_push(["alice"]))

    body = response.json()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert body["ret_code"] == 0
    assert Delivery.objects.get().device == phone


def test_the_project_client_against_the_sandbox(base_url: str, sandbox_app: SandboxApp) -> None:
    from pushes.tpns import client
    from pushes.tpns.hosts import Credentials
    from pushes.tpns.schema import Message, PushRequest

    device_for(sandbox_app, "alice")
    device_for(sandbox_app, "bob")
    creds = Credentials(access_id=ACCESS_ID, secret_key=SECRET_KEY, gateway="sandbox")

    uploaded = client.upload_package(creds, io.BytesIO(b"alice\nbob\ncarol\n"), "accounts.txt")
    result = client.push(
        creds,
        PushRequest(
            "package_account_push",
            "notify",
            Message("Hello", "From the client"),
            upload_id=uploaded.upload_id,
        ),
    )
    assert isinstance(result.push_id, str)
    record = client.get_push_record(creds, push_id=result.push_id).records[0]
    tokens = client.account_query(creds, accounts=["alice"]).account_tokens

    assert (result.ret_code, record.push_id, record.title) == (0, result.push_id, "Hello")
    assert record.upload_id == uploaded.upload_id
    assert len(tokens["alice"]) == 1
    push = SandboxPush.objects.get(push_id=result.push_id)
    assert (push.targeted, push.delivered, push.unbound) == (3, 2, 1)


def test_a_drop_fault_closes_the_connection(
    base_url: str, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_FAULTS_ENABLED = True
    device_for(sandbox_app, "alice")
    services.add_fault(sandbox_app, "push", "drop", after_apply=True)

    with pytest.raises(requests.ConnectionError):
        post_signed(base_url, "v3/push/app", account_push(["alice"]))

    assert SandboxPush.objects.count() == 1


def test_a_sleep_fault_outlasts_the_read_timeout(
    base_url: str, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_FAULTS_ENABLED = True
    device_for(sandbox_app, "alice")
    services.add_fault(sandbox_app, "push", "sleep", seconds=1.0)

    body = json.dumps(account_push(["alice"])).encode()
    headers = signing.signature_headers(access_id=ACCESS_ID, secret_key=SECRET_KEY, body=body)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{base_url}/v3/push/app", data=body, headers=headers, timeout=(3, 0.3))


def test_the_client_reads_statistics_from_the_sandbox(
    base_url: str, sandbox_app: SandboxApp, settings: Any
) -> None:
    from pushes.tpns import client
    from pushes.tpns.errors import PermanentTpnsError, TransientTpnsError
    from pushes.tpns.hosts import Credentials

    sandbox_app.arrival_rate, sandbox_app.click_rate, sandbox_app.clear_rate = 1.0, 0.5, 0.5
    sandbox_app.arrival_delay_seconds = sandbox_app.engage_delay_seconds = 0
    sandbox_app.save()
    devices = [device_for(sandbox_app, f"user{i}") for i in range(6)]
    push_id = post_signed(
        base_url, "v3/push/app", account_push([f"user{i}" for i in range(6)], plan_id="p1")
    ).json()["push_id"]
    creds = Credentials(access_id=ACCESS_ID, secret_key=SECRET_KEY, gateway="sandbox")

    task = client.get_push_task_stat_channel(creds, push_id)
    day = timezone.now().astimezone(TPNS_TIMEZONE).date()
    plan = client.get_push_group_stat_channel(creds, plan_id="p1", start_date=day, end_date=day)

    assert task.total is not None and plan.total is not None
    assert (task.total.planned, task.total.sent, task.total.arrived) == (6, 6, 6)
    assert task.total.clicked + task.total.cleared == 6
    assert {c.channel for c in task.channels} == {d.channel for d in devices} | {"all"}
    assert plan.total == task.total
    with pytest.raises(PermanentTpnsError) as unknown:
        client.get_push_task_stat_channel(creds, "404")
    assert unknown.value.ret_code == 1008015
    settings.SANDBOX_STATISTICS_CALLS_PER_HOUR = 2
    with pytest.raises(TransientTpnsError) as too_fast:
        client.get_push_task_stat_channel(creds, push_id)
    assert too_fast.value.ret_code == 1008028


def test_the_client_reads_a_tokens_pushes_of_today(base_url: str, sandbox_app: SandboxApp) -> None:
    from pushes.tpns import client
    from pushes.tpns.hosts import Credentials

    phone = device_for(sandbox_app, "alice")
    first = post_signed(base_url, "v3/push/app", account_push(["alice"])).json()["push_id"]
    second = post_signed(base_url, "v3/push/app", account_push(["alice", "bob"])).json()["push_id"]
    creds = Credentials(access_id=ACCESS_ID, secret_key=SECRET_KEY, gateway="sandbox")

    pushes = client.get_push_list_by_token(creds, phone.token)

    assert [(p.push_id, p.target_type) for p in pushes] == [
        (first, "ACCOUNT_PUSH"),
        (second, "ACCOUNT_LIST_PUSH"),
    ]
    assert all(abs(p.push_time - timezone.now().timestamp()) < 60 for p in pushes)
    assert client.get_push_list_by_token(creds, "unknown-token") == []
    missing = post_signed(base_url, "v3/toolbox/getPushListByToken", {}).json()
    assert missing == {"retCode": 1008002, "errMsg": "missing parameter"}
