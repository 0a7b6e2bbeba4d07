"""What the console's Sandbox page changes in the sandbox: Open and Dismiss on a delivery, the
engagement model, new devices; and how the page lists devices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from pushes.sandbox import selectors, services
from pushes.sandbox.errors import AlreadyHandled
from pushes.sandbox.models import AccountBinding, Delivery, SandboxApp
from tests.sandbox.helpers import account_push, device_for, signed_post

pytestmark = pytest.mark.django_db


def all_channels(client: Client, push_id: str) -> dict[str, int]:
    body = signed_post(client, "v3/statistics/get_push_task_stat_channel", {"pushId": push_id})
    rows = {row["channel"]: row["pushState"] for row in body.json()["pushStatDataAll"]}
    return rows["all"]


def quiet(app: SandboxApp) -> None:
    """Nothing arrives by itself: every event on the page is a person's."""
    app.arrival_rate, app.click_rate, app.clear_rate = 0.0, 0.0, 0.0
    app.save()


def sent_to(client: Client, app: SandboxApp, *accounts: str) -> tuple[str, list[Delivery]]:
    for account in accounts:
        device_for(app, account)
    push_id = signed_post(client, "v3/push/app", account_push(list(accounts))).json()["push_id"]
    return push_id, list(Delivery.objects.filter(push__push_id=push_id).order_by("account"))


# Open and Dismiss -------------------------------------------------------------------


def test_open_clicks_now_and_the_statistics_count_it(
    client: Client, sandbox_app: SandboxApp
) -> None:
    quiet(sandbox_app)
    push_id, (alice, bob) = sent_to(client, sandbox_app, "alice", "bob")
    before = all_channels(client, push_id)

    services.delivery_open(delivery=alice)

    after = all_channels(client, push_id)
    assert (before["arrivalUv"], before["clickUv"], before["cleanupUv"]) == (0, 0, 0)
    assert (after["arrivalUv"], after["clickUv"], after["cleanupUv"]) == (1, 1, 0)
    assert after["pushActiveUv"] == 2
    alice.refresh_from_db()
    assert alice.clicked_at is not None and alice.arrived_at == alice.clicked_at
    assert alice.cleared_at is None


def test_dismiss_clears_now_and_the_statistics_count_it(
    client: Client, sandbox_app: SandboxApp
) -> None:
    quiet(sandbox_app)
    push_id, (alice, _bob) = sent_to(client, sandbox_app, "alice", "bob")

    services.delivery_dismiss(delivery=alice)

    after = all_channels(client, push_id)
    assert (after["arrivalUv"], after["clickUv"], after["cleanupUv"]) == (1, 0, 1)


def test_pressing_open_again_changes_nothing(client: Client, sandbox_app: SandboxApp) -> None:
    quiet(sandbox_app)
    _push_id, (alice,) = sent_to(client, sandbox_app, "alice")
    first = services.delivery_open(delivery=alice, now=timezone.now() - timedelta(minutes=1))
    opened_at = first.clicked_at

    again = services.delivery_open(delivery=alice)

    assert again.clicked_at == opened_at and again.arrived_at == opened_at


def test_an_opened_delivery_cannot_be_dismissed_nor_the_other_way_round(
    client: Client, sandbox_app: SandboxApp
) -> None:
    quiet(sandbox_app)
    _push_id, (alice, bob) = sent_to(client, sandbox_app, "alice", "bob")
    services.delivery_open(delivery=alice)
    services.delivery_dismiss(delivery=bob)

    with pytest.raises(AlreadyHandled):
        services.delivery_dismiss(delivery=alice)
    with pytest.raises(AlreadyHandled):
        services.delivery_open(delivery=bob)

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.clicked_at is not None and alice.cleared_at is None
    assert bob.cleared_at is not None and bob.clicked_at is None


def test_a_persons_action_replaces_the_models_event_still_to_come(
    client: Client, sandbox_app: SandboxApp
) -> None:
    quiet(sandbox_app)
    _push_id, (alice,) = sent_to(client, sandbox_app, "alice")
    now = timezone.now()
    arrived = now - timedelta(seconds=30)
    Delivery.objects.filter(pk=alice.pk).update(
        arrived_at=arrived, cleared_at=now + timedelta(minutes=3)
    )

    opened = services.delivery_open(delivery=alice, now=now)

    # It had arrived already: that time stays. The clear the model drew never happens.
    assert (opened.arrived_at, opened.clicked_at, opened.cleared_at) == (arrived, now, None)


def test_an_arrival_still_to_come_is_brought_forward(
    client: Client, sandbox_app: SandboxApp
) -> None:
    quiet(sandbox_app)
    _push_id, (alice,) = sent_to(client, sandbox_app, "alice")
    now = timezone.now()
    Delivery.objects.filter(pk=alice.pk).update(arrived_at=now + timedelta(minutes=1))

    dismissed = services.delivery_dismiss(delivery=alice, now=now)

    assert (dismissed.arrived_at, dismissed.cleared_at) == (now, now)


