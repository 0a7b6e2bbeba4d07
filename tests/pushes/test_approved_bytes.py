"""The bytes uploaded to the gateway are the bytes approved, whatever storage holds now."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.models import AuditEvent, DeliveryAttempt, Push
from pushes.services import push_approve, push_deliver, push_submit
from pushes.tpns.errors import TransientTpnsError
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import AccountPackage, App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def overwrite(package: AccountPackage, data: bytes) -> None:
    """What anyone with write access to the volume or the bucket could do."""
    storage = package.file.storage
    name = package.file.name
    assert name is not None
    storage.delete(name)
    from django.core.files.base import ContentFile

    assert storage.save(name, ContentFile(data)) == name


def uploads(gateway: Gateway) -> int:
    from pushes.sandbox.models import Upload

    return Upload.objects.filter(app__access_id=gateway.app.access_id).count()


def approved_package_push(app: App, marketer: User, reviewer: User) -> Push:
    package = PackageFactory(app=app)
    push = push_submit(
        push=make_push(app=app, author=marketer, source="package", package=package), by=marketer
    )
    return push_approve(push=push, by=reviewer)


@pytest.mark.parametrize(
    "data",
    [b"mallory\nbob\ncarol\n", b"alice\nbob\ncarol\nmallory\n", b"alice\nbob\n"],
    ids=["same-size", "longer", "shorter"],
)
def test_a_package_changed_in_storage_after_approval_fails_and_sends_nothing(
    gateway: Gateway, app: App, marketer: User, reviewer: User, data: bytes
) -> None:
    gateway.bind("alice", "bob", "carol", "mallory")
    push = approved_package_push(app, marketer, reviewer)
    assert push.package is not None
    overwrite(push.package, data)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert "not the one that was approved" in push.err_msg
    assert push.package.sha256 in push.err_msg
    assert "Nothing was sent" in push.err_msg
    assert uploads(gateway) == 0 and gateway.pushes() == []
    assert push.attempts.get().outcome == DeliveryAttempt.Outcome.PERMANENT
    assert AuditEvent.objects.filter(action="package.bytes_changed").exists()


def test_the_approved_bytes_go_out_unchanged(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice", "bob", "carol")
    push = approved_package_push(app, marketer, reviewer)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert uploads(gateway) == 1


def test_a_generated_package_changed_before_its_retry_fails(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    accounts = "\n".join(f"user{n:04d}" for n in range(1001))
    push = push_submit(push=make_push(app=app, author=marketer, accounts=accounts), by=marketer)
    push = push_approve(push=push, by=reviewer)
    gateway.fault("upload", "http_500")
    with pytest.raises(TransientTpnsError):
        push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.generated_package is not None
    overwrite(push.generated_package, b"mallory\n" * 1001)
    push_deliver(push_id=push.id, retries=1)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert "not the one that was approved" in push.err_msg
    assert uploads(gateway) == 0 and gateway.pushes() == []
