"""`v3/statistics/get_push_task_stat_channel` and `get_push_group_stat_channel` (§8.2), the
vendor channel of each device and the engagement model behind the figures."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pushes.sandbox import engagement, services
from pushes.sandbox.models import Delivery, SandboxApp, SandboxPush
from pushes.tpns.schema import TPNS_TIMEZONE
from tests.sandbox.helpers import account_push, device_for, signed_post

pytestmark = pytest.mark.django_db

STATE_KEYS = {
    "pushActiveUv", "pushOnlineUv", "arrivalUv", "verifySvcUv", "callbackVerifySvcUv",
    "verifyUv", "clickUv", "cleanupUv",
}  # fmt: skip


def stat(client: Client, **payload: Any) -> dict[str, Any]:
    return signed_post(client, "v3/statistics/get_push_task_stat_channel", payload).json()


def group_stat(client: Client, **payload: Any) -> dict[str, Any]:
    return signed_post(client, "v3/statistics/get_push_group_stat_channel", payload).json()


def send(client: Client, accounts: list[str], **fields: Any) -> str:
    push_id: str = signed_post(client, "v3/push/app", account_push(accounts, **fields)).json()[
        "push_id"
    ]
    return push_id


def engaged(app: SandboxApp, **rates: float) -> None:
    for name, value in rates.items():
        setattr(app, name, value)
    app.arrival_delay_seconds = app.engage_delay_seconds = 0
    app.save()


def by_channel(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {row["channel"]: row["pushState"] for row in body["pushStatDataAll"]}


def test_every_documented_field_per_channel_and_all(
    client: Client, sandbox_app: SandboxApp
) -> None:
    engaged(sandbox_app, arrival_rate=1.0, click_rate=1.0, clear_rate=0.0)
    devices = [device_for(sandbox_app, f"user{i}") for i in range(12)]
    push_id = send(client, [f"user{i}" for i in range(12)])

    body = stat(client, pushId=push_id)

    assert (body["retCode"], body["errMsg"]) == (0, "NO_ERROR")
    rows = by_channel(body)
    assert all(set(state) == STATE_KEYS for state in rows.values())
    channels = {d.channel for d in devices}
    assert set(rows) == channels | {"all"}
    for channel in channels:
        count = sum(d.channel == channel for d in devices)
        state = rows[channel]
        assert (state["pushActiveUv"], state["pushOnlineUv"]) == (count, count)
        assert (state["arrivalUv"], state["clickUv"], state["cleanupUv"]) == (count, count, 0)
    assert rows["all"]["pushActiveUv"] == rows["all"]["clickUv"] == 12


def test_figures_grow_as_events_come_due_and_stay_consistent(
    client: Client, sandbox_app: SandboxApp
) -> None:
    for i in range(40):
        device_for(sandbox_app, f"user{i}")
    push_id = send(client, [f"user{i}" for i in range(40)])
    push = SandboxPush.objects.get(push_id=push_id)
    deliveries = Delivery.objects.filter(push=push)
    deliveries.update(arrived_at=None, clicked_at=None, cleared_at=None)
    soon = timezone.now() + timedelta(minutes=5)
    deliveries.filter(id__in=list(deliveries.values_list("id", flat=True)[:10])).update(
        arrived_at=timezone.now() - timedelta(seconds=1), clicked_at=soon
    )

    before = by_channel(stat(client, pushId=push_id))["all"]
    deliveries.filter(clicked_at=soon).update(clicked_at=timezone.now())
    after = by_channel(stat(client, pushId=push_id))["all"]

    assert (before["pushActiveUv"], before["arrivalUv"], before["clickUv"]) == (40, 10, 0)
    assert after["clickUv"] == 10
    assert after["pushActiveUv"] >= after["pushOnlineUv"] >= after["arrivalUv"] >= after["clickUv"]


def test_unknown_other_apps_and_old_pushes_are_1008015(
    client: Client, sandbox_app: SandboxApp
) -> None:
    other = services.ensure_app(access_id="1500000002", secret_key="other-secret")
    device_for(other, "alice")
    other_push = signed_post(
        client,
        "v3/push/app",
        account_push(["alice"]),
        access_id=other.access_id,
        secret_key="other-secret",
    ).json()["push_id"]
    device_for(sandbox_app, "bob")
    old = send(client, ["bob"])
    SandboxPush.objects.filter(push_id=old).update(created_at=timezone.now() - timedelta(days=31))

    for push_id in ("404", other_push, old):
        assert stat(client, pushId=push_id) == {"retCode": 1008015, "errMsg": "push id not exist"}
    assert stat(client)["retCode"] == 1008002


def test_the_hourly_limit_answers_1008028(
    client: Client, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_STATISTICS_CALLS_PER_HOUR = 3
    device_for(sandbox_app, "alice")
    push_id = send(client, ["alice"])

    codes = [stat(client, pushId=push_id)["retCode"] for _ in range(4)]

    assert codes == [0, 0, 0, 1008028]
    assert group_stat(client, planId="p", startDate="20260101", endDate="20260101") == {
        "retCode": 1008028,
        "errMsg": "request too fast",
    }


def test_a_plan_sums_its_pushes_of_the_last_seven_days(
    client: Client, sandbox_app: SandboxApp
) -> None:
    engaged(sandbox_app, arrival_rate=1.0, click_rate=0.0, clear_rate=1.0)
    for name in ("alice", "bob", "carol"):
        device_for(sandbox_app, name)
    send(client, ["alice", "bob"], plan_id="spring")
    send(client, ["carol"], plan_id="spring")
    send(client, ["alice"], plan_id="autumn")
    day = timezone.now().astimezone(TPNS_TIMEZONE).strftime("%Y%m%d")

    body = group_stat(client, planId="spring", startDate=day, endDate=day)

    total = by_channel(body)["all"]
    assert (body["retCode"], total["pushActiveUv"], total["cleanupUv"]) == (0, 3, 3)
    assert group_stat(client, planId="spring", startDate="2026-01-01", endDate=day)["retCode"] == (
        1008016
    )
    assert group_stat(client, startDate=day, endDate=day)["retCode"] == 1008002


def test_devices_get_a_mix_of_vendor_channels(sandbox_app: SandboxApp) -> None:
    android = [services.register_device(app=sandbox_app) for _ in range(300)]
    iphone = services.register_device(app=sandbox_app, platform="ios")

    counts = {
        name: sum(d.channel == name for d in android) for name, _ in engagement.ANDROID_CHANNELS
    }
    assert iphone.channel == "apns"
    assert all(count > 0 for count in counts.values()), counts
    assert counts["xg"] > counts["fcm"]


def test_the_engagement_model_draws_consistent_outcomes() -> None:
    now = timezone.now()
    model = engagement.Model(
        arrival_rate=0.8, click_rate=0.2, clear_rate=0.3, arrival_delay=5, engage_delay=60
    )
    drawer = engagement.Drawer(model, now=now, rng=random.Random(7))

    outcomes = [drawer.draw() for _ in range(5000)]

    arrived = [o for o in outcomes if o.arrived_at]
    clicked = [o for o in arrived if o.clicked_at]
    cleared = [o for o in arrived if o.cleared_at]
    assert all(o.clicked_at is None and o.cleared_at is None for o in outcomes if not o.arrived_at)
    assert not any(o.clicked_at and o.cleared_at for o in outcomes)
    assert 0.77 < len(arrived) / 5000 < 0.83
    assert 0.17 < len(clicked) / len(arrived) < 0.23
    assert 0.27 < len(cleared) / len(arrived) < 0.33
    assert all(now <= o.arrived_at <= now + timedelta(seconds=50) for o in arrived if o.arrived_at)
    assert all(o.arrived_at and o.clicked_at and o.clicked_at >= o.arrived_at for o in clicked)


def test_engagement_model_problems() -> None:
    assert engagement.problems(arrival_rate=0.9, click_rate=0.1, clear_rate=0.2) == {}
    assert set(engagement.problems(arrival_rate=1.5, click_rate=-1, clear_rate=0.2)) == {
        "arrival_rate",
        "click_rate",
    }
    assert set(engagement.problems(arrival_rate=1, click_rate=0.7, clear_rate=0.5)) == {
        "clear_rate"
    }
