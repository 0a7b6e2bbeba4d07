"""Delivery against the sandbox over real HTTP, run in-process (the worker tests run it for real)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from pushes.audit import verify_chain
from pushes.errors import WrongState
from pushes.models import AuditEvent, DeliveryAttempt, Push, PushResults
from pushes.services import (
    delivery,
    push_approve,
    push_deliver,
    push_reconcile,
    push_submit,
    results_refresh_from_gateway,
    sweep,
)
from pushes.tpns.errors import TransientTpnsError
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def devices_reached(push: Push) -> tuple[int, int]:
    """(planned, sent) devices, as the gateway's statistics tell them after the push."""
    assert results_refresh_from_gateway(push_id=push.id) in ("refreshed", "final")
    results = PushResults.objects.get(push=push)
    return results.planned, results.sent


def approved(app: App, author: User, reviewer: User, **fields: Any) -> Push:
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
    assert devices_reached(push) == (3, 3)
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
    assert devices_reached(push) == (1, 1)


def test_more_than_1000_typed_accounts_go_as_a_generated_package(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("user0007")
    accounts = "\n".join(f"user{i:04d}" for i in range(1500))
    push = approved(app, marketer, reviewer, accounts=accounts)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT, push.err_msg
    assert push.generated_package is not None
    assert push.upload_id and push.generated_package.accounts == 1500
    assert devices_reached(push) == (1, 1)
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
    assert devices_reached(push) == (2, 2)


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
    old = timezone.now() - timedelta(hours=1)
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
    soon = timezone.now() + timedelta(seconds=2)
    push = approved(app, marketer, reviewer, accounts="alice", send_time=soon)
    assert "send_time" not in push.payload  # TPNS takes send_time for package pushes only
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED and gateway.pushes() == []
    assert sweep()["requeued"] == 0  # not due yet
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.1)
    Push.objects.filter(pk=push.pk).update(queued_at=timezone.now() - timedelta(hours=1))
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
    from pushes.services import push_cancel

    gateway.bind("alice")
    later = timezone.now() + timedelta(hours=2)
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


@pytest.mark.parametrize(
    "change",
    [{"access_id": "1500099999"}, {"gateway": "guangzhou"}],
    ids=["access_id", "gateway"],
)
def test_a_push_whose_app_moved_after_approval_is_not_sent(
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    staff: User,
    change: dict[str, str],
) -> None:
    from pushes.services import app_update

    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    app_update(app=app, by=staff, **change)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert "changed after it was approved" in push.err_msg
    assert push.attempts.count() == 0 and gateway.pushes() == []


def test_the_content_hash_covers_schedule_gateway_and_access_id(app: App, marketer: User) -> None:
    from pushes import snapshot

    push = make_push(app=app, author=marketer)
    base = snapshot.content_hash(snapshot.snapshot(push))
    push.send_time = timezone.now() + timedelta(days=1)
    assert snapshot.content_hash(snapshot.snapshot(push)) != base
    push.send_time = None
    assert snapshot.content_hash(snapshot.snapshot(push)) == base
    push.app.gateway = "guangzhou"
    assert snapshot.content_hash(snapshot.snapshot(push)) != base
    push.app.gateway = app.gateway
    push.app.access_id = "1500099999"
    assert snapshot.content_hash(snapshot.snapshot(push)) != base


def test_a_transient_error_records_when_its_retry_is_due(
    gateway: Gateway,
    settings: Settings,
    app: App,
    marketer: User,
    reviewer: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.PUSH_REQUEUE_AFTER_SECONDS = 30
    monkeypatch.setattr(delivery, "retry_delay", lambda retries: 7.0 * (retries + 1))
    gateway.bind("alice")
    push = approved(app, marketer, reviewer, accounts="alice")
    gateway.fault("push", "http_500", count=3)
    before = timezone.now()
    with pytest.raises(delivery.RetryLater) as raised:
        push_deliver(push_id=push.id, retries=2)
    push.refresh_from_db()
    # The task retries after exactly the delay the push row says.
    assert raised.value.seconds == 21.0
    assert push.queued_at is not None
    assert (
        before + timedelta(seconds=21) <= push.queued_at <= timezone.now() + timedelta(seconds=21)
    )
    # Its retry message is lost: the sweeper queues it once the retry is overdue, not later.
    Push.objects.filter(id=push.id).update(queued_at=timezone.now() - timedelta(seconds=31))
    assert sweep()["requeued"] == 1


def test_retry_delays_back_off_with_jitter_up_to_the_maximum(settings: Settings) -> None:
    settings.PUSH_RETRY_BACKOFF_SECONDS = 10
    settings.PUSH_RETRY_BACKOFF_MAX_SECONDS = 600
    for retries, ceiling in ((0, 10), (1, 20), (2, 40), (10, 600)):
        delays = [delivery.retry_delay(retries) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 4  # jittered across the range, not pinned at 0


def test_a_claim_reads_the_pause_from_the_database_not_the_loaded_push(
    gateway: Gateway, app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    from pushes.lifecycle import claim
    from pushes.services import app_set_paused

    push = approved(app, marketer, reviewer, accounts="alice")
    loaded = Push.objects.select_related("app").get(id=push.id)
    app_set_paused(app=app, by=app_admin, paused=True)
    assert loaded.app.is_paused is False  # stale in memory
    assert claim(loaded, {Push.Status.APPROVED}, Push.Status.SENDING) is False
    assert Push.objects.get(id=push.id).status == Push.Status.APPROVED


def test_a_push_being_sent_cannot_be_cancelled(
    app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    from pushes.services import push_cancel

    push = approved(app, marketer, reviewer, accounts="alice")
    Push.objects.filter(id=push.id).update(status=Push.Status.SENDING)
    push.refresh_from_db()
    with pytest.raises(WrongState, match="cannot be cancelled"):
        push_cancel(push=push, by=app_admin)
    assert Push.objects.get(id=push.id).status == Push.Status.SENDING


def test_a_due_scheduled_push_queued_at_approval_is_dispatched_at_its_time(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    soon = timezone.now() + timedelta(seconds=1)
    push = approved(app, marketer, reviewer, accounts="alice", send_time=soon)
    push_deliver(push_id=push.id)  # the task queued at approval: too early, a no-op
    assert delivery.dispatch_due()["scheduled"] == 0
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.05)
    # Queued seconds ago at approval, yet dispatched as soon as it is due.
    assert delivery.dispatch_due()["scheduled"] == 1
    assert delivery.dispatch_due()["scheduled"] == 0  # once
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT


def test_beat_dispatches_due_work_every_few_seconds(settings: Settings) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE["dispatch"]
    assert schedule["task"] == "pushes.tasks.dispatch"
    assert float(schedule["schedule"]) <= 2.0
