"""The client over real HTTP against the fault-injecting server of conftest.py."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import ssl
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
import requests
import requests.adapters
import urllib3.exceptions

from pushes.tpns import client, codes, signing
from pushes.tpns.client import (
    AccountRef,
    TokenAccounts,
    account_batch_operate,
    account_query,
    cancel_timing_task,
    get_push_record,
    push,
    upload_package,
)
from pushes.tpns.errors import (
    InvalidPushRequest,
    PermanentTpnsError,
    TpnsError,
    TransientTpnsError,
    UnknownOutcomeTpnsError,
    describe,
)
from pushes.tpns.hosts import Credentials
from pushes.tpns.schema import Message, PushRequest
from tests.pushes.tpns.conftest import ACCESS_ID, SECRET_KEY, FakeTpns

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings

REQUEST = PushRequest(
    "account_list",
    "notify",
    Message("Soldes d'été", "Tout doit disparaître"),
    account_list=["alice", "bob"],
)


# ------------------------------------------------------------ push


def test_push_sends_the_signed_body_and_returns_the_result(
    gateway: Any, fake_tpns: FakeTpns
) -> None:
    result = push(gateway("ok"), REQUEST)

    assert result.push_id == "1328245138690125824"
    assert (result.ret_code, result.err_msg, result.http_status) == (0, "NO_ERROR", 200)
    assert (result.seq, result.environment) == (0, "product")
    received = fake_tpns.last
    assert received.path == "/ok/v3/push/app"
    assert received.body == REQUEST.body()
    assert received.headers["AccessId"] == ACCESS_ID
    assert received.headers["Content-Type"] == "application/json"
    assert abs(int(received.headers["TimeStamp"]) - time.time()) < 5
    assert signing.signature_matches(
        access_id=ACCESS_ID,
        secret_key=SECRET_KEY,
        timestamp=received.headers["TimeStamp"],
        body=received.body,
        given=received.headers["Sign"],
    )
    assert "Authorization" not in received.headers


def test_a_loop_push_returns_a_list_of_push_ids(gateway: Any) -> None:
    assert push(gateway("ok-loop"), REQUEST).push_id == ["11", "12"]


def test_an_invalid_push_is_not_sent(gateway: Any, fake_tpns: FakeTpns) -> None:
    bad = PushRequest("account_list", "notify", Message("", "c"), account_list=["x"])
    with pytest.raises(InvalidPushRequest) as info:
        push(gateway("ok"), bad)
    assert [e.field for e in info.value.errors] == ["account_list[0]", "message.title"]
    assert fake_tpns.received == []


@pytest.mark.parametrize(
    ("mode", "error_class", "ret_code", "http_status"),
    [
        ("ret-1008028", TransientTpnsError, 1008028, 200),
        ("ret-1008004", TransientTpnsError, 1008004, 200),
        ("ret-1008007", PermanentTpnsError, 1008007, 200),
        ("ret-1008003", PermanentTpnsError, 1008003, 200),
        ("ret-1008035", PermanentTpnsError, 1008035, 200),
        ("camel-1008003", PermanentTpnsError, 1008003, 200),
        ("camel-1008028", TransientTpnsError, 1008028, 200),
        ("status-500", TransientTpnsError, None, 500),
        ("status-429", TransientTpnsError, None, 429),
        ("status-403", PermanentTpnsError, None, 403),
        ("http403-1008003", PermanentTpnsError, 1008003, 403),
        ("status-404", PermanentTpnsError, None, 404),
        ("status-302", PermanentTpnsError, None, 302),
        ("status-504", UnknownOutcomeTpnsError, None, 504),
        ("malformed", UnknownOutcomeTpnsError, None, 200),
        ("no-ret-code", UnknownOutcomeTpnsError, None, 200),
    ],
)
def test_gateway_answers_map_to_error_classes(
    gateway: Any,
    mode: str,
    error_class: type[TpnsError],
    ret_code: int | None,
    http_status: int,
) -> None:
    with pytest.raises(TpnsError) as info:
        push(gateway(mode), REQUEST)
    err = info.value
    assert type(err) is error_class
    assert (err.ret_code, err.http_status, err.endpoint) == (ret_code, http_status, "v3/push/app")


def test_the_gateway_message_is_kept(gateway: Any) -> None:
    with pytest.raises(PermanentTpnsError) as info:
        push(gateway("said-1008007"), REQUEST)
    assert info.value.err_msg == "account_list too long"
    assert "account_list too long" in describe(info.value)


def test_a_read_timeout_has_an_unknown_outcome(gateway: Any, settings: Settings) -> None:
    settings.TPNS_READ_TIMEOUT = 0.2  # the server answers after 0.6 s
    with pytest.raises(UnknownOutcomeTpnsError) as info:
        push(gateway("slow"), REQUEST)
    assert info.value.kind == "read_timeout"
    assert "did not answer in time" in describe(info.value)


@pytest.mark.parametrize("mode", ["drop", "reset"])
def test_a_connection_lost_after_sending_has_an_unknown_outcome(
    gateway: Any, fake_tpns: FakeTpns, mode: str
) -> None:
    with pytest.raises(UnknownOutcomeTpnsError) as info:
        push(gateway(mode), REQUEST)
    assert fake_tpns.last.body == REQUEST.body()  # it did arrive
    assert info.value.kind == "connection_dropped"


def test_a_refused_connection_is_transient(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.TPNS_SANDBOX_BASE_URL = f"http://127.0.0.1:{port}/sandbox"
    with pytest.raises(TransientTpnsError) as info:
        push(Credentials(ACCESS_ID, SECRET_KEY, "sandbox"), REQUEST)
    assert info.value.kind == "connect_failed"
    assert "nothing was sent" in describe(info.value)


def _max_retry(reason: Exception) -> urllib3.exceptions.MaxRetryError:
    return urllib3.exceptions.MaxRetryError(None, "/v3/push/app", reason)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "error_class", "kind"),
    [
        (
            requests.ConnectTimeout(
                _max_retry(urllib3.exceptions.ConnectTimeoutError(None, "timed out"))
            ),
            TransientTpnsError,
            "connect_timeout",
        ),
        (
            requests.ConnectionError(
                _max_retry(
                    urllib3.exceptions.NameResolutionError(
                        "api.tpns.tencent.com",
                        None,  # type: ignore[arg-type]
                        socket.gaierror(-2, "Name or service not known"),
                    )
                )
            ),
            TransientTpnsError,
            "connect_failed",
        ),
        (
            requests.exceptions.SSLError(
                _max_retry(urllib3.exceptions.SSLError(ssl.SSLCertVerificationError(1, "bad cert")))
            ),
            TransientTpnsError,
            "connect_failed",
        ),
        (
            requests.exceptions.SSLError(
                _max_retry(urllib3.exceptions.SSLError(ssl.SSLEOFError(8, "EOF")))
            ),
            UnknownOutcomeTpnsError,
            "connection_dropped",
        ),
        (requests.exceptions.ProxyError("proxy refused"), TransientTpnsError, "connect_failed"),
        (
            requests.exceptions.ChunkedEncodingError(urllib3.exceptions.ProtocolError("broken")),
            UnknownOutcomeTpnsError,
            "connection_dropped",
        ),
        (requests.exceptions.InvalidURL("no host"), PermanentTpnsError, "local_error"),
        (requests.RequestException("something new"), UnknownOutcomeTpnsError, "connection_dropped"),
    ],
    ids=["connect-timeout", "dns", "bad-cert", "ssl-eof", "proxy", "chunked", "bad-url", "other"],
)
def test_transport_failures_are_classified_by_whether_the_request_left(
    exc: Exception, error_class: type[TpnsError], kind: str
) -> None:
    assert client._classify(exc) == (error_class, kind)


# ------------------------------------------------------------ secrets


def test_secrets_never_show_in_errors_or_logs(
    gateway: Any, fake_tpns: FakeTpns, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.TPNS_READ_TIMEOUT = 0.2
    creds = gateway("ok")
    assert SECRET_KEY not in repr(creds)
    caught: list[TpnsError] = []
    for mode in ["ret-1008003", "status-403", "status-500", "malformed", "slow", "drop"]:
        with pytest.raises(TpnsError) as info:
            push(gateway(mode), REQUEST)
        caught.append(info.value)
    with pytest.raises(TpnsError) as info:
        upload_package(gateway("status-403"), io.BytesIO(b"alice\n"), "a.txt")
    caught.append(info.value)

    signs = {r.headers["Sign"] for r in fake_tpns.received if "Sign" in r.headers}
    basic = signing.basic_authorization(ACCESS_ID, SECRET_KEY).split()[1]
    assert signs and basic
    texts = [caplog.text] + [f"{e} {e!r} {describe(e)} {e.err_msg}" for e in caught]
    for text in texts:
        for secret in (SECRET_KEY, basic, *signs):
            assert secret not in text


# ------------------------------------------------------------ upload


class RecordingFile(io.BytesIO):
    """Remembers the largest read, to prove the upload is streamed."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.max_read = 0

    def read(self, size: int | None = -1) -> bytes:
        self.max_read = max(
            self.max_read, len(self.getbuffer()) if size is None or size < 0 else size
        )
        return super().read(size)


