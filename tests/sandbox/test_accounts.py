"""`v3/device/account/batchoperate` and `v3/device/account/query` (§7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pushes.sandbox import services
from pushes.sandbox.models import AccountBinding, SandboxApp
from tests.sandbox.helpers import device_for, signed_post

pytestmark = pytest.mark.django_db


def batch(client: Client, payload: dict[str, Any]) -> dict[str, Any]:
    return signed_post(client, "v3/device/account/batchoperate", payload).json()


def query(client: Client, payload: dict[str, Any]) -> dict[str, Any]:
    return signed_post(client, "v3/device/account/query", payload).json()


def test_it_binds_accounts_to_tokens(client: Client, sandbox_app: SandboxApp) -> None:
    phone = services.register_device(app=sandbox_app)

    body = batch(
        client,
        {
            "operator_type": 2,
            "token_accounts": [
                {
                    "token": phone.token,
                    "account_list": [{"account": "+8613711112222", "account_type": 1002}],
                }
            ],
        },
    )

    assert body == {"ret_code": 0, "err_msg": "NO_ERROR", "result": ["0"]}
    binding = AccountBinding.objects.get(device=phone)
    assert (binding.account, binding.account_type) == ("+8613711112222", 1002)


def test_unknown_tokens_fail_their_entry(client: Client, sandbox_app: SandboxApp) -> None:
    phone = services.register_device(app=sandbox_app)
    entry = {"account_list": [{"account": "alice"}]}

    partly = batch(
        client,
        {
            "operator_type": 2,
            "token_accounts": [{"token": phone.token, **entry}, {"token": "nope", **entry}],
        },
    )
    totally = batch(client, {"operator_type": 1, "token_accounts": [{"token": "nope", **entry}]})

    assert partly == {
        "ret_code": 1008026,
        "err_msg": "batch op,partly error",
        "result": ["0", "1008029"],
    }
    assert totally["ret_code"] == 1008027


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, 1008002),
        ({"operator_type": 9}, 1008007),
        ({"operator_type": 2}, 1008002),
        (
            {
                "operator_type": 2,
                "token_accounts": [{"token": f"t{n}", "account_list": ["a"]} for n in range(21)],
            },
            1008007,
        ),
        ({"operator_type": 4, "token_list": "t1"}, 1008007),
    ],
)
def test_request_errors(
    client: Client, sandbox_app: SandboxApp, payload: dict[str, Any], code: int
) -> None:
    body = batch(client, payload)

    assert (body["ret_code"], body["result"]) == (code, [])


def test_it_unbinds(client: Client, sandbox_app: SandboxApp) -> None:
    one, two, three = (device_for(sandbox_app, "alice") for _ in range(3))
    device_for(sandbox_app, "bob")

    op3 = batch(
        client,
        {
            "operator_type": 3,
            "token_accounts": [{"token": one.token, "account_list": [{"account": "alice"}]}],
        },
    )
    op4 = batch(client, {"operator_type": 4, "token_list": [two.token]})
    assert list(
        AccountBinding.objects.filter(account="alice").values_list("device", flat=True)
    ) == [three.pk]
    op5 = batch(
        client, {"operator_type": 5, "account_list": [{"account": "alice", "account_type": 0}]}
    )

    assert [op3["ret_code"], op4["ret_code"], op5["ret_code"]] == [0, 0, 0]
    assert list(AccountBinding.objects.values_list("account", flat=True)) == ["bob"]


def test_query_tokens_of_accounts_newest_first(client: Client, sandbox_app: SandboxApp) -> None:
    old, new = device_for(sandbox_app, "alice"), device_for(sandbox_app, "alice")

    body = query(
        client, {"operator_type": 1, "account_list": [{"account": "alice"}, {"account": "nobody"}]}
    )

    assert body == {
        "retCode": 0,
        "errMsg": "NO_ERROR",
        "result": ["0", "10110008"],
        "account_tokens": [
            {"account": "alice", "token_list": [new.token, old.token]},
            {"account": "nobody", "token_list": []},
        ],
    }


def test_query_accounts_of_tokens(client: Client, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")
    services.bind(app=sandbox_app, account="alice@example.com", account_type=1005, device=phone)

    body = query(client, {"operator_type": 2, "token_list": [phone.token, "nope"]})

    assert body["retCode"] == 0
    assert body["result"] == ["0", "10110008"]
    assert body["token_accounts"] == [
        {
            "token": phone.token,
            "account_list": [
                {"account": "alice", "account_type": 0},
                {"account": "alice@example.com", "account_type": 1005},
            ],
        },
        {"token": "nope", "account_list": []},
    ]


def test_query_errors_are_camel_case(client: Client, sandbox_app: SandboxApp) -> None:
    assert query(client, {}) == {"retCode": 1008002, "errMsg": "missing parameter"}
    assert query(client, {"operator_type": 3})["retCode"] == 1008007
    assert (
        query(client, {"operator_type": 1, "account_list": [{"account": 5}]})["retCode"] == 1008007
    )
