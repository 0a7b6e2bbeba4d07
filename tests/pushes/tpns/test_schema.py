from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pushes.tpns import codes
from pushes.tpns.schema import (
    MAX_ACCOUNTS_PER_LIST,
    MAX_EXPIRE_TIME,
    MAX_MESSAGE_BYTES,
    TITLE_LIMITS,
    TPNS_TIMEZONE,
    FieldError,
    Message,
    PushRequest,
    channel_warnings,
    parse_push_request,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=TPNS_TIMEZONE)


def account_push(**changes: Any) -> PushRequest:
    request = PushRequest(
        "account_list",
        "notify",
        Message("Sale", "Everything must go"),
        account_list=["alice", "bob"],
    )
    return replace(request, **changes)


def package_push(**changes: Any) -> PushRequest:
    request = PushRequest(
        "package_account_push", "notify", Message("Sale", "Everything must go"), upload_id=11231
    )
    return replace(request, **changes)


def fields(errors: list[FieldError]) -> list[str]:
    return [error.field for error in errors]


def test_a_good_request_has_no_errors() -> None:
    assert account_push().validate(now=NOW) == []
    assert package_push(send_time="2025-03-02 08:00:00").validate(now=NOW) == []


# ------------------------------------------------------------ payload exactness


def test_payload_holds_only_the_fields_that_are_set() -> None:
    assert account_push().to_payload() == {
        "audience_type": "account_list",
        "account_list": ["alice", "bob"],
        "account_type": 0,
        "account_push_type": 0,
        "message_type": "notify",
        "message": {"title": "Sale", "content": "Everything must go"},
    }


def test_body_is_the_one_compact_utf8_serialization() -> None:
    request = PushRequest(
        "account", "notify", Message("Soldes", "Tout doit disparaître ✓"), account_list=["zoë"]
    )
    assert (
        request.body()
        == (
            '{"audience_type":"account","account_list":["zoë"],"account_type":0,'
            '"account_push_type":0,"message_type":"notify",'
            '"message":{"title":"Soldes","content":"Tout doit disparaître ✓"}}'
        ).encode()
    )


def test_package_payload_matches_the_documented_example() -> None:
    request = package_push(
        account_type=1,
        message=Message("Congrats on winning in the campaign", "Get online to claim your prize!"),
    )
    documented = {
        "audience_type": "package_account_push",
        "upload_id": 11231,
        "account_type": 1,
        "account_push_type": 0,
        "message_type": "notify",
        "message": {
            "title": "Congrats on winning in the campaign",
            "content": "Get online to claim your prize!",
        },
    }
    assert request.to_payload() == documented
    assert json.loads(request.body()) == documented


def test_optional_fields_and_aware_send_time_in_tpns_time() -> None:
    request = package_push(
        account_push_type=1,
        environment="product",
        expire_time=3600,
        send_time=datetime(2025, 3, 2, 0, 30, tzinfo=UTC),
        seq=7,
    )
    payload = request.to_payload()
    assert payload["send_time"] == "2025-03-02 08:30:00"
    assert payload["environment"] == "product"
    assert payload["expire_time"] == 3600
    assert payload["seq"] == 7
    assert payload["account_push_type"] == 1
    assert list(payload)[-1] == "seq"


def test_custom_content_is_sent_as_a_json_string_in_each_platform_section() -> None:
    message = Message(
        "t",
        "c",
        android={"action": {"action_type": 1}},
        ios={"aps": {"sound": "default"}},
        custom_content={"order": 42, "note": "café"},
    )
    payload = message.to_payload()
    assert payload["android"]["custom_content"] == '{"order":42,"note":"café"}'
    assert payload["ios"]["custom_content"] == '{"order":42,"note":"café"}'
    assert "custom_content" not in payload
    assert message.android == {"action": {"action_type": 1}}  # not mutated


def test_custom_content_goes_to_android_when_no_section_is_given() -> None:
    payload = Message("t", "c", custom_content={"k": "v"}).to_payload()
    assert payload["android"] == {"custom_content": '{"k":"v"}'}
    assert "ios" not in payload