def multipart_parts(received: Any) -> list[dict[str, Any]]:
    boundary = re.search(r"boundary=(\S+)", received.headers["Content-Type"])[1]  # type: ignore[index]
    body = received.body
    assert body.endswith(f"\r\n--{boundary}--\r\n".encode())
    parts = []
    for chunk in body.split(f"--{boundary}".encode())[1:-1]:
        head, _, content = chunk[2:].partition(b"\r\n\r\n")
        disposition = head.decode()
        parts.append(
            {
                "name": re.search(r' name="([^"]*)"', disposition)[1],  # type: ignore[index]
                "filename": re.search(r'filename="([^"]*)"', disposition)[1],  # type: ignore[index]
                "content_type": re.search(r"Content-Type: (\S+)", disposition)[1],  # type: ignore[index]
                "content": content[:-2],  # the CRLF before the next boundary
            }
        )
    return parts


def test_upload_streams_the_file_as_multipart_with_basic_auth(
    gateway: Any, fake_tpns: FakeTpns
) -> None:
    data = b"".join(f"account-{i:07d}\n".encode() for i in range(80_000))  # ~1.3 MB
    fileobj = RecordingFile(data)
    fileobj.seek(0, io.SEEK_END)  # e.g. after hashing it: the whole file is still sent

    result = upload_package(gateway("upload-ok"), fileobj, "accounts.txt")

    assert (result.upload_id, result.ret_code, result.http_status) == (42, 0, 200)
    assert 0 < fileobj.max_read <= client.UPLOAD_CHUNK_SIZE < len(data)
    received = fake_tpns.last
    assert received.path == "/upload-ok/v3/push/package/upload"
    assert received.headers["Authorization"] == signing.basic_authorization(ACCESS_ID, SECRET_KEY)
    assert "Sign" not in received.headers
    assert "Transfer-Encoding" not in received.headers
    assert int(received.headers["Content-Length"]) == len(received.body)
    assert multipart_parts(received) == [
        {"name": "file", "filename": "accounts.txt", "content_type": "text/plain", "content": data}
    ]