# The engagement model --------------------------------------------------------------


def test_the_engagement_model_is_saved(sandbox_app: SandboxApp) -> None:
    services.app_set_engagement(
        app=sandbox_app,
        arrival_rate=0.9,
        click_rate=0.25,
        clear_rate=0.5,
        arrival_delay_seconds=0,
        engage_delay_seconds=600,
    )

    saved = SandboxApp.objects.get(pk=sandbox_app.pk)
    assert (saved.arrival_rate, saved.click_rate, saved.clear_rate) == (0.9, 0.25, 0.5)
    assert (saved.arrival_delay_seconds, saved.engage_delay_seconds) == (0, 600)


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"arrival_rate": 1.5}, {"arrival_rate"}),
        ({"click_rate": -0.1}, {"click_rate"}),
        ({"click_rate": 0.7, "clear_rate": 0.5}, {"clear_rate"}),
        ({"engage_delay_seconds": 86_401}, {"engage_delay_seconds"}),
        ({"arrival_delay_seconds": -1}, {"arrival_delay_seconds"}),
    ],
)
def test_a_bad_engagement_model_is_refused_field_by_field(
    sandbox_app: SandboxApp, values: dict[str, Any], fields: set[str]
) -> None:
    model: dict[str, Any] = {
        "arrival_rate": 0.95,
        "click_rate": 0.08,
        "clear_rate": 0.15,
        "arrival_delay_seconds": 5,
        "engage_delay_seconds": 180,
    }

    with pytest.raises(ValidationError) as refused:
        services.app_set_engagement(app=sandbox_app, **{**model, **values})

    assert set(refused.value.message_dict) == fields
    saved = SandboxApp.objects.get(pk=sandbox_app.pk)
    assert (saved.click_rate, saved.engage_delay_seconds) == (0.08, 180)


# Devices ---------------------------------------------------------------------------


def test_add_device_registers_it_with_its_channel_and_binds_the_account(
    sandbox_app: SandboxApp,
) -> None:
    device = services.device_add(
        app=sandbox_app, platform="ios", label="Test iPhone", account="alice", account_type=1002
    )

    assert (device.platform, device.channel, device.label) == ("ios", "apns", "Test iPhone")
    assert len(device.token) == 36
    binding = AccountBinding.objects.get(device=device)
    assert (binding.account, binding.account_type) == ("alice", 1002)


def test_add_device_refuses_a_token_already_registered(sandbox_app: SandboxApp) -> None:
    existing = device_for(sandbox_app, "alice")

    with pytest.raises(ValidationError) as refused:
        services.device_add(app=sandbox_app, token=existing.token, account="bob")

    assert set(refused.value.message_dict) == {"token"}
    assert not AccountBinding.objects.filter(account="bob").exists()


def test_devices_are_listed_oldest_first_with_each_accounts_latest_device_marked(
    sandbox_app: SandboxApp,
) -> None:
    now = timezone.now()
    first = services.device_add(app=sandbox_app, label="first")
    second = services.device_add(app=sandbox_app, label="second")
    third = services.device_add(app=sandbox_app, label="third")
    services.bind(app=sandbox_app, account="bob", device=first, at=now - timedelta(hours=2))
    services.bind(app=sandbox_app, account="bob", device=second, at=now - timedelta(hours=1))
    services.bind(app=sandbox_app, account="carol", device=first, account_type=1, at=now)
    services.bind(app=sandbox_app, account="carol", device=third, at=now)

    devices = selectors.inbox_devices(app=sandbox_app)

    assert [d.label for d in devices] == ["first", "second", "third"]
    latest = {
        (d.label, b.account, b.account_type): b.is_latest  # type: ignore[attr-defined]
        for d in devices
        for b in d.bindings.all()
    }
    assert latest == {
        ("first", "bob", 0): False,
        ("second", "bob", 0): True,
        # Another account type is another account.
        ("first", "carol", 1): True,
        ("third", "carol", 0): True,
    }


def test_with_many_devices_the_newest_are_shown_oldest_first(sandbox_app: SandboxApp) -> None:
    for n in range(5):
        services.device_add(app=sandbox_app, label=f"device {n}")

    devices = selectors.inbox_devices(app=sandbox_app, limit=3)

    assert [d.label for d in devices] == ["device 2", "device 3", "device 4"]


def test_the_inbox_shows_only_events_whose_time_has_come(
    client: Client, sandbox_app: SandboxApp
) -> None:
    quiet(sandbox_app)
    _push_id, (alice,) = sent_to(client, sandbox_app, "alice")
    now = timezone.now()
    Delivery.objects.filter(pk=alice.pk).update(
        arrived_at=now - timedelta(seconds=5), clicked_at=now + timedelta(minutes=2)
    )

    (device,) = selectors.inbox_devices(app=sandbox_app, now=now)

    (shown,) = device.recent_deliveries  # type: ignore[attr-defined]
    assert shown.arrived_by_now == now - timedelta(seconds=5)
    assert shown.clicked_by_now is None and shown.cleared_by_now is None
