"""Upload size limits: refused from the headers when possible, never spooled past the limit."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.test import Client, RequestFactory

from pushes.sandbox import services, uploads
from pushes.sandbox.errors import SandboxError
from pushes.sandbox.models import SandboxApp, Upload
from pushes.tpns import signing
from tests.sandbox.helpers import ACCESS_ID, SECRET_KEY, upload

LIMIT = 4096  # stands in for the 100 MB package limit, to keep the tests fast
DECLARED = 300 * 1024 * 1024  # as in the review: far past the limit
UPLOAD_PATH = "/sandbox/v3/push/package/upload"
BOUNDARY = "limitboundary"
# The first bytes of a body whose remaining ~300 MB are never sent.
PREAMBLE = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="accounts.txt"\r\n'
    "Content-Type: text/plain\r\n\r\n"
).encode() + b"user00001\n" * 6_000


def package_of(size: int) -> bytes:
    """A valid .txt package of exactly `size` bytes (at least 10): distinct accounts."""
    count, extra = divmod(size, 10)
    lines = [f"user{n:05d}\n" for n in range(count)]  # 10 bytes each
    lines[-1] = lines[-1][:-1] + "z" * extra + "\n"  # the last account takes the remainder
    content = "".join(lines).encode()
    assert len(content) == size
    return content


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", LIMIT)
    return LIMIT


@pytest.fixture
def spool(settings: Any, tmp_path: Path) -> Path:
    """Where Django spools uploads; every upload goes to disk, so what is spooled shows."""
    folder = tmp_path / "spool"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


@pytest.fixture
def spooled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every chunk that reached Django's temporary-file handler."""
    chunks: list[int] = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self: TemporaryFileUploadHandler, raw_data: bytes, start: int) -> Any:
        chunks.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    return chunks


# --- refused from the headers, over real HTTP ----------------------------------------------


def _headers_only(base_url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Declare a 300 MB upload, send its first bytes only, and wait for the answer.

    A server that read the body before answering would wait for the rest: the socket
    timeout then fails the test.
    """
    address = urlsplit(base_url)
    assert address.hostname is not None
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
    try:
        connection.putrequest("POST", UPLOAD_PATH)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(DECLARED))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(PREAMBLE)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _signed(*, access_id: str = ACCESS_ID, age: int = 0) -> dict[str, str]:
    return {"AccessId": access_id, "TimeStamp": str(int(time.time()) - age), "Sign": "garbage"}


def _basic(secret_key: str) -> dict[str, str]:
    return {"Authorization": signing.basic_authorization(ACCESS_ID, secret_key)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        # A signature cannot be checked without the body, so the declared size decides.
        pytest.param(lambda: _signed(), 1008011, id="garbage-signature"),
        pytest.param(lambda: _basic(SECRET_KEY), 1008011, id="right-basic-credentials"),
        pytest.param(lambda: _basic("wrong"), 1008003, id="wrong-basic-credentials"),
        pytest.param(lambda: _signed(age=3600), 1008003, id="signature-outside-the-clock-window"),
        pytest.param(lambda: _signed(access_id="1599999999"), 1008035, id="unknown-access-id"),
    ],
)
def test_an_oversized_upload_is_answered_before_its_body_is_read(
    live_server: Any,
    sandbox_app: SandboxApp,
    spool: Path,
    spooled: list[int],
    headers: Callable[[], dict[str, str]],
    code: int,
) -> None:
    status, body = _headers_only(live_server.url, headers())  # a fresh TimeStamp

    assert (status, body["retCode"]) == (200, code), body
    assert spooled == []
    assert list(spool.iterdir()) == []
    assert not Upload.objects.exists()


def test_the_declared_length_may_hold_the_limit_plus_the_multipart_framing(
    small_limit: int,
) -> None:
    factory = RequestFactory()
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    largest = small_limit + uploads.MULTIPART_OVERHEAD_BYTES

    def declaring(length: str | None) -> Any:
        request = factory.post(UPLOAD_PATH, data=PREAMBLE, content_type=content_type)
        if length is None:
            del request.META["CONTENT_LENGTH"]
        else:
            request.META["CONTENT_LENGTH"] = length
        return request

    uploads.check_headers(declaring(str(largest)))
    refusals = {}
    for length in (str(largest + 1), None, "lots", "-1"):
        with pytest.raises(SandboxError) as refused:
            uploads.check_headers(declaring(length))
        refusals[length] = refused.value.code
    assert refusals == {str(largest + 1): 1008011, None: 1008002, "lots": 1008001, "-1": 1008001}


# --- the limit itself ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_takes_exactly_the_limit_and_not_a_byte_more(
    sandbox_app: SandboxApp, small_limit: int
) -> None:
    def store(size: int) -> Upload:
        fileobj = SimpleUploadedFile("accounts.txt", package_of(size))
        return services.package_upload(app=sandbox_app, fileobj=fileobj, filename="accounts.txt")

    exact = store(small_limit)
    with pytest.raises(SandboxError) as refused:
        store(small_limit + 1)

    assert (exact.size, exact.accounts) == (small_limit, small_limit // 10)
    assert refused.value.code == 1008011
    assert Upload.objects.count() == 1


@pytest.mark.django_db
def test_the_endpoint_takes_exactly_the_limit_and_not_a_byte_more(
    client: Client, sandbox_app: SandboxApp, small_limit: int, spool: Path
) -> None:
    exact = upload(client, package_of(small_limit)).json()
    over = upload(client, package_of(small_limit + 1)).json()

    assert exact["retCode"] == 0, exact
    assert Upload.objects.get().size == small_limit
    assert over == {"retCode": 1008011, "errMsg": "upload file error"}
    assert list(spool.iterdir()) == []


@pytest.mark.django_db
def test_an_oversized_file_is_spooled_up_to_the_limit_only(
    client: Client,
    sandbox_app: SandboxApp,
    small_limit: int,
    spool: Path,
    spooled: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Chunks that do not divide the limit, so the one that crosses it is caught mid-way.
    monkeypatch.setattr(FileUploadHandler, "chunk_size", 1000)

    body = upload(client, package_of(small_limit * 3)).json()

    assert body == {"retCode": 1008011, "errMsg": "upload file error"}
    assert 0 < sum(spooled) <= small_limit
    assert list(spool.iterdir()) == []
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_a_forged_signature_deletes_what_was_spooled(
    client: Client, sandbox_app: SandboxApp, spool: Path, spooled: list[int]
) -> None:
    body = upload(client, b"alice\nbob\n", signed=True, secret_key="wrong").json()

    assert body == {"retCode": 1008003, "errMsg": "auth failure"}
    assert sum(spooled) == len(b"alice\nbob\n")  # read to check the signature, then dropped
    assert list(spool.iterdir()) == []
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_an_accepted_upload_leaves_no_temporary_file(
    client: Client, sandbox_app: SandboxApp, spool: Path
) -> None:
    body = upload(client, b"alice\nbob\n", signed=True).json()

    assert body["retCode"] == 0
    assert list(spool.iterdir()) == []
    with Upload.objects.get().file.open("rb") as stored:
        assert stored.read() == b"alice\nbob\n"