def test_upload_keeps_a_non_ascii_filename(gateway: Any, fake_tpns: FakeTpns) -> None:
    upload_package(gateway("upload-ok"), io.BytesIO(b"a1\n"), 'clients "VIP" été.csv')
    [part] = multipart_parts(fake_tpns.last)
    assert part["filename"] == "clients %22VIP%22 été.csv"
    assert part["content_type"] == "text/csv"


def test_upload_uses_the_longer_upload_read_timeout(settings: Settings) -> None:
    settings.TPNS_CONNECT_TIMEOUT = 3.05
    settings.TPNS_READ_TIMEOUT = 15
    settings.TPNS_UPLOAD_READ_TIMEOUT = 300
    assert client._timeouts() == (3.05, 15.0)
    assert client._timeouts(upload=True) == (3.05, 300.0)


def test_an_upload_without_upload_id_has_an_unknown_outcome(gateway: Any) -> None:
    with pytest.raises(UnknownOutcomeTpnsError):
        upload_package(gateway("upload-no-id"), io.BytesIO(b"a1\n"), "a.txt")


def test_upload_errors_use_the_camel_case_ret_code(gateway: Any) -> None:
    with pytest.raises(PermanentTpnsError) as info:
        upload_package(gateway("camel-1008012"), io.BytesIO(b""), "a.txt")
    assert info.value.ret_code == codes.UPLOAD_EMPTY_FILE
    assert "empty" in describe(info.value)


