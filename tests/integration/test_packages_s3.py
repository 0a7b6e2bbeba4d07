"""Account packages on S3: uploaded through the console, validated by a real worker from the
bucket, error report written back to the bucket and downloaded, retention deleting objects."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pushes.models import AccountPackage
from pushes.services import packages as services
from tests.integration.conftest import wait_for
from tests.integration.s3 import S3, s3_server  # noqa: F401 - the fixture

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_s3(s3_server: S3, settings: Settings) -> S3:  # noqa: F811
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage}
    return s3_server


def upload(client: Client, app: App, name: str, data: bytes) -> AccountPackage:
    response = client.post(
        reverse("console:package-upload", kwargs={"code": app.code}),
        {"file": SimpleUploadedFile(name, data)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    return AccountPackage.objects.get(code=response.json()["code"])


def finished(package: AccountPackage) -> AccountPackage:
    def done() -> AccountPackage | None:
        package.refresh_from_db()
        return package if package.is_finished else None

    wait_for(done, timeout=30)
    return package


def test_packages_go_through_s3_and_a_real_worker(
    on_s3: S3,
    worker_factory: Callable[..., Worker],
    client: Client,
    app: App,
    marketer: User,
) -> None:
    worker_factory(env_overrides=on_s3.worker_env)
    client.force_login(marketer)
    good_data = b"alice\nbob\nbob\n"
    good = upload(client, app, "spring.txt", good_data)
    bad = upload(client, app, "broken.csv", b"alice\nx\n=cmd,2\n")
    # Stored in the bucket under generated names, before any validation.
    assert on_s3.keys(f"packages/{app.code}/") == sorted(
        [f"pushdeck/{good.file.name}", f"pushdeck/{bad.file.name}"]
    )

    good, bad = finished(good), finished(bad)

    assert good.status == AccountPackage.Status.VALID
    assert (good.rows, good.accounts, good.duplicates) == (3, 2, 1)
    assert good.sha256 == hashlib.sha256(good_data).hexdigest()
    assert bad.status == AccountPackage.Status.INVALID
    assert [(e["line"], e["reason"]) for e in bad.errors] == [
        (2, "account has 1 character; accounts have 2–100 characters"),
        (3, "2 columns; an account package CSV has exactly one column"),
    ]
    report_key = f"pushdeck/{bad.error_report.name}"
    assert report_key in on_s3.keys(f"packages/{app.code}/")

    response = client.get(
        reverse("console:package-report", kwargs={"code": app.code, "package": bad.code})
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["line", "reason", "value", "first_line"],
        ["2", "account has 1 character; accounts have 2–100 characters", "x", ""],
        ["3", "2 columns; an account package CSV has exactly one column", "'=cmd,2", ""],
    ]

    app.package_retention_days = 1
    app.save()
    AccountPackage.objects.update(created_at=good.created_at.replace(year=2000))
    assert services.package_apply_retention() == 2
    assert on_s3.keys() == []
    bad.refresh_from_db()
    assert bad.file_deleted_at is not None and bad.invalid_rows == 2


def test_a_package_overwritten_in_the_bucket_after_approval_is_not_sent(
    on_s3: S3, gateway: Gateway, client: Client, app: App, marketer: User, reviewer: User
) -> None:
    from django.core.files.base import ContentFile

    from pushes.models import Push
    from pushes.services import push_approve, push_deliver, push_submit
    from tests.factories import make_push

    gateway.bind("alice", "bob", "mallory")
    client.force_login(marketer)
    package = upload(client, app, "vip.txt", b"alice\nbob\n")
    services.package_validate(package_id=package.id)
    package.refresh_from_db()
    assert package.status == AccountPackage.Status.VALID
    push = push_submit(
        push=make_push(app=app, author=marketer, source="package", package=package), by=marketer
    )
    push = push_approve(push=push, by=reviewer)
    # Someone with write access to the bucket replaces the object after approval.
    storage = package.file.storage
    assert package.file.name is not None
    storage.delete(package.file.name)
    storage.save(package.file.name, ContentFile(b"mallory\nbob\n"))
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert "not the one that was approved" in push.err_msg
    assert gateway.pushes() == []


def test_the_valid_rows_of_a_package_on_s3_become_a_package_on_s3(
    on_s3: S3,
    worker_factory: Callable[..., Worker],
    client: Client,
    app: App,
    marketer: User,
) -> None:
    worker_factory(env_overrides=on_s3.worker_env)
    client.force_login(marketer)
    original = finished(upload(client, app, "spring.csv", b'"account"\nalice\nx\nbob\nalice\n'))
    assert (original.status, original.header_line) == (AccountPackage.Status.INVALID, 1)

    response = client.post(
        reverse(
            "console:package-use-valid-rows",
            kwargs={"code": app.code, "package": original.code},
        )
    )
    assert response.status_code == 302
    derived = finished(AccountPackage.objects.get(derived_from=original))

    assert derived.status == AccountPackage.Status.VALID
    assert (derived.accounts, derived.rows_dropped) == (2, 3)
    with derived.file.open("rb") as stored:
        data = stored.read()
    assert data == b"alice\nbob\n"
    assert derived.sha256 == hashlib.sha256(data).hexdigest()
    assert f"pushdeck/{derived.file.name}" in on_s3.keys(f"packages/{app.code}/")
