from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from pushes.tpns import codes
from pushes.tpns.errors import (
    InvalidPushRequest,
    PermanentTpnsError,
    TpnsError,
    TransientTpnsError,
    UnknownOutcomeTpnsError,
    describe,
    raise_or_parse,
)
from pushes.tpns.schema import FieldError


@dataclass
class FakeResponse:
    status_code: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)


def answer(status: int, body: Any, **headers: str) -> FakeResponse:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return FakeResponse(status, content, headers)


def failure(response: FakeResponse, endpoint: str = "v3/push/app") -> TpnsError:
    with pytest.raises(TpnsError) as info:
        raise_or_parse(response, endpoint=endpoint)
    return info.value


def test_it_returns_a_snake_case_success_body() -> None:
    body = {"ret_code": 0, "err_msg": "NO_ERROR", "push_id": "1"}
    assert raise_or_parse(answer(200, body)) == body


def test_it_returns_a_camel_case_success_body() -> None:
    body = {"retCode": 0, "errMsg": "NO_ERROR", "uploadId": 42}
    assert raise_or_parse(answer(200, body)) == body


def test_it_reads_a_ret_code_sent_as_a_string() -> None:
    assert raise_or_parse(answer(200, {"ret_code": "0"})) == {"ret_code": "0"}


@pytest.mark.parametrize("code", [codes.REQUEST_TOO_FAST, codes.INVOKE_SERVICE_ERROR])
def test_busy_ret_codes_are_transient(code: int) -> None:
    err = failure(answer(200, {"ret_code": code, "err_msg": codes.message_for(code)}))
    assert type(err) is TransientTpnsError
    assert (err.ret_code, err.http_status) == (code, 200)


@pytest.mark.parametrize(
    "code",
    [codes.INVALID_PARAMETER, codes.AUTH_FAILURE, codes.WRONG_ACCESS_ID_OR_DOMAIN, 10010005],
)
def test_other_ret_codes_are_permanent_and_carry_the_gateway_message(code: int) -> None:
    err = failure(answer(200, {"retCode": code, "ErrMsg": "the gateway's words"}))
    assert type(err) is PermanentTpnsError
    assert err.ret_code == code
    assert err.err_msg == "the gateway's words"


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_errors_and_rate_limits_are_transient(status: int) -> None:
    err = failure(answer(status, b"busy"))
    assert type(err) is TransientTpnsError
    assert err.http_status == status
    assert err.ret_code is None


def test_429_carries_retry_after() -> None:
    assert failure(answer(429, b"", **{"Retry-After": "7"})).retry_after == 7.0


def test_a_gateway_timeout_has_an_unknown_outcome() -> None:
    assert type(failure(answer(504, b"upstream timed out"))) is UnknownOutcomeTpnsError


@pytest.mark.parametrize("status", [400, 401, 403, 404, 301])
def test_other_statuses_are_permanent(status: int) -> None:
    assert type(failure(answer(status, b""))) is PermanentTpnsError


def test_a_403_with_a_body_keeps_its_ret_code() -> None:
    err = failure(answer(403, {"ret_code": 1008003, "err_msg": "auth failure"}))
    assert type(err) is PermanentTpnsError
    assert (err.ret_code, err.http_status, err.err_msg) == (1008003, 403, "auth failure")


@pytest.mark.parametrize(
    "body", [b"<html>", b"[1]", b'{"push_id": "1"}', b'{"ret_code": "abc"}', b""]
)
def test_an_unreadable_200_has_an_unknown_outcome(body: bytes) -> None:
    err = failure(answer(200, body))
    assert type(err) is UnknownOutcomeTpnsError
    assert err.kind == "malformed_response"


def test_accept_lets_the_caller_handle_a_ret_code() -> None:
    body = {"ret_code": codes.BATCH_PARTLY_ERROR, "result": ["0", "1008006"]}
    assert raise_or_parse(answer(200, body), accept={codes.BATCH_PARTLY_ERROR}) == body


def test_errors_survive_pickling_for_celery() -> None:
    err = failure(answer(200, {"ret_code": 1008028, "err_msg": "request too fast"}))
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is TransientTpnsError
    assert (copy.ret_code, copy.err_msg, str(copy)) == (err.ret_code, err.err_msg, str(err))
    assert type(TransientTpnsError(str(err))) is TransientTpnsError  # Celery's JSON rebuild


# ------------------------------------------------------------ describe()


def test_it_describes_an_auth_failure() -> None:
    err = failure(answer(200, {"ret_code": 1008003, "err_msg": "auth failure"}))
    assert describe(err) == (
        "TPNS rejected the app's AccessID/SecretKey (auth failure, 1008003). "
        "An admin should check the keys."
    )


def test_it_describes_a_wrong_region() -> None:
    err = failure(answer(200, {"ret_code": 1008035, "err_msg": codes.message_for(1008035)}))
    text = describe(err)
    assert "service region" in text and "1008035" in text and "gateway" in text


def test_it_describes_rate_limiting() -> None:
    err = failure(answer(200, {"retCode": 1008028, "errMsg": "request too fast"}))
    assert describe(err).startswith("TPNS is rate limiting this app (request too fast, 1008028)")
    assert describe(failure(answer(429, b""))).startswith("TPNS is rate limiting this app")


def test_it_quotes_the_gateway_when_it_says_more_than_the_stock_message() -> None:
    err = failure(answer(200, {"ret_code": 1008007, "err_msg": "account_list too long"}))
    assert describe(err) == (
        "TPNS rejected a field of the request as invalid (invalid parameter, 1008007). "
        "TPNS said: “account_list too long”."
    )


def test_it_describes_an_unknown_ret_code_with_the_gateway_message() -> None:
    err = failure(answer(200, {"ret_code": 1234567, "err_msg": "mystery"}))
    assert describe(err) == "TPNS refused the request with error 1234567: “mystery”."


def test_it_tells_people_not_to_resend_a_push_in_doubt() -> None:
    text = describe(failure(answer(200, b"<html>")))
    assert "not known whether the push went through" in text
    assert "push records" in text
    upload = describe(failure(answer(200, b"<html>"), endpoint="v3/push/package/upload"))
    assert "safe to try again" in upload


def test_it_describes_http_failures() -> None:
    assert "AccessID/SecretKey or the service region" in describe(failure(answer(403, b"")))
    assert "server error (HTTP 502)" in describe(failure(answer(502, b"")))


def test_it_lists_local_validation_problems() -> None:
    err = InvalidPushRequest.from_errors([FieldError("message.title", "is required", 1008002)])
    assert isinstance(err, PermanentTpnsError)
    assert err.ret_code == 1008002
    expected = "The push was not sent because it is invalid: message.title: is required."
    assert describe(err) == expected
    assert describe(pickle.loads(pickle.dumps(err))) == expected
    rebuilt = InvalidPushRequest(*err.args)  # how Celery's JSON result backend rebuilds it
    assert str(rebuilt) == "v3/push/app: invalid request: message.title: is required"


def test_connection_failures_say_nothing_was_sent() -> None:
    err = TransientTpnsError("v3/push/app: connect failed", kind="connect_failed")
    assert "nothing was sent" in describe(err)