class ShrinkingFile(io.BytesIO):
    """Claims to be longer than it is, like a file truncated while being sent."""

    def seek(self, offset: int, whence: int = 0) -> int:
        position = super().seek(offset, whence)
        return position + 100 if whence == io.SEEK_END else position


def test_a_file_that_shrinks_during_upload_is_transient(gateway: Any) -> None:
    with pytest.raises(TransientTpnsError) as info:
        upload_package(gateway("upload-ok"), ShrinkingFile(b"a1\n" * 10), "a.txt")
    assert "shorter" in str(info.value)


# ------------------------------------------------------------ other endpoints


def test_get_push_record_by_id(gateway: Any, fake_tpns: FakeTpns) -> None:
    page = get_push_record(gateway("records"), push_id=12)
    assert json.loads(fake_tpns.last.body) == {"pushId": "12"}
    assert fake_tpns.last.path == "/records/v3/statistics/get_push_record"
    assert page.count == 126
    [record] = page.records
    assert (record.push_id, record.status, record.push_type) == (
        "12",
        "PUSH_FINISHED",
        "account_list",
    )
    assert (record.target_list, record.expire_time, record.multi_pkg) == (["a1", "a2"], 43200, True)
    assert record.date == "2019-11-18 11:26:54"


def test_get_push_record_by_dates(gateway: Any, fake_tpns: FakeTpns) -> None:
    get_push_record(
        gateway("records"),
        start_date=date(2025, 3, 1),
        end_date="2025-03-02",
        limit=200,
        push_type="account_list",
    )
    assert json.loads(fake_tpns.last.body) == {
        "startDate": "2025-03-01",
        "endDate": "2025-03-02",
        "offset": 0,
        "limit": 200,
        "pushType": "account_list",
    }


def test_get_push_record_needs_an_id_or_dates(gateway: Any) -> None:
    with pytest.raises(ValueError, match="push_id"):
        get_push_record(gateway("records"), start_date="2025-03-01")
    with pytest.raises(ValueError, match="limit"):
        get_push_record(
            gateway("records"), start_date="2025-03-01", end_date="2025-03-02", limit=201
        )


def test_cancel_timing_task(gateway: Any, fake_tpns: FakeTpns) -> None:
    assert cancel_timing_task(gateway("cancel"), "3895624686")["ret_code"] == 0
    assert fake_tpns.last.body == b'{"pushId":"3895624686"}'
    assert fake_tpns.last.path == "/cancel/v3/push/cancel_timing_task"


def test_account_batch_operate_binds_tokens_to_accounts(gateway: Any, fake_tpns: FakeTpns) -> None:
    result = account_batch_operate(
        gateway("batch-ok"),
        client.OP_BIND,
        [TokenAccounts("t1", [AccountRef("+8613711112222", 1002), "alice"])],
    )
    assert (result.ret_code, result.result, result.partial) == (0, ["0"], False)
    assert json.loads(fake_tpns.last.body) == {
        "operator_type": 2,
        "token_accounts": [
            {
                "token": "t1",
                "account_list": [
                    {"account": "+8613711112222", "account_type": 1002},
                    {"account": "alice"},
                ],
            }
        ],
    }