def test_extra_message_keys_are_sent_after_title_and_content() -> None:
    payload = Message("t", "c", extra={"xg_media_resources": "https://x/y.png"}).to_payload()
    assert list(payload) == ["title", "content", "xg_media_resources"]


# ------------------------------------------------------------ rules, field by field


def test_audience_type_must_be_an_account_audience() -> None:
    assert fields(account_push(audience_type="all").validate(now=NOW)) == ["audience_type"]


@pytest.mark.parametrize("accounts", [None, []])
def test_account_list_is_required_for_account_pushes(accounts: list[str] | None) -> None:
    errors = account_push(account_list=accounts).validate(now=NOW)
    assert fields(errors) == ["account_list"]
    assert errors[0].code == codes.MISSING_PARAMETER


def test_account_list_holds_at_most_1000_accounts() -> None:
    accounts = [f"user{i}" for i in range(MAX_ACCOUNTS_PER_LIST)]
    assert account_push(account_list=accounts).validate(now=NOW) == []
    errors = account_push(account_list=[*accounts, "one-more"]).validate(now=NOW)
    assert fields(errors) == ["account_list"]
    assert "1001" in errors[0].message


def test_audience_account_takes_exactly_one_account() -> None:
    assert account_push(audience_type="account", account_list=["a1"]).validate(now=NOW) == []
    errors = account_push(audience_type="account").validate(now=NOW)
    assert fields(errors) == ["account_list"]


def test_each_account_is_2_to_100_characters() -> None:
    errors = account_push(account_list=["ok", "x", "y" * 100, "z" * 101, 42]).validate(now=NOW)
    assert fields(errors) == ["account_list[1]", "account_list[3]", "account_list[4]"]


def test_a_long_list_of_bad_accounts_is_summarised() -> None:
    errors = account_push(account_list=["x"] * 50).validate(now=NOW)
    assert len(errors) == 21
    assert errors[0].field == "account_list[0]"
    assert errors[-1] == FieldError("account_list", "and 30 more invalid accounts")


def test_upload_id_is_required_for_package_pushes() -> None:
    errors = package_push(upload_id=None).validate(now=NOW)
    assert fields(errors) == ["upload_id"]
    assert errors[0].code == codes.MISSING_PARAMETER
    assert fields(package_push(upload_id=0).validate(now=NOW)) == ["upload_id"]


def test_upload_id_is_forbidden_for_list_pushes() -> None:
    assert fields(account_push(upload_id=5).validate(now=NOW)) == ["upload_id"]


def test_account_list_is_forbidden_for_package_pushes() -> None:
    assert fields(package_push(account_list=["alice"]).validate(now=NOW)) == ["account_list"]


@pytest.mark.parametrize("value", [2, -1, "1", True])
def test_account_push_type_is_0_or_1(value: object) -> None:
    assert fields(account_push(account_push_type=value).validate(now=NOW)) == ["account_push_type"]


@pytest.mark.parametrize("value", [-1, "991", 1.5])
def test_account_type_is_a_non_negative_int(value: object) -> None:
    assert fields(account_push(account_type=value).validate(now=NOW)) == ["account_type"]
    assert account_push(account_type=1002).validate(now=NOW) == []


def test_message_type_is_notify_or_message() -> None:
    assert fields(account_push(message_type="silent").validate(now=NOW)) == ["message_type"]


@pytest.mark.parametrize("name", ["title", "content"])
def test_title_and_content_are_required_for_a_notification(name: str) -> None:
    blank: dict[str, Any] = {name: "  "}
    message = replace(Message("Sale", "Everything must go"), **blank)
    errors = account_push(message=message).validate(now=NOW)
    assert fields(errors) == [f"message.{name}"]
    assert errors[0].code == codes.MISSING_PARAMETER
    assert account_push(message_type="message", message=message).validate(now=NOW) == []


