"""Delivery against the sandbox over real HTTP, run in-process (the worker tests run it for real)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from pushes.audit import verify_chain
from pushes.models import AuditEvent, DeliveryAttempt, Push
from pushes.services import delivery
from pushes.services.delivery import push_deliver, push_reconcile, sweep
from pushes.services.pushes import push_approve, push_submit
from pushes.tpns.errors import TransientTpnsError
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def approved(app: App, author: User, reviewer: User, **fields: object) -> Push:
    push = push_submit(push=make_push(app=app, author=author, **fields), by=author)
    return push_approve(push=push, by=reviewer)


def test_account_list_push_is_sent_once_and_delivered(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    gateway.bind("bob", devices=2)
    push = approved(app, marketer, reviewer, accounts="alice\nbob\ncarol\n", account_push_type=1)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert push.push_id and push.ret_code == 0
    assert (push.targeted, push.delivered, push.unbound) == (3, 3, 1)
    assert gateway.deliveries() == [
        ("alice", "Spring sale"),
        ("bob", "Spring sale"),
        ("bob", "Spring sale"),
    ]
    push_deliver(push_id=push.id)  # a redelivered task changes nothing
    assert len(gateway.pushes()) == 1
    attempt = push.attempts.get()
    assert (attempt.kind, attempt.outcome, attempt.http_status) == ("push", "ok", 200)


def test_latest_device_only_by_default(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("bob", devices=2)
    push = approved(app, marketer, reviewer, accounts="bob")
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.target == "account"
    assert push.delivered == 1


def test_more_than_1000_typed_accounts_go_as_a_generated_package(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("user0007")
    accounts = "\n".join(f"user{i:04d}" for i in range(1500))
    push = approved(app, marketer, reviewer, accounts=accounts)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT, push.err_msg
    assert push.upload_id and push.generated_package.accounts == 1500
    assert (push.targeted, push.delivered, push.unbound) == (1500, 1, 1499)
    kinds = list(push.attempts.values_list("kind", "outcome"))
    assert kinds == [("upload", "ok"), ("push", "ok")]


def test_package_push_uploads_once_and_reuses_the_upload_id(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice", "carol")
    package = PackageFactory(app=app)
    push = approved(app, marketer, reviewer, source="package", package=package)
    gateway.fault("push", "http_500")
    with pytest.raises(TransientTpnsError):
        push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.UPLOADED and push.upload_id
    first_upload = push.upload_id
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert push.upload_id == first_upload
    assert push.attempts.filter(kind="upload").count() == 1
    assert (push.targeted, push.delivered, push.unbound) == (3, 2, 1)


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("http_500", {}),
        ("http_429", {}),
        ("ret_code", {"ret_code": 1008028}),
        ("ret_code", {"ret_code": 1008004}),
    ],
)
def test_transient_errors_put_the_push_back_for_a_retry(
    gateway: Gateway, app: App, marketer: User, reviewer: User, action: str, kwargs: dict[str, int]
) -> None:
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    gateway.fault("push", action, **kwargs)
    with pytest.raises(TransientTpnsError):
        push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED
    assert gateway.pushes() == []
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert len(gateway.pushes()) == 1


@pytest.mark.parametrize(("code", "words"), [(1008007, "invalid parameter"), (1008003, "AccessID")])
def test_permanent_errors_fail_at_once_with_the_gateways_message(
    gateway: Gateway, app: App, marketer: User, reviewer: User, code: int, words: str
) -> None:
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    gateway.fault("push", "ret_code", ret_code=code)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert push.ret_code == code
    assert words in push.err_msg
    assert gateway.pushes() == []


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("sleep", {"seconds": 2, "after_apply": True}),
        ("drop", {"after_apply": True}),
        ("malformed_200", {"after_apply": True}),
    ],
)
def test_unknown_outcome_is_in_doubt_then_reconciled_from_push_records(
    gateway: Gateway,
    settings: Settings,
    app: App,
    marketer: User,
    reviewer: User,
    action: str,
    kwargs: dict[str, object],
) -> None:
    settings.TPNS_READ_TIMEOUT = 0.5
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    gateway.fault("push", action, **kwargs)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    push_deliver(push_id=push.id)  # never resent automatically
    assert len(gateway.pushes()) == 1
    assert push_reconcile(push_id=push.id) == Push.LookupState.FOUND
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert push.push_id == gateway.pushes()[0].push_id
    assert push.marker in push.err_msg  # settled by its own marker, said in words


def test_in_doubt_push_not_in_the_records_stays_for_a_person(
    gateway: Gateway, settings: Settings, app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    settings.TPNS_READ_TIMEOUT = 0.5
    settings.PUSH_LOOKUP_SETTLE_SECONDS = 0
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    gateway.fault("push", "sleep", seconds=2)  # before apply: nothing recorded
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.IN_DOUBT
    assert push_reconcile(push_id=push.id) == Push.LookupState.ABSENT
    push.refresh_from_db()
    delivery.push_resend(push=push, by=app_admin)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    assert len(gateway.pushes()) == 1
    assert AuditEvent.objects.filter(action="push.approved", actor=app_admin).exists()


def test_paused_app_sends_nothing_until_resumed(
    gateway: Gateway, app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    from pushes.services import app_set_paused

    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    app_set_paused(app=app, by=app_admin, paused=True)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED and gateway.pushes() == []
    app_set_paused(app=app, by=app_admin, paused=False)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT


def test_sweeper_settles_stale_sending_and_requeues_lost_work(
    gateway: Gateway, settings: Settings, app: App, marketer: User, reviewer: User
) -> None:
    stuck = approved(app, marketer, reviewer, accounts="alice")
    lost = approved(app, marketer, reviewer, accounts="bob")
    old = timezone.now() - timezone.timedelta(hours=1)
    Push.objects.filter(pk=stuck.pk).update(status=Push.Status.SENDING, claimed_at=old)
    Push.objects.filter(pk=lost.pk).update(queued_at=old)
    counts = sweep()
    stuck.refresh_from_db()
    assert stuck.status == Push.Status.IN_DOUBT
    assert counts["in_doubt"] == 1 and counts["requeued"] == 1


def test_delivery_transitions_are_audited_in_one_chain(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    push_deliver(push_id=push.id)
    actions = list(
        AuditEvent.objects.filter(object_id=str(push.pk), object_type="pushes.push")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["push.sending", "push.sent"]
    assert verify_chain() is None
    assert DeliveryAttempt.objects.filter(push=push).count() == 1


def test_scheduled_account_push_waits_for_the_sweeper(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    soon = timezone.now() + timezone.timedelta(seconds=2)
    push = approved(app, marketer, reviewer, accounts="alice", send_time=soon)
    assert "send_time" not in push.payload  # TPNS takes send_time for package pushes only
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED and gateway.pushes() == []
    assert sweep()["requeued"] == 0  # not due yet
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.1)
    Push.objects.filter(pk=push.pk).update(queued_at=timezone.now() - timezone.timedelta(hours=1))
    assert sweep()["requeued"] == 1
    push_deliver(push_id=push.id)  # what the requeued task does
    push.refresh_from_db()
    assert push.status == Push.Status.SENT


def test_scheduled_package_push_is_held_by_the_gateway_and_can_be_cancelled(
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    django_capture_on_commit_callbacks: object,
) -> None:
    from pushes.services.pushes import push_cancel

    gateway.bind("alice")
    later = timezone.now() + timezone.timedelta(hours=2)
    package = PackageFactory(app=app)
    push = approved(app, marketer, reviewer, source="package", package=package, send_time=later)
    assert push.payload["send_time"]
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    (scheduled,) = gateway.pushes()
    assert scheduled.status == "scheduled" and gateway.deliveries() == []
    push_cancel(push=push, by=marketer)  # queues the gateway call; run here as a worker would
    assert delivery.push_cancel_at_gateway(push_id=push.id, user_id=marketer.pk) is True
    push.refresh_from_db()
    scheduled.refresh_from_db()
    assert push.status == Push.Status.CANCELLED
    assert scheduled.status == "cancelled"
    assert push.attempts.filter(kind="cancel", outcome="ok").exists()


def test_a_push_changed_after_approval_is_not_sent(
    gateway: Gateway, app: App, marketer: User, reviewer: User, staff: User
) -> None:
    from pushes.services import app_update

    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    app_update(app=app, by=staff, platform="ios")  # changes what would be sent
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert "changed after it was approved" in push.err_msg
    assert gateway.pushes() == []