def test_account_batch_operate_reports_partial_failure(gateway: Any, fake_tpns: FakeTpns) -> None:
    result = account_batch_operate(
        gateway("batch-partial"),
        client.OP_UNBIND_ACCOUNTS_FROM_ALL,
        ["alice", "bob"],
        account_type=0,
    )
    assert result.partial
    assert result.result == ["0", "1008006"]
    assert json.loads(fake_tpns.last.body) == {
        "operator_type": 5,
        "account_list": [{"account": "alice"}, {"account": "bob"}],
        "account_type": 0,
    }


def test_account_batch_operate_checks_its_items(gateway: Any) -> None:
    with pytest.raises(ValueError, match="20 tokens"):
        account_batch_operate(
            gateway("batch-ok"), client.OP_BIND, [TokenAccounts(f"t{i}", ["a1"]) for i in range(21)]
        )
    with pytest.raises(TypeError):
        account_batch_operate(
            gateway("batch-ok"), client.OP_UNBIND_TOKENS_FROM_ALL, [AccountRef("a1")]
        )
    with pytest.raises(ValueError, match="operator_type"):
        account_batch_operate(gateway("batch-ok"), 6, [])


def test_account_query_maps_accounts_to_tokens(gateway: Any, fake_tpns: FakeTpns) -> None:
    result = account_query(gateway("query"), accounts=["account1", "account2"], account_type=1005)
    assert result.account_tokens == {"account1": ["token1", "token2"], "account2": []}
    assert result.result == ["0", "0"]
    assert json.loads(fake_tpns.last.body) == {
        "operator_type": 1,
        "account_list": [
            {"account": "account1", "account_type": 1005},
            {"account": "account2", "account_type": 1005},
        ],
    }
    with pytest.raises(ValueError):
        account_query(gateway("query"))


# ------------------------------------------------------------ hosts and session


@pytest.mark.parametrize(
    ("gateway_name", "base_url"),
    [
        ("guangzhou", "https://api.tpns.tencent.com"),
        ("shanghai", "https://api.tpns.sh.tencent.com"),
        ("hongkong", "https://api.tpns.hk.tencent.com"),
        ("singapore", "https://api.tpns.sgp.tencent.com"),
    ],
)
def test_each_region_has_its_host(gateway_name: str, base_url: str) -> None:
    creds = Credentials(ACCESS_ID, SECRET_KEY, gateway_name)
    assert creds.base_url == base_url
    assert creds.url("v3/push/app") == f"{base_url}/v3/push/app"


def test_the_sandbox_url_comes_from_settings(settings: Settings) -> None:
    settings.TPNS_SANDBOX_BASE_URL = "http://127.0.0.1:8000/sandbox/"
    creds = Credentials(ACCESS_ID, SECRET_KEY, "sandbox")
    assert creds.url("v3/push/app") == "http://127.0.0.1:8000/sandbox/v3/push/app"


def test_an_unknown_gateway_is_refused() -> None:
    with pytest.raises(ValueError, match="moon"):
        Credentials(ACCESS_ID, SECRET_KEY, "moon").base_url  # noqa: B018


def test_credentials_repr_hides_the_secret() -> None:
    assert repr(Credentials(ACCESS_ID, SECRET_KEY, "sandbox")) == (
        "Credentials(access_id='1500001048', gateway='sandbox')"
    )


def test_one_session_per_process_renewed_after_fork() -> None:
    session = client._get_session()
    assert client._get_session() is session
    client._forget_session_after_fork()  # what os.fork runs in the child
    renewed = client._get_session()
    assert renewed is not session
    adapter = renewed.get_adapter("https://api.tpns.tencent.com")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter.max_retries.total == 0
