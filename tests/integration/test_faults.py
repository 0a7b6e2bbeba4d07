"""No push is sent twice and no approved push is lost, with real workers and real failures.

Each test counts what the sandbox gateway recorded. Workers are real `celery worker`
processes; the sandbox is served over HTTP by the live server; the sweeper runs here, as
beat would run it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection

from pushes.models import DeliveryAttempt, Push
from pushes.services import delivery, push_approve, push_submit
from pushes.tasks import deliver_push
from tests.conftest import require
from tests.factories import PackageFactory, make_push
from tests.integration.conftest import wait_for
from tests.integration.redis_server import private_redis_fixture  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker
    from tests.integration.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_worker(
    worker_factory: Callable[..., Worker], gateway: Gateway, settings: Settings
) -> Callable[..., Worker]:
    """A worker that reaches the sandbox and shares its storage with this process."""
    # The sweeper runs in this process: nothing is too young to requeue or to settle.
    settings.PUSH_REQUEUE_AFTER_SECONDS = 0
    settings.PUSH_STALE_AFTER_SECONDS = 0

    def start(crash_at: str = "", **env: str) -> Worker:
        overrides = {
            "TPNS_SANDBOX_BASE_URL": gateway.url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "TPNS_READ_TIMEOUT": "10",
            "PUSH_RETRY_BACKOFF_SECONDS": "1",
            "PUSH_LOOKUP_BACKOFF_SECONDS": "1",
            "PUSH_LOOKUP_SETTLE_SECONDS": "0",
            "PUSHDECK_CRASH_AT": crash_at,
            **env,
        }
        return worker_factory(env_overrides=overrides)

    return start


def approve(app: App, author: User, reviewer: User, **fields: Any) -> Push:
    push = push_submit(push=make_push(app=app, author=author, **fields), by=author)
    return push_approve(push=push, by=reviewer)


def status_of(push: Push) -> str:
    push.refresh_from_db()
    return push.status


def wait_status(push: Push, *statuses: str, timeout: float = 30) -> str:
    wait_for(lambda: status_of(push) in statuses, timeout=timeout)
    return push.status


def wait_dead(worker: Worker, timeout: float = 30) -> None:
    assert worker.process is not None
    worker.process.wait(timeout=timeout)


def sent_once(gateway: Gateway, push: Push) -> None:
    push.refresh_from_db()
    assert push.status == Push.Status.SENT, (push.status, push.err_msg)
    recorded = gateway.pushes()
    assert len(recorded) == 1, recorded
    assert recorded[0].push_id == push.push_id


def test_killed_before_the_claim_the_sweeper_requeues_it(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    doomed = start_worker(crash_at="before_claim")
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_dead(doomed)
    assert status_of(push) == Push.Status.APPROVED
    start_worker()
    assert delivery.sweep()["requeued"] == 1
    wait_status(push, Push.Status.SENT)
    sent_once(gateway, push)


def test_killed_after_the_claim_is_in_doubt_and_never_resent(
    start_worker: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
) -> None:
    gateway.bind("alice")
    doomed = start_worker(crash_at="after_claim")
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_dead(doomed)
    assert status_of(push) == Push.Status.SENDING
    start_worker()
    assert delivery.sweep()["in_doubt"] == 1
    # The reconciler looked in the gateway's records and found nothing.
    wait_for(lambda: push.attempts.filter(kind="record").exists())
    assert status_of(push) == Push.Status.IN_DOUBT
    assert delivery.sweep() == {"requeued": 0, "in_doubt": 0, "reset_uploads": 0}
    assert gateway.pushes() == []
    delivery.push_resend(push=push, by=app_admin)
    wait_status(push, Push.Status.SENT)
    sent_once(gateway, push)


def test_killed_during_the_upload_the_upload_is_retried(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    gateway.fault("upload", "sleep", seconds=5)
    doomed = start_worker()
    push = approve(app, marketer, reviewer, source="package", package=PackageFactory(app=app))
    wait_for(lambda: push.attempts.filter(kind="upload").exists())
    doomed.kill()
    assert status_of(push) == Push.Status.UPLOADING
    start_worker()
    assert delivery.sweep()["reset_uploads"] == 1
    wait_status(push, Push.Status.SENT)
    sent_once(gateway, push)


def test_killed_during_the_push_call_the_reconciler_finds_it(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    gateway.fault("push", "sleep", seconds=3, after_apply=True)
    doomed = start_worker()
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_for(gateway.pushes)  # the gateway has it and is still answering
    doomed.kill()
    start_worker()
    assert delivery.sweep()["in_doubt"] == 1
    wait_status(push, Push.Status.SENT)
    sent_once(gateway, push)
    assert "push records" in push.err_msg


def test_killed_after_the_answer_before_commit_is_reconciled(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    doomed = start_worker(crash_at="after_answer")
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_dead(doomed)
    assert status_of(push) == Push.Status.SENDING
    assert len(gateway.pushes()) == 1
    start_worker()
    delivery.sweep()
    wait_status(push, Push.Status.SENT)
    sent_once(gateway, push)


def test_two_workers_racing_for_one_push_send_it_once(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    workers = [start_worker(), start_worker()]
    push = approve(app, marketer, reviewer, accounts="alice")
    for _ in range(6):
        deliver_push.delay(push.id)
    wait_status(push, Push.Status.SENT)
    # Every one of the 7 queued deliveries has run (each but one a no-op) before we count.
    wait_for(lambda: sum(w.finished("deliver_push") for w in workers) >= 7)
    sent_once(gateway, push)
    assert DeliveryAttempt.objects.filter(push=push, kind="push").count() == 1


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("http_500", {}),
        ("http_429", {}),
        ("ret_code", {"ret_code": 1008028}),
        ("ret_code", {"ret_code": 1008004}),
    ],
)
def test_transient_gateway_errors_are_retried_by_the_worker(
    start_worker: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    action: str,
    kwargs: dict[str, int],
) -> None:
    gateway.bind("alice")
    gateway.fault("push", action, count=2, **kwargs)
    start_worker()
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_status(push, Push.Status.SENT, timeout=60)
    sent_once(gateway, push)
    outcomes = list(push.attempts.filter(kind="push").values_list("outcome", flat=True))
    assert outcomes == ["transient", "transient", "ok"]


@pytest.mark.parametrize("code", [1008007, 1008003])
def test_permanent_gateway_errors_fail_without_retry(
    start_worker: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    code: int,
) -> None:
    gateway.bind("alice")
    gateway.fault("push", "ret_code", ret_code=code)
    start_worker()
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_status(push, Push.Status.FAILED)
    assert push.ret_code == code
    assert gateway.pushes() == []
    assert push.attempts.count() == 1


def test_retries_run_out_and_the_push_fails(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    gateway.fault("push", "http_500", count=10)
    start_worker(PUSH_MAX_RETRIES="2")
    push = approve(app, marketer, reviewer, accounts="alice")
    wait_status(push, Push.Status.FAILED, timeout=60)
    assert push.attempts.filter(kind="push").count() == 3
    assert gateway.pushes() == []


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("sleep", {"seconds": 4, "after_apply": True}),
        ("drop", {"after_apply": True}),
        ("malformed_200", {"after_apply": True}),
    ],
)
def test_unknown_outcomes_are_in_doubt_never_resent(
    start_worker: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    action: str,
    kwargs: dict[str, object],
) -> None:
    gateway.bind("alice")
    gateway.fault("push", action, **kwargs)
    worker = start_worker(TPNS_READ_TIMEOUT="1", PUSH_LOOKUP_BACKOFF_SECONDS="3600")
    push = approve(app, marketer, reviewer, accounts="alice")
    # The unknown outcome is looked up at once, without a sweep, and found: it went out.
    wait_status(push, Push.Status.SENT)
    assert push.marker in push.err_msg
    deliver_push.delay(push.id)  # a stray duplicate delivery
    worker.wait_finished("deliver_push", 2)
    worker.wait_finished("reconcile_push", 1)
    sent_once(gateway, push)
    assert push.attempts.filter(kind="push").count() == 1


def test_killed_during_a_held_call_an_identical_earlier_push_never_settles_it(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    """A recurring campaign: push A went out; identical push B's call is held and never
    applied, and the worker dies during it. B must not become Sent with A's push_id."""
    gateway.bind("alice", "bob")
    campaign = {"accounts": "alice\nbob", "title": "Your weekly picks", "content": "New deals"}
    steady = start_worker()
    first = approve(app, marketer, reviewer, **campaign)
    wait_status(first, Push.Status.SENT)
    steady.stop()
    gateway.fault("push", "sleep", seconds=3.5)  # held, then refused: nothing applied
    doomed = start_worker()
    second = approve(app, marketer, reviewer, **campaign)
    wait_for(lambda: second.attempts.filter(kind="push").exists())
    time.sleep(1)  # about a second into the held call
    doomed.kill()
    assert status_of(second) == Push.Status.SENDING
    start_worker()
    assert delivery.sweep()["in_doubt"] == 1
    wait_for(lambda: status_of(second) == Push.Status.IN_DOUBT and second.lookup_state != "pending")
    assert second.lookup_state == Push.LookupState.ABSENT, second.lookup_note
    assert second.push_id == ""
    first.refresh_from_db()
    assert [p.push_id for p in gateway.pushes()] == [first.push_id]