def test_message_is_at_most_4_kb_of_json() -> None:
    base = Message("Sale", "")
    room = MAX_MESSAGE_BYTES - base.size()
    assert account_push(message=replace(base, content="x" * room)).validate(now=NOW) == []
    errors = account_push(message=replace(base, content="x" * (room + 1))).validate(now=NOW)
    assert fields(errors) == ["message"]
    assert "4097 bytes" in errors[0].message


def test_message_size_counts_utf8_bytes() -> None:
    base = Message("Sale", "")
    room = MAX_MESSAGE_BYTES - base.size()
    content = "é" * (room // 2 + 1)  # fits in characters, not in bytes
    assert len(content) < room
    assert fields(account_push(message=replace(base, content=content)).validate(now=NOW)) == [
        "message"
    ]


def test_expire_time_is_0_to_72_hours() -> None:
    assert account_push(expire_time=0).validate(now=NOW) == []
    assert account_push(expire_time=MAX_EXPIRE_TIME).validate(now=NOW) == []
    assert fields(account_push(expire_time=MAX_EXPIRE_TIME + 1).validate(now=NOW)) == [
        "expire_time"
    ]
    assert fields(account_push(expire_time=-1).validate(now=NOW)) == ["expire_time"]


@pytest.mark.parametrize(
    "value", ["2025-3-2 08:00:00", "2025-03-02T08:00:00", "2025-02-30 08:00:00", 20250302]
)
def test_send_time_format_is_yyyy_mm_dd_hh_mm_ss(value: object) -> None:
    assert fields(package_push(send_time=value).validate(now=NOW)) == ["send_time"]


def test_send_time_is_only_for_package_pushes() -> None:
    errors = account_push(send_time="2025-03-02 08:00:00").validate(now=NOW)
    assert fields(errors) == ["send_time"]


def test_send_time_at_most_90_days_ahead() -> None:
    assert package_push(send_time=NOW + timedelta(days=90)).validate(now=NOW) == []
    errors = package_push(send_time=NOW + timedelta(days=90, seconds=1)).validate(now=NOW)
    assert fields(errors) == ["send_time"]


def test_send_time_in_the_past_is_tolerated_for_10_minutes() -> None:
    assert package_push(send_time="2025-03-01 11:51:00").validate(now=NOW) == []
    errors = package_push(send_time="2025-03-01 11:49:59").validate(now=NOW)
    assert fields(errors) == ["send_time"]
    assert errors[0].code == codes.ILLEGAL_PUSH_TIME


def test_naive_send_time_is_read_as_tpns_time() -> None:
    request = package_push(send_time=datetime(2025, 3, 1, 11, 55))
    assert request.validate(now=NOW) == []
    assert request.to_payload()["send_time"] == "2025-03-01 11:55:00"


@pytest.mark.parametrize(
    "custom", ['{"k": 1}', {"k": 1}], ids=["json-string", "dict-via-message-field"]
)
def test_custom_content_accepted_forms(custom: Any) -> None:
    if isinstance(custom, str):
        message = Message("t", "c", android={"custom_content": custom})
    else:
        message = Message("t", "c", custom_content=custom)
    assert account_push(message=message).validate(now=NOW) == []


@pytest.mark.parametrize("custom", [{"k": 1}, "not json", "[1, 2]"])
def test_custom_content_in_a_section_must_be_a_json_object_string(custom: Any) -> None:
    message = Message("t", "c", android={"custom_content": custom})
    assert fields(account_push(message=message).validate(now=NOW)) == [
        "message.android.custom_content"
    ]


def test_custom_content_may_not_be_given_twice() -> None:
    message = Message("t", "c", ios={"aps": {}, "custom_content": "{}"}, custom_content={"k": 1})
    errors = account_push(message=message, environment="dev").validate(now=NOW)
    assert fields(errors) == ["message.ios.custom_content"]


def test_ios_needs_aps_and_an_environment() -> None:
    message = Message("t", "c", ios={"custom_content": "{}"})
    assert fields(account_push(message=message).validate(now=NOW)) == [
        "message.ios.aps",
        "environment",
    ]


@pytest.mark.parametrize("environment", ["production", "Dev"])
def test_environment_is_product_or_dev(environment: str) -> None:
    assert fields(account_push(environment=environment).validate(now=NOW)) == ["environment"]


def test_notify_may_not_be_silent_on_ios() -> None:
    message = Message("t", "c", ios={"aps": {"content-available": 1}})
    errors = account_push(message=message, environment="product").validate(now=NOW)
    assert fields(errors) == ["message.ios.aps.content-available"]
    silent = account_push(message=message, environment="product", message_type="message")
    assert silent.validate(now=NOW) == []


def test_push_speed_is_package_only_and_in_range() -> None:
    assert package_push(push_speed=1000).validate(now=NOW) == []
    assert fields(package_push(push_speed=999).validate(now=NOW)) == ["push_speed"]
    assert fields(account_push(push_speed=5000).validate(now=NOW)) == ["push_speed"]


def test_field_error_reads_as_field_then_problem() -> None:
    assert str(FieldError("message.title", "is required")) == "message.title: is required"


def test_channel_warnings_name_the_channels_cut() -> None:
    assert channel_warnings(Message("x" * TITLE_LIMITS["TPNS"], "short")) == []
    warnings = channel_warnings(Message("x" * 33, "y" * 90))
    assert fields(warnings) == ["message.title", "message.content"]
    assert "TPNS (20)" in warnings[0].message
    assert "Meizu (32)" in warnings[0].message
    assert "Mi (50)" not in warnings[0].message
    assert "Huawei (80)" in warnings[1].message


# ------------------------------------------------------------ lenient parsing (sandbox)


def test_parse_accepts_the_xinge_client_format() -> None:
    data = {
        "audience_type": "account",
        "account_list": ["user_1"],
        "account_push_type": 1,
        "platform": "android",
        "message": {"title": "t", "subtitle": "", "content": "c"},
    }
    request, errors = parse_push_request(data, now=NOW)
    assert errors == []
    assert request is not None
    assert request.message_type == "notify"
    assert request.environment is None
    assert request.account_push_type == 1
    assert request.message.extra == {"subtitle": ""}
    assert "platform" not in request.to_payload()


def test_parse_defaults_the_environment_for_ios_messages() -> None:
    data = {
        "audience_type": "account",
        "account_list": ["user_1"],
        "message": {"title": "t", "content": "c", "ios": {"aps": {"sound": "default"}}},
    }
    request, errors = parse_push_request(data, now=NOW)
    assert errors == []
    assert request is not None and request.environment == "product"


def test_parse_reads_numbers_sent_as_strings() -> None:
    data = {
        "audience_type": "package_account_push",
        "upload_id": "11231",
        "account_type": "991",
        "message_type": "notify",
        "message": {"title": "t", "content": "c"},
    }
    request, errors = parse_push_request(data, now=NOW)
    assert errors == []
    assert request is not None
    assert (request.upload_id, request.account_type) == (11231, 991)


def test_parse_reports_missing_top_level_fields_with_their_codes() -> None:
    assert parse_push_request([1, 2]) == (
        None,
        [FieldError("", "the body must be a JSON object", codes.PARSE_ERROR)],
    )
    request, errors = parse_push_request({"account_list": ["a1"]})
    assert request is None
    assert [(e.field, e.code) for e in errors] == [
        ("audience_type", codes.MISSING_PARAMETER),
        ("message", codes.MISSING_PARAMETER),
    ]


def test_parse_reports_bad_values_by_field() -> None:
    data = {
        "audience_type": "account_list",
        "account_list": ["ok", "x"],
        "account_type": "QQ",
        "expire_time": 999999,
        "message": {"title": "t", "content": "c"},
    }
    request, errors = parse_push_request(data, now=NOW)
    assert request is not None
    assert fields(errors) == ["account_list[1]", "account_type", "expire_time"]
    assert {e.code for e in errors} == {codes.INVALID_PARAMETER}
