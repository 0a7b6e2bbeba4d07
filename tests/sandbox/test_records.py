"""`v3/statistics/get_push_record`, scheduled pushes and `v3/push/cancel_timing_task` (§8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pushes.sandbox import services
from pushes.sandbox.models import Delivery, SandboxApp, SandboxPush
from pushes.tpns.schema import TPNS_TIMEZONE, format_send_time
from tests.sandbox.helpers import account_push, device_for, signed_post

pytestmark = pytest.mark.django_db

RECORD_KEYS = {
    "date", "pushId", "title", "content", "status", "pushType", "targetList", "tagSet",
    "uploadId", "groupId", "collapseID", "expireTime", "messageType", "xgMediaResources",
    "environment", "pushConfig", "multiPkg", "source",
}  # fmt: skip


def call(client: Client, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    return signed_post(client, path, payload).json()


def records(client: Client, **payload: Any) -> dict[str, Any]:
    return call(client, "v3/statistics/get_push_record", payload)


def today() -> str:
    return timezone.now().astimezone(TPNS_TIMEZONE).date().isoformat()


def test_a_record_by_push_id(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    push_id = call(client, "v3/push/app", account_push(["alice", "bob"], expire_time=3600))[
        "push_id"
    ]

    body = records(client, pushId=push_id)

    assert (body["retCode"], body["errMsg"], body["count"]) == (0, "NO_ERROR", 1)
    (record,) = body["pushRecordData"]
    assert set(record) == RECORD_KEYS
    assert record["pushId"] == push_id
    assert (record["title"], record["content"]) == ("Hello", "World")
    assert (record["status"], record["pushType"]) == ("PUSH_FINISHED", "account_list")
    assert record["targetList"] == ["alice", "bob"]
    assert (record["expireTime"], record["messageType"], record["environment"]) == (
        3600,
        "notify",
        "product",
    )


def test_an_unknown_push_id(client: Client, sandbox_app: SandboxApp) -> None:
    assert records(client, pushId="123") == {"retCode": 1008015, "errMsg": "push id not exist"}


def test_another_apps_push_is_not_found(client: Client, sandbox_app: SandboxApp) -> None:
    other = services.ensure_app(access_id="1500000002", secret_key="other-secret")
    device_for(other, "alice")
    push_id = signed_post(
        client,
        "v3/push/app",
        account_push(["alice"]),
        access_id=other.access_id,
        secret_key="other-secret",
    ).json()["push_id"]

    assert records(client, pushid=push_id)["retCode"] == 1008015


def test_records_in_a_time_window_newest_first(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    ids = [
        call(
            client,
            "v3/push/app",
            account_push(["alice"], message={"title": f"n{n}", "content": "c"}),
        )["push_id"]
        for n in range(3)
    ]

    page1 = records(client, startDate=today(), endDate=today(), offset=0, limit=2)
    page2 = records(client, startDate=today(), endDate=today(), offset=2, limit=2)

    assert page1["count"] == page2["count"] == 3
    assert [r["pushId"] for r in page1["pushRecordData"] + page2["pushRecordData"]] == ids[::-1]
    yesterday = (timezone.now().astimezone(TPNS_TIMEZONE) - timedelta(days=1)).date().isoformat()
    assert records(client, startDate=yesterday, endDate=yesterday)["count"] == 0


def test_records_filter_by_push_type(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    call(client, "v3/push/app", account_push(["alice"]))
    call(client, "v3/push/app", {"audience_type": "all", "message": {"title": "t", "content": "c"}})

    accounts = records(client, startDate=today(), endDate=today(), pushType="account")
    everyone = records(client, startDate=today(), endDate=today(), pushType="all")

    assert [r["pushType"] for r in accounts["pushRecordData"]] == ["account_list"]
    assert [r["pushType"] for r in everyone["pushRecordData"]] == ["all"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, 1008002),
        ({"startDate": "2024-01-01"}, 1008002),
        ({"startDate": "01/01/2024", "endDate": "2024-01-02"}, 1008016),
        ({"startDate": "2024-01-01", "endDate": "2024-01-02", "limit": 201}, 1008007),
        ({"startDate": "2024-01-01", "endDate": "2024-01-02", "offset": -1}, 1008007),
    ],
)
def test_record_request_errors(
    client: Client, sandbox_app: SandboxApp, payload: dict[str, Any], code: int
) -> None:
    assert records(client, **payload)["retCode"] == code


def scheduled_all(client: Client, hours: int = 1) -> str:
    later = format_send_time(timezone.now() + timedelta(hours=hours))
    body = call(
        client,
        "v3/push/app",
        {"audience_type": "all", "message": {"title": "Later", "content": "c"}, "send_time": later},
    )
    assert body["ret_code"] == 0
    return body["push_id"]


def test_a_scheduled_push_is_delivered_when_due(client: Client, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")
    push_id = scheduled_all(client)

    assert records(client, pushId=push_id)["pushRecordData"][0]["status"] == "PUSH_WAIT"
    assert services.deliver_due_scheduled() == 0
    assert not Delivery.objects.exists()

    assert services.deliver_due_scheduled(now=timezone.now() + timedelta(hours=2)) == 1
    assert services.deliver_due_scheduled(now=timezone.now() + timedelta(hours=2)) == 0

    assert list(Delivery.objects.values_list("device", "push__push_id")) == [(phone.pk, push_id)]
    assert records(client, pushId=push_id)["pushRecordData"][0]["status"] == "PUSH_FINISHED"


def test_cancel_a_scheduled_push(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    push_id = scheduled_all(client)

    body = call(client, "v3/push/cancel_timing_task", {"pushId": push_id})

    assert body == {"retCode": 0, "errMsg": "NO_ERROR", "ret_code": 0, "err_msg": "NO_ERROR"}
    assert records(client, pushId=push_id)["pushRecordData"][0]["status"] == "PUSH_CANCELED"
    assert services.deliver_due_scheduled(now=timezone.now() + timedelta(hours=2)) == 0
    assert not Delivery.objects.exists()


def test_cancel_errors(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    sent = call(client, "v3/push/app", account_push(["alice"]))["push_id"]

    assert call(client, "v3/push/cancel_timing_task", {})["retCode"] == 1008002
    assert call(client, "v3/push/cancel_timing_task", {"pushid": "42"})["retCode"] == 1008015
    assert call(client, "v3/push/cancel_timing_task", {"pushId": sent})["ret_code"] == 1008007


def test_a_scheduled_push_can_be_delivered_at_once(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    push = SandboxPush.objects.get(push_id=scheduled_all(client))

    counts = services.push_deliver_now(push=push)

    assert (counts.targeted, counts.delivered) == (1, 1)


def test_an_absurd_offset_is_an_invalid_parameter(client: Client, sandbox_app: SandboxApp) -> None:
    body = records(client, startDate=today(), endDate=today(), offset=10**30, limit=10)
    assert body["retCode"] == 1008007


def test_a_non_ascii_digit_timestamp_is_an_auth_failure(
    client: Client, sandbox_app: SandboxApp
) -> None:
    from tests.sandbox.helpers import ACCESS_ID

    response = client.post(
        "/sandbox/v3/statistics/get_push_record",
        data=b'{"pushId":"1"}',
        content_type="application/json",
        headers={"AccessId": ACCESS_ID, "TimeStamp": "\u00b2", "Sign": "x"},
    )
    assert response.json()["retCode"] == 1008003