def test_postgres_connections_dropped_mid_call_nothing_is_lost_or_doubled(
    start_worker: Callable[..., Worker], gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    gateway.bind("alice", "bob")
    gateway.fault("push", "sleep", seconds=3, after_apply=True)
    worker = start_worker()
    first = approve(app, marketer, reviewer, accounts="alice")
    wait_for(gateway.pushes)  # the worker now waits for the answer, holding its connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1
    # The worker cannot record the answer; the push stays `sending` until the sweeper
    # settles it, and the reconciler finds it in the gateway's records.
    worker.wait_finished("deliver_push", 1)  # the answer came and could not be recorded
    assert status_of(first) == Push.Status.SENDING
    delivery.sweep()
    wait_status(first, Push.Status.SENT)
    second = approve(app, marketer, reviewer, accounts="bob")
    wait_status(second, Push.Status.SENT)
    assert len(gateway.pushes()) == 2


def _redis_restart(redis: RedisServer) -> None:
    """Crash the test's own broker: a Redis without persistence comes back empty."""
    redis.restart()


def test_redis_restarted_mid_run_nothing_is_lost(
    private_redis: RedisServer,
    start_worker: Callable[..., Worker],
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
) -> None:
    from console.celery import app as celery_app

    queue = celery_app.conf.task_default_queue
    gateway.bind("alice", "bob")
    # Queued while no worker runs; Redis keeps nothing on disk, so the restart loses it.
    lost = approve(app, marketer, reviewer, accounts="alice")
    assert private_redis.queued(queue) == 1
    _redis_restart(private_redis)
    assert private_redis.queued(queue) == 0
    start_worker(REDIS_URL=private_redis.url)
    sent_later = approve(app, marketer, reviewer, accounts="bob")
    wait_status(sent_later, Push.Status.SENT)
    assert status_of(lost) == Push.Status.APPROVED
    delivery.sweep()
    wait_status(lost, Push.Status.SENT)
    assert len(gateway.pushes()) == 2
