"""`v3/push/app`: answer shape, the validation order of §14.3, and who receives what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pushes.sandbox import services
from pushes.sandbox.models import Delivery, Device, SandboxApp, SandboxPush
from pushes.tpns.schema import format_send_time
from tests.sandbox.helpers import account_push, basic_post, device_for, signed_post

pytestmark = pytest.mark.django_db

PUSH_KEYS = {"seq", "push_id", "ret_code", "err_msg", "environment", "result"}


def push(client: Client, payload: dict[str, Any] | bytes) -> dict[str, Any]:
    response = signed_post(client, "v3/push/app", payload)
    assert response.status_code == 200
    return response.json()


def received(device: Device) -> list[str]:
    return list(Delivery.objects.filter(device=device).values_list("push__push_id", flat=True))


def test_a_push_answers_every_documented_key(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")

    body = push(client, account_push(["alice"], seq=42, environment="dev"))

    assert set(body) == PUSH_KEYS
    assert body["ret_code"] == 0
    assert body["err_msg"] == "NO_ERROR"
    assert body["seq"] == 42
    assert body["environment"] == "dev"
    assert body["result"] == "{}"
    assert body["push_id"].isdigit()
    assert 15 <= len(body["push_id"]) <= 19
    assert int(body["push_id"]) < 2**63


def test_the_xinge_client_format_is_accepted(client: Client, sandbox_app: SandboxApp) -> None:
    """No message_type, no environment, legacy platform and subtitle keys (§12.1)."""
    device_for(sandbox_app, "user_1")
    payload = {
        "audience_type": "account",
        "account_list": ["user_1"],
        "account_push_type": 1,
        "platform": "android",
        "message": {"title": "t", "subtitle": "", "content": "c"},
    }

    response = basic_post(client, "v3/push/app", payload)

    body = response.json()
    assert (body["ret_code"], body["err_msg"], body["seq"], body["environment"]) == (
        0,
        "NO_ERROR",
        0,
        "",
    )
    stored = SandboxPush.objects.get(push_id=body["push_id"])
    assert (stored.message_type, stored.environment) == ("notify", "product")


def test_legacy_fields_are_ignored(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    legacy = {
        "platform": "all",
        "stat_tag": "x",
        "loop_times": 2,
        "loop_interval": 1,
        "push_id": "0",
        "badge_type": -1,
        "trace_id": "t",
    }

    body = push(client, account_push(["alice"], **legacy))

    assert body["ret_code"] == 0


FOUR_KB = "x" * 4097
PAST = format_send_time(timezone.now() - timedelta(minutes=20))
MESSAGE = {"title": "Hi", "content": "There"}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        # 1. parse
        (b"{not json", 1008001),
        (b"[1, 2]", 1008001),
        (b"\xff\xfe", 1008001),
        (b"", 1008001),
        # 2. audience_type / message missing
        ({}, 1008002),
        ({"audience_type": "account"}, 1008002),
        ({"message": MESSAGE}, 1008002),
        # 3. audience_type unknown (or of the wrong type)
        ({"audience_type": "everyone", "message": MESSAGE}, 1008007),
        ({"audience_type": ["account"], "message": MESSAGE}, 1008007),
        ({"audience_type": "account", "message": "hello"}, 1008007),
        ({"audience_type": "all", "message": MESSAGE, "message_type": "toast"}, 1008007),
        # 4. account_list missing or empty
        ({"audience_type": "account", "message": MESSAGE}, 1008002),
        ({"audience_type": "account_list", "account_list": [], "message": MESSAGE}, 1008002),
        # 5. more than 1000 accounts, or entries that are not accounts
        (account_push([f"user{n}" for n in range(1001)]), 1008007),
        (account_push([{"account": "alice"}]), 1008007),
        (account_push(["a" * 101]), 1008007),
        # 6. upload_id
        ({"audience_type": "package_account_push", "message": MESSAGE}, 1008002),
        (
            {"audience_type": "package_account_push", "upload_id": 999999, "message": MESSAGE},
            1008007,
        ),
        (
            {"audience_type": "package_account_push", "upload_id": "abc", "message": MESSAGE},
            1008007,
        ),
        # 7. account_push_type
        (account_push(["alice"], account_push_type=2), 1008007),
        (account_push(["alice"], account_push_type="all"), 1008007),
        (account_push(["alice"], account_type=-1), 1008007),
        # 8. expire_time
        (account_push(["alice"], expire_time=259201), 1008007),
        # 9. push_speed
        ({"audience_type": "all", "message": MESSAGE, "push_speed": 999}, 1008007),
        ({"audience_type": "all", "message": MESSAGE, "push_speed": 50001}, 1008007),
        # 10. send_time
        (account_push(["alice"], send_time=PAST), 10010012),
        (account_push(["alice"], send_time="tomorrow"), 10010012),
        # 11. message size
        (account_push(["alice"], message={"title": "t", "content": FOUR_KB}), 1008007),
        # 13. no bound device
        (account_push(["nobody"]), 10010005),
        (account_push(["nobody", "nobody-else"]), 10010005),
    ],
)
def test_each_check_answers_its_documented_code(
    client: Client, sandbox_app: SandboxApp, payload: Any, code: int
) -> None:
    device_for(sandbox_app, "alice")

    body = push(client, payload)

    assert set(body) == PUSH_KEYS
    assert body["ret_code"] == code
    assert body["push_id"] == ""
    assert isinstance(body["err_msg"], str) and body["err_msg"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        # 4 before 7
        (
            {
                "audience_type": "account_list",
                "account_list": [],
                "account_push_type": 5,
                "message": MESSAGE,
            },
            1008002,
        ),
        # 6 before 10
        ({"audience_type": "package_account_push", "send_time": PAST, "message": MESSAGE}, 1008002),
        # 7 before 10
        (account_push(["alice"], account_push_type=5, send_time=PAST), 1008007),
        # 10 before 11
        (
            account_push(["alice"], send_time=PAST, message={"title": "t", "content": FOUR_KB}),
            10010012,
        ),
        # 11 before 13
        (account_push(["nobody"], message={"title": "t", "content": FOUR_KB}), 1008007),
        # 2 before 3
        ({"audience_type": "everyone"}, 1008002),
    ],
)
def test_the_first_failing_check_decides(
    client: Client, sandbox_app: SandboxApp, payload: Any, code: int
) -> None:
    device_for(sandbox_app, "alice")

    assert push(client, payload)["ret_code"] == code


def test_a_failed_push_is_not_recorded(client: Client, sandbox_app: SandboxApp) -> None:
    push(client, account_push(["nobody"]))

    assert not SandboxPush.objects.exists()
    assert not Delivery.objects.exists()


def test_an_error_echoes_seq_and_environment(client: Client, sandbox_app: SandboxApp) -> None:
    body = push(client, account_push(["nobody"], seq=7, environment="product"))

    assert (body["seq"], body["environment"], body["ret_code"]) == (7, "product", 10010005)


def test_odd_values_never_cause_a_server_error(client: Client, sandbox_app: SandboxApp) -> None:
    odd: list[dict[str, Any]] = [
        {"audience_type": {"x": 1}, "message": []},
        {"audience_type": "account", "account_list": "alice", "message": {}},
        {"audience_type": "account", "account_list": ["alice"], "message": {}, "seq": "abc"},
        {"audience_type": "account", "account_list": ["alice"], "message": {}, "expire_time": [1]},
        {"audience_type": "all", "message": {}, "loop_param": "daily"},
        {"audience_type": "all", "message": {}, "send_time": 12},
        {"audience_type": "account", "account_list": [None], "message": {}},
        {"audience_type": "account", "account_list": ["alice"], "message": {"title": 5}},
    ]
    for payload in odd:
        response = signed_post(client, "v3/push/app", payload)
        assert response.status_code == 200, payload
        assert set(response.json()) == PUSH_KEYS


def test_type_0_reaches_only_the_latest_device(client: Client, sandbox_app: SandboxApp) -> None:
    old = device_for(sandbox_app, "alice", label="old phone")
    new = device_for(sandbox_app, "alice", label="new phone")

    body = push(client, account_push(["alice"], account_push_type=0))

    assert received(new) == [body["push_id"]]
    assert received(old) == []


def test_type_1_reaches_every_device(client: Client, sandbox_app: SandboxApp) -> None:
    old = device_for(sandbox_app, "alice")
    new = device_for(sandbox_app, "alice")

    body = push(client, account_push(["alice"], account_push_type=1))

    assert received(old) == received(new) == [body["push_id"]]
    stored = SandboxPush.objects.get(push_id=body["push_id"])
    assert (stored.targeted, stored.delivered, stored.unbound) == (1, 2, 0)


def test_binding_again_makes_a_device_the_latest(client: Client, sandbox_app: SandboxApp) -> None:
    first = device_for(sandbox_app, "alice")
    device_for(sandbox_app, "alice")
    services.bind(app=sandbox_app, account="alice", account_type=0, device=first)

    body = push(client, account_push(["alice"]))

    assert received(first) == [body["push_id"]]


def test_a_device_holds_one_account_per_type(client: Client, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")
    services.bind(app=sandbox_app, account="bob", account_type=0, device=phone)
    services.bind(app=sandbox_app, account="alice", account_type=1002, device=phone)

    to_alice = push(client, account_push(["alice"]))
    to_bob = push(client, account_push(["bob"]))
    to_alice_phone = push(client, account_push(["alice"], account_type=1002))

    assert to_alice["ret_code"] == 10010005
    assert received(phone) == [to_alice_phone["push_id"], to_bob["push_id"]]


def test_account_types_are_kept_apart(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "+8613711112222", account_type=1002)

    assert push(client, account_push(["+8613711112222"]))["ret_code"] == 10010005
    assert push(client, account_push(["+8613711112222"], account_type=1002))["ret_code"] == 0
    assert push(client, account_push(["+8613711112222"], account_type="1002"))["ret_code"] == 0


def test_unbound_accounts_are_counted(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    device_for(sandbox_app, "carol")

    body = push(client, account_push(["alice", "bob", "carol", "alice", "dave"]))

    stored = SandboxPush.objects.get(push_id=body["push_id"])
    assert (stored.targeted, stored.delivered, stored.unbound) == (4, 2, 2)
    assert sorted(stored.deliveries.values_list("account", flat=True)) == ["alice", "carol"]


def test_account_audience_uses_only_the_first_account(
    client: Client, sandbox_app: SandboxApp
) -> None:
    alice, bob = device_for(sandbox_app, "alice"), device_for(sandbox_app, "bob")

    body = push(client, {**account_push(["alice", "bob"]), "audience_type": "account"})

    assert received(alice) == [body["push_id"]]
    assert received(bob) == []


def test_a_delivery_records_title_and_content(client: Client, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")

    push(client, account_push(["alice"], message={"title": "Sale", "content": "50% off"}))

    delivery = Delivery.objects.get(device=phone)
    assert (delivery.account, delivery.title, delivery.content) == ("alice", "Sale", "50% off")


def test_all_reaches_every_device(client: Client, sandbox_app: SandboxApp) -> None:
    phones = [device_for(sandbox_app, "alice"), services.register_device(app=sandbox_app)]

    body = push(client, {"audience_type": "all", "message": MESSAGE})

    assert [received(p) for p in phones] == [[body["push_id"]]] * 2


def test_token_pushes_reach_their_devices(client: Client, sandbox_app: SandboxApp) -> None:
    phone = services.register_device(app=sandbox_app)

    ok = push(
        client, {"audience_type": "token_list", "token_list": [phone.token], "message": MESSAGE}
    )
    unknown = push(client, {"audience_type": "token", "token_list": ["nope"], "message": MESSAGE})
    ignored = push(
        client,
        {
            "audience_type": "token_list",
            "token_list": [phone.token, "nope"],
            "ignore_invalid_token": 1,
            "message": MESSAGE,
        },
    )

    assert ok["ret_code"] == 0
    assert unknown["ret_code"] == 1008029
    assert ignored["invalid_targe_list"] == ["nope"]
    assert received(phone) == [ignored["push_id"], ok["push_id"]]


def test_all_pushes_are_rate_limited_per_app(client: Client, sandbox_app: SandboxApp) -> None:
    other = services.ensure_app(access_id="1500000002", secret_key="other-secret")

    first = push(client, {"audience_type": "all", "message": MESSAGE})
    second = push(client, {"audience_type": "all", "message": MESSAGE})
    elsewhere = signed_post(
        client,
        "v3/push/app",
        {"audience_type": "all", "message": MESSAGE},
        access_id=other.access_id,
        secret_key="other-secret",
    ).json()

    assert (first["ret_code"], second["ret_code"], elsewhere["ret_code"]) == (0, 1008028, 0)
    assert second["err_msg"] == "request too fast"


def test_account_list_pushes_are_not_rate_limited(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")

    codes = [push(client, account_push(["alice"]))["ret_code"] for _ in range(3)]

    assert codes == [0, 0, 0]


def test_send_time_is_ignored_for_account_pushes(client: Client, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")
    later = format_send_time(timezone.now() + timedelta(hours=1))

    body = push(client, account_push(["alice"], send_time=later))

    assert received(phone) == [body["push_id"]]


def test_a_recent_past_send_time_sends_now(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    a_bit_ago = format_send_time(timezone.now() - timedelta(minutes=5))

    body = push(client, {"audience_type": "all", "message": MESSAGE, "send_time": a_bit_ago})

    assert SandboxPush.objects.get(push_id=body["push_id"]).status == "sent"


def test_a_loop_push_answers_a_list_of_push_ids(client: Client, sandbox_app: SandboxApp) -> None:
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    loop = {
        "startDate": tomorrow.isoformat(),
        "endDate": (tomorrow + timedelta(days=2)).isoformat(),
        "loopType": 1,
        "dayTimes": ["09:00:00", "18:00:00"],
    }

    body = push(client, {"audience_type": "all", "message": MESSAGE, "loop_param": loop})

    assert body["ret_code"] == 0
    assert isinstance(body["push_id"], list) and len(body["push_id"]) == 6
    assert SandboxPush.objects.filter(status="scheduled").count() == 6
