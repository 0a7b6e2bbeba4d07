"""A small fault-injecting HTTP server standing in for TPNS.

The first path segment picks the behaviour, so one server serves every test:
`http://127.0.0.1:<port>/<mode>/v3/push/app`. Each request is recorded as received,
raw body bytes included, so tests can check headers and signatures.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from pushes.tpns import codes
from pushes.tpns.hosts import Credentials

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings

ACCESS_ID = "1500001048"
SECRET_KEY = "1452fcebae9f3115ba794fb0fff2fd73"

PUSH_OK = {
    "seq": 0,
    "push_id": "1328245138690125824",
    "ret_code": 0,
    "err_msg": "NO_ERROR",
    "environment": "product",
    "result": "{}",
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class FakeTpns:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.server.fake = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}"

    @property
    def last(self) -> Received:
        return self.received[-1]


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no keep-alive state leaks between tests.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        fake: FakeTpns = self.server.fake  # type: ignore[attr-defined]
        fake.received.append(Received(self.path, dict(self.headers.items()), body))
        mode = self.path.split("/")[1]
        # The client may have given up first (read timeout tests).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(mode)

    def _answer(self, mode: str) -> None:
        if mode == "ok":
            return self._json(200, PUSH_OK)
        if mode == "ok-loop":
            return self._json(200, {**PUSH_OK, "push_id": ["11", "12"]})
        if mode == "upload-ok":
            return self._json(200, {"retCode": 0, "errMsg": "NO_ERROR", "uploadId": 42})
        if mode == "upload-no-id":
            return self._json(200, {"retCode": 0, "errMsg": "NO_ERROR"})
        if match := re.fullmatch(r"status-(\d+)", mode):
            return self._raw(int(match[1]), b"<html>nope</html>", "text/html")
        if match := re.fullmatch(r"ret-(\d+)", mode):
            code = int(match[1])
            return self._json(200, {"ret_code": code, "err_msg": codes.message_for(code)})
        if match := re.fullmatch(r"camel-(\d+)", mode):
            code = int(match[1])
            return self._json(200, {"retCode": code, "ErrMsg": codes.message_for(code)})
        if mode == "said-1008007":
            return self._json(200, {"ret_code": 1008007, "err_msg": "account_list too long"})
        if mode == "http403-1008003":
            return self._json(403, {"ret_code": 1008003, "err_msg": "auth failure"})
        if mode == "malformed":
            return self._raw(200, b"<html>proxy says hi</html>", "text/html")
        if mode == "no-ret-code":
            return self._json(200, {"push_id": "1"})
        if mode == "slow":
            time.sleep(0.6)
            return self._json(200, PUSH_OK)
        if mode == "drop":
            self.close_connection = True
            return None  # read the request, answer nothing, close
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Closing without the usual shutdown(SHUT_WR) sends RST instead of FIN.
            self.connection.close()
            self.close_connection = True
            return None
        if mode == "records":
            return self._json(200, RECORDS)
        if mode == "cancel":
            return self._json(200, {"ret_code": 0, "err_msg": "NO_ERROR"})
        if mode == "batch-partial":
            return self._json(
                200,
                {
                    "ret_code": 1008026,
                    "err_msg": "batch op,partly error",
                    "result": ["0", "1008006"],
                },
            )
        if mode == "batch-ok":
            return self._json(200, {"ret_code": 0, "err_msg": "NO_ERROR", "result": ["0"]})
        if mode == "query":
            return self._json(200, QUERY)
        return self._raw(404, b"unknown mode", "text/plain")

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._raw(status, json.dumps(data).encode(), "application/json")

    def _raw(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


RECORDS = {
    "retCode": 0,
    "errMsg": "NO_ERROR",
    "count": 126,
    "pushRecordData": [
        {
            "date": "2019-11-18 11:26:54",
            "pushId": "12",
            "title": "Sale",
            "content": "Everything must go",
            "status": "PUSH_FINISHED",
            "pushType": "account_list",
            "targetList": ["a1", "a2"],
            "tagSet": None,
            "uploadId": 0,
            "groupId": "",
            "collapseID": 0,
            "expireTime": 43200,
            "messageType": "notify",
            "xgMediaResources": "",
            "environment": "product",
            "pushConfig": {"android": {}, "ios": None},
            "multiPkg": True,
            "source": "api",
        }
    ],
}

QUERY = {
    "retCode": 0,
    "errMsg": "ok",
    "result": ["0", "0"],
    "account_tokens": [
        {"account": "account1", "token_list": ["token1", "token2"]},
        {"account": "account2", "token_list": []},
    ],
}


@pytest.fixture(scope="session")
def fake_tpns_server() -> Iterator[FakeTpns]:
    fake = FakeTpns()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def fake_tpns(fake_tpns_server: FakeTpns, settings: Settings) -> FakeTpns:
    fake_tpns_server.received.clear()
    settings.TPNS_CONNECT_TIMEOUT = 1.0
    settings.TPNS_READ_TIMEOUT = 2.0
    return fake_tpns_server


@pytest.fixture
def gateway(fake_tpns: FakeTpns, settings: Settings) -> Any:
    """gateway("mode") → credentials of a sandbox app pointed at that behaviour."""

    def use(mode: str) -> Credentials:
        settings.TPNS_SANDBOX_BASE_URL = fake_tpns.url(mode)
        return Credentials(ACCESS_ID, SECRET_KEY, "sandbox")

    return use
