"""`v3/push/package/upload` and account-package pushes (§4, §14.5)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.test.client import encode_multipart
from django.utils import timezone

from pushes.sandbox import services
from pushes.sandbox.models import Delivery, RateWindow, SandboxApp, SandboxPush, Upload
from pushes.tpns import signing
from pushes.tpns.schema import format_send_time
from tests.sandbox.helpers import SECRET_KEY, device_for, package_push, signed_post, upload

pytestmark = pytest.mark.django_db


def upload_id_of(client: Client, content: bytes, filename: str = "accounts.txt") -> int:
    body = upload(client, content, filename).json()
    assert body["retCode"] == 0, body
    return body["uploadId"]


def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def test_an_upload_answers_camel_case_and_stores_the_file(
    client: Client, sandbox_app: SandboxApp
) -> None:
    content = b"alice\nbob\nalice\n"

    body = upload(client, content).json()

    assert set(body) == {"retCode", "errMsg", "uploadId"}
    assert (body["retCode"], body["errMsg"]) == (0, "NO_ERROR")
    assert isinstance(body["uploadId"], int) and 0 < body["uploadId"] < 2**31
    stored = Upload.objects.get(upload_id=body["uploadId"])
    assert (stored.filename, stored.accounts, stored.size) == ("accounts.txt", 2, len(content))
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    with stored.file.open("rb") as fileobj:
        assert fileobj.read() == content
    assert stored.file.name is not None
    assert "accounts" not in stored.file.name  # the client's name never becomes a path


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"alice\n", "accounts.csv"),
        (zipped("accounts.txt", b"alice\nbob\n"), "accounts.zip"),
    ],
)
def test_csv_and_zip_packages_are_accepted(
    client: Client, sandbox_app: SandboxApp, content: bytes, filename: str
) -> None:
    assert upload(client, content, filename).json()["retCode"] == 0


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"", "accounts.txt", 1008012),
        (b"\n\n  \n", "accounts.txt", 1008012),
        (b"alice\n", "accounts.xlsx", 1008011),
        (b"alice\n", "a" * 97 + ".txt", 1008011),
        (b"alice\nx\n", "accounts.txt", 1008011),  # one account too short
        (b"alice,bob\n", "accounts.csv", 1008011),  # two columns
        (b"not a zip", "accounts.zip", 1008011),
    ],
)
def test_bad_packages_are_refused(
    client: Client, sandbox_app: SandboxApp, content: bytes, filename: str, code: int
) -> None:
    body = upload(client, content, filename).json()

    assert body == {
        "retCode": code,
        "errMsg": "upload empty file" if code == 1008012 else "upload file error",
    }
    assert not Upload.objects.exists()


def test_a_missing_file_field(client: Client, sandbox_app: SandboxApp) -> None:
    body = encode_multipart("b", {"other": "x"})
    response = client.post(
        "/sandbox/v3/push/package/upload",
        data=body,
        content_type="multipart/form-data; boundary=b",
        headers={"Authorization": signing.basic_authorization(sandbox_app.access_id, SECRET_KEY)},
    )

    assert response.json() == {"retCode": 1008002, "errMsg": "missing parameter"}


def test_an_upload_id_belongs_to_its_app(client: Client, sandbox_app: SandboxApp) -> None:
    upload_id = upload_id_of(client, b"alice\n")
    other = services.ensure_app(access_id="1500000002", secret_key="other-secret")
    device_for(other, "alice")

    body = signed_post(
        client,
        "v3/push/app",
        package_push(upload_id),
        access_id=other.access_id,
        secret_key="other-secret",
    ).json()

    assert body["ret_code"] == 1008007


def test_a_package_push_reaches_every_bound_account(
    client: Client, sandbox_app: SandboxApp
) -> None:
    alice_old, alice_new = device_for(sandbox_app, "alice"), device_for(sandbox_app, "alice")
    bob = device_for(sandbox_app, "bob")
    device_for(sandbox_app, "carol")  # bound, but not in the package
    device_for(sandbox_app, "dave", account_type=1002)  # other account type
    upload_id = upload_id_of(client, b"alice\nbob\ndave\nerin\nbob\n")

    latest = signed_post(client, "v3/push/app", package_push(upload_id)).json()
    RateWindow.objects.all().delete()  # the one-per-second limit
    everywhere = signed_post(
        client, "v3/push/app", package_push(upload_id, account_push_type=1)
    ).json()

    first = SandboxPush.objects.get(push_id=latest["push_id"])
    assert (first.targeted, first.delivered, first.unbound) == (4, 2, 2)
    assert set(first.deliveries.values_list("device", flat=True)) == {alice_new.pk, bob.pk}
    second = SandboxPush.objects.get(push_id=everywhere["push_id"])
    assert (second.targeted, second.delivered, second.unbound) == (4, 3, 2)
    assert set(second.deliveries.values_list("device", flat=True)) == {
        alice_old.pk,
        alice_new.pk,
        bob.pk,
    }


def test_a_package_with_no_bound_account(client: Client, sandbox_app: SandboxApp) -> None:
    upload_id = upload_id_of(client, b"nobody\nno-one\n")

    body = signed_post(client, "v3/push/app", package_push(upload_id)).json()

    assert body["ret_code"] == 10010005
    assert not SandboxPush.objects.exists()


def test_a_package_push_in_many_chunks(
    client: Client, sandbox_app: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pushes.sandbox import delivery

    monkeypatch.setattr(delivery, "CHUNK_SIZE", 7)
    for n in range(0, 100, 3):
        device_for(sandbox_app, f"user{n:03d}")
    upload_id = upload_id_of(client, "".join(f"user{n:03d}\n" for n in range(100)).encode())

    body = signed_post(client, "v3/push/app", package_push(upload_id)).json()

    push = SandboxPush.objects.get(push_id=body["push_id"])
    assert (push.targeted, push.delivered, push.unbound) == (100, 34, 66)
    assert Delivery.objects.count() == 34


def test_the_database_lookup_gives_the_same_result(
    client: Client, sandbox_app: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pushes.sandbox import delivery

    monkeypatch.setattr(delivery, "IN_MEMORY_BINDINGS_LIMIT", 0)
    monkeypatch.setattr(delivery, "CHUNK_SIZE", 3)
    old, new = device_for(sandbox_app, "alice"), device_for(sandbox_app, "alice")
    device_for(sandbox_app, "bob")
    upload_id = upload_id_of(client, b"alice\nbob\ncarol\ndave\n")

    body = signed_post(client, "v3/push/app", package_push(upload_id, account_push_type=1)).json()

    push = SandboxPush.objects.get(push_id=body["push_id"])
    assert (push.targeted, push.delivered, push.unbound) == (4, 3, 2)
    assert old.deliveries.count() == new.deliveries.count() == 1


def test_two_package_pushes_within_a_second(client: Client, sandbox_app: SandboxApp) -> None:
    device_for(sandbox_app, "alice")
    upload_id = upload_id_of(client, b"alice\n")

    first = signed_post(client, "v3/push/app", package_push(upload_id)).json()
    second = signed_post(client, "v3/push/app", package_push(upload_id)).json()

    assert (first["ret_code"], second["ret_code"]) == (0, 1008028)
    assert SandboxPush.objects.count() == 1


def test_a_scheduled_package_push(client: Client, sandbox_app: SandboxApp) -> None:
    phone = device_for(sandbox_app, "alice")
    upload_id = upload_id_of(client, b"alice\nbob\n")
    later = format_send_time(timezone.now() + timedelta(minutes=30))

    body = signed_post(client, "v3/push/app", package_push(upload_id, send_time=later)).json()

    push = SandboxPush.objects.get(push_id=body["push_id"])
    assert push.status == "scheduled"
    assert not phone.deliveries.exists()
    services.deliver_due_scheduled(now=timezone.now() + timedelta(hours=1))
    push.refresh_from_db()
    assert (push.status, push.targeted, push.delivered, push.unbound) == ("sent", 2, 1, 1)
    record = signed_post(client, "v3/statistics/get_push_record", {"pushId": push.push_id}).json()
    assert record["pushRecordData"][0]["uploadId"] == upload_id
    assert record["pushRecordData"][0]["pushType"] == "package_account_push"
