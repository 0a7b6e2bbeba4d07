"""Exactly-once delivery: approve → sent, recovery after faults, scheduled-send lateness.

Run from the repository root::

    python -m bench.bench_exactly_once

It starts a real stack in a temporary folder — gunicorn serving the console and the sandbox
gateway, celery beat with the project's CELERY_BEAT_SCHEDULE, one Celery worker at a time — on
a fresh SQLite database (or PostgreSQL when DATABASE_URL is set; the bench then uses a database
of its own beside it). The broker is a private `redis-server` on a free port, started here so
it can be restarted as a fault; without that binary the filesystem broker is used and the
Redis fault is skipped. Delays are shortened through environment variables so the run takes
a few minutes. Faults come from the sandbox's fault plans, worker kills and, on PostgreSQL,
terminated database connections. Every push the gateway accepted is traced back to its
Pushdeck push through the marker in its request. It prints figures and asserts nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from bench.bench_delivery import (
    ROOT,
    _bench_database,
    _free_port,
    _percentile,
    _wait_http,
    _wait_log,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User

    from pushes.models import App, Push

DATABASE = "pushdeck_bench_once"
# Shortened so that the sweeper, retries and lookups act within the run; the defaults are in
# console/settings.py.
TIMINGS = {
    "PUSH_STALE_AFTER_SECONDS": "15",
    "PUSH_REQUEUE_AFTER_SECONDS": "10",
    "PUSH_RETRY_BACKOFF_SECONDS": "1",
    "PUSH_LOOKUP_BACKOFF_SECONDS": "2",
    "PUSH_LOOKUP_SETTLE_SECONDS": "5",
    "TPNS_READ_TIMEOUT": "2",
    "SANDBOX_FAULTS_ENABLED": "1",
}
# A worker killed during a held call must still be waiting for the answer when it dies; with
# the run's 2 s read timeout it would already have given up and put the push in doubt itself.
HELD_READ_TIMEOUT = "60"
HELD_SECONDS = 20.0
# Long enough for the worker to be inside the call when its database connection goes away,
# short enough for it to get the answer afterwards.
DB_HELD_SECONDS = 3.0
READ_TIMEOUT_HELD_SECONDS = 5.0  # outlasts TPNS_READ_TIMEOUT
UNAFFECTED = 30
SCHEDULED = 30
SCHEDULE_AHEAD = (4.0, 20.0)  # seconds between approval and send_time, spread evenly
SETTLE_TIMEOUT = 180.0  # the sweeper runs each minute; a stale claim waits for a second run
ACCOUNTS = ("alice", "bob")


def _drop_bench_database(admin_url: str) -> None:
    if not admin_url.startswith("postgres"):
        return
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS pushdeck_bench_once")


def _stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM to the process's own group (it runs in a session of its own), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)


def _until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise RuntimeError(f"{what}: not within {timeout:g} s")


class PrivateRedis:
    """A `redis-server` of the bench's own on a loopback port, keeping nothing on disk, so a
    restart loses every queued and unacknowledged message, as a crash would. The machine's
    Redis is never touched."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        argv = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        _until(self.ping, 10, "redis-server answering")

    def ping(self) -> bool:
        import redis

        try:
            with contextlib.closing(redis.Redis(port=self.port, socket_timeout=2)) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def queued(self, queue: str) -> int:
        import redis

        with contextlib.closing(redis.Redis(port=self.port, socket_timeout=2)) as client:
            return int(cast("int", client.llen(queue)))

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            _stop(process, timeout=10)  # SIGTERM: with --save "" it exits without saving

    def restart(self) -> None:
        self.stop()
        self.start()


class Stack:
    """gunicorn (console and sandbox), celery beat, and one worker at a time."""

    def __init__(self, tmp: Path, env: dict[str, str], port: int) -> None:
        self.tmp, self.env, self.port = tmp, env, port
        self.services: list[subprocess.Popen[bytes]] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.workers = 0

    def _spawn(
        self, argv: list[str], log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        # A session of its own: a kill of its process group reaches it and its children only.
        with log.open("wb") as out:
            return subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env or self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self) -> None:
        python = sys.executable
        web = [python, "-m", "gunicorn", "console.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        web += ["--workers", "2", "--threads", "4", "--timeout", "300"]
        self.services.append(self._spawn(web, self.tmp / "web.log"))
        beat_log = self.tmp / "beat.log"
        beat = [python, "-m", "celery", "-A", "console", "beat", "--loglevel=INFO"]
        beat += ["--schedule", str(self.tmp / "celerybeat-schedule")]
        self.services.append(self._spawn(beat, beat_log))
        _wait_http(f"http://127.0.0.1:{self.port}/healthz")
        _wait_log(beat_log, "beat: Starting")
        self.start_worker()

    def start_worker(self, **overrides: str) -> None:
        self.stop_worker()
        self.workers += 1
        log = self.tmp / f"worker{self.workers}.log"
        argv = [sys.executable, "-m", "celery", "-A", "console", "worker", "--pool=solo"]
        argv += ["-Q", self.env["CELERY_QUEUE"], "-n", f"bench-once-{self.workers}@%h"]
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
        self.worker = self._spawn(argv, log, {**self.env, **overrides})
        _wait_log(log, "ready.")

    def kill_worker(self) -> None:
        """SIGKILL to the worker's process group: it dies wherever it is, as a lost machine."""
        worker, self.worker = self.worker, None
        if worker is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    def stop_worker(self) -> None:
        """Warm shutdown: the solo worker finishes the task it is running first."""
        worker, self.worker = self.worker, None
        if worker is not None:
            _stop(worker, timeout=60)

    def stop(self) -> None:
        self.stop_worker()
        for proc in reversed(self.services):
            _stop(proc)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pushdeck-bench-once-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    redis = PrivateRedis(tmp / "redis") if shutil.which("redis-server") else None
    port = _free_port()
    stack: Stack | None = None
    finished = False
    try:
        if redis is not None:
            redis.start()
        env = {
            **os.environ,
            "DATABASE_URL": _bench_database(tmp, DATABASE),
            # Empty without redis-server: the filesystem broker, never the machine's Redis.
            "REDIS_URL": redis.url if redis is not None else "",
            "PUSHDECK_VAR_DIR": str(tmp / "var"),
            "MEDIA_ROOT": str(tmp / "media"),
            "CELERY_QUEUE": f"bench-once-{port}",
            "TPNS_SANDBOX_BASE_URL": f"http://127.0.0.1:{port}/sandbox",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **TIMINGS,
        }
        os.environ.update(env)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        stack = Stack(tmp, env, port)
        stack.start()
        _run(stack, redis)
        finished = True
    finally:
        if stack is not None:
            stack.stop()
        if redis is not None:
            redis.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        try:
            _drop_bench_database(admin_url)
        except Exception as exc:  # the figures are printed; a leftover database is only noted
            print(f"could not drop {DATABASE}: {exc}")
        if finished:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}", file=sys.stderr)


@dataclass
class Case:
    label: str
    expect_sent: bool  # sent exactly once; else in doubt, lookup absent, never applied
    push: Push | None = None
    approved_at: float = 0.0  # wall clock at the approval's commit
    note: str = ""


class World:
    """The bench's people and apps, and how it creates and approves pushes."""

    def __init__(self, stack: Stack, redis: PrivateRedis | None) -> None:
        from tests.factories import UserFactory

        self.stack, self.redis = stack, redis
        self.author = cast("User", UserFactory(username="author"))
        self.reviewer = cast("User", UserFactory(username="checker"))
        self.main = self.new_app("Bench")

    def new_app(self, name: str) -> App:
        """Each fault gets an app of its own, so its fault plan meets only its own push."""
        from pushes.sandbox import services as sandbox
        from tests.factories import AppFactory, MembershipFactory

        app = cast("App", AppFactory(name=name[:100]))
        MembershipFactory(app=app, user=self.author, role="marketer")
        MembershipFactory(app=app, user=self.reviewer, role="reviewer")
        sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
        for account in ACCOUNTS:
            sandbox.bind(
                app=sandbox_app, account=account, device=sandbox.register_device(app=sandbox_app)
            )
        return app

    def push(self, app: App, title: str, send_time: datetime | None = None) -> Push:
        from pushes.services import push_submit
        from tests.factories import make_push

        draft = make_push(app=app, author=self.author, title=title[:200], send_time=send_time)
        return push_submit(push=draft, by=self.author)

    def approve(self, push: Push) -> float:
        """Approve; the wall clock when the approval commits (before its task is queued)."""
        from django.db import transaction

        from pushes.services import push_approve

        committed: list[float] = []
        with transaction.atomic():
            # Registered before push_approve queues its task, so it runs first at commit.
            transaction.on_commit(lambda: committed.append(time.time()))
            push_approve(push=push, by=self.reviewer)
        return committed[0]

    def case(self, label: str, *, expect_sent: bool = True) -> tuple[Case, Push]:
        push = self.push(self.new_app(label), label)
        return Case(label, expect_sent, push=push), push


def _gateway_count(push: Push) -> int:
    from pushes.sandbox.models import SandboxPush
    from pushes.services import marker_for

    return SandboxPush.objects.filter(request__group_id=marker_for(push)).count()


def _settled_at(push: Push) -> datetime | None:
    """When the push reached an outcome no one has to act on: sent, failed, or a finished
    lookup of an in-doubt push."""
    from pushes.models import Push

    if push.status == Push.Status.SENT:
        return push.sent_at
    if push.status == Push.Status.IN_DOUBT:
        concluded = push.lookup_state not in ("", Push.LookupState.PENDING)
        return push.lookup_finished_at if concluded else None
    return push.finished_at if push.status in Push.FINISHED else None


def _wait_settled(pushes: list[Push], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for push in pushes:
            push.refresh_from_db()
        if all(_settled_at(push) is not None for push in pushes):
            return
        time.sleep(0.05)


# ---------------------------------------------------------------- the faults


def _gateway_fault(
    world: World,
    label: str,
    action: str,
    *,
    count: int = 1,
    ret_code: int | None = None,
    seconds: float | None = None,
    after_apply: bool = False,
) -> Case:
    """A fault plan on the push's next call(s), then approve; waits until it is settled, so
    the next case has the worker to itself."""
    from pushes.sandbox import services as sandbox

    case, push = world.case(label)
    sandbox.add_fault(
        push.app,
        "push",
        action,
        count=count,
        ret_code=ret_code,
        seconds=seconds,
        after_apply=after_apply,
    )
    case.approved_at = world.approve(push)
    _wait_settled([push], timeout=60)
    return case


def _kill_held(world: World, *, applied: bool) -> Case:
    """The worker dies while the gateway holds its call, before or after applying it."""
    from pushes.models import Push
    from pushes.sandbox import services as sandbox
    from pushes.sandbox.models import FaultPlan

    label = f"worker SIGKILL during a held call ({'applied' if applied else 'not applied'})"
    case, push = world.case(label, expect_sent=applied)
    world.stack.start_worker(TPNS_READ_TIMEOUT=HELD_READ_TIMEOUT)
    plan = sandbox.add_fault(push.app, "push", "sleep", seconds=HELD_SECONDS, after_apply=applied)
    case.approved_at = world.approve(push)
    if applied:
        _until(
            lambda: _gateway_count(push) > 0,
            30,
            "the held call applied",
        )
    else:
        _until(
            lambda: not FaultPlan.objects.filter(pk=plan.pk, remaining__gt=0).exists(),
            30,
            "the call held",
        )
    world.stack.kill_worker()
    status = Push.objects.values_list("status", flat=True).get(pk=push.pk)
    case.note = f"killed while the push was {status}"
    return case


def _terminate_connections(world: World) -> Case:
    """PostgreSQL: every other backend of the bench database is terminated while the worker
    waits for the gateway's answer to a call it has made (and the gateway applied)."""
    from django.db import connection

    label = "database connections terminated during a call"
    if connection.vendor != "postgresql":
        return Case(label, True, note="skipped: SQLite (set DATABASE_URL=postgres://…)")
    from pushes.sandbox import services as sandbox

    case, push = world.case(label)
    world.stack.start_worker(TPNS_READ_TIMEOUT=HELD_READ_TIMEOUT)
    sandbox.add_fault(push.app, "push", "sleep", seconds=DB_HELD_SECONDS, after_apply=True)
    case.approved_at = world.approve(push)
    _until(lambda: _gateway_count(push) > 0, 30, "the call applied")
    with connection.cursor() as cursor:
        # Only this run's database: other databases on the server are someone else's.
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    case.note = f"{row[0] if row else 0} backends terminated"
    world.stack.stop_worker()  # after it has had the answer
    return case


def _redis_restart(world: World) -> Case:
    """With no worker running the push's message waits in Redis, and a restart loses it."""
    label = "Redis restart, push queued, no worker running"
    if world.redis is None:
        return Case(label, True, note="skipped: no redis-server (filesystem broker)")
    case, push = world.case(label)
    world.stack.stop_worker()
    case.approved_at = world.approve(push)
    queued = world.redis.queued(world.stack.env["CELERY_QUEUE"])
    world.redis.restart()
    case.note = f"{queued} queued message(s) lost with the restart, the push's among them"
    world.stack.start_worker()
    return case


# ---------------------------------------------------------------- the run


def _run(stack: Stack, redis: PrivateRedis | None) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from pushes.models import Push
    from pushes.sandbox.models import SandboxPush
    from pushes.services import marker_for

    broker = f"private redis-server :{redis.port}" if redis is not None else "filesystem"
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"broker: {broker}, cores: {os.cpu_count()}, one solo worker at a time, celery beat"
    )
    print("timings shortened for this run (defaults in console/settings.py):")
    for name, value in TIMINGS.items():
        print(f"  {name}={value}")
    print(
        f"  (workers killed during a held call run with TPNS_READ_TIMEOUT={HELD_READ_TIMEOUT}, "
        "so they are still waiting when killed)"
    )
    world = World(stack, redis)

    # 1. Unaffected pushes, one at a time.
    latencies: list[float] = []
    for n in range(UNAFFECTED):
        push = world.push(world.main, f"Unaffected {n}")
        approved_at = world.approve(push)
        _wait_settled([push], timeout=60)
        if push.sent_at is not None:
            latencies.append(push.sent_at.timestamp() - approved_at)
    print(
        f"\n1. Approve → sent for unaffected pushes ({len(latencies)} typed-list pushes, "
        "one at a time; approval commit → sent_at):"
    )
    if latencies:
        print(f"  median {statistics.median(latencies):6.3f} s")
        print(f"  p95    {_percentile(latencies, 0.95):6.3f} s")
    sys.stdout.flush()

    # 2. Faults. Those settled by the gateway's answers go first, one after another; those
    # that wait for the sweeper follow, and settle while the scheduled pushes run.
    cases = [
        _gateway_fault(world, "gateway HTTP 500 ×3", "http_500", count=3),
        _gateway_fault(world, "ret_code 1008028 ×2", "ret_code", count=2, ret_code=1008028),
        _gateway_fault(
            world,
            "read timeout, push applied",
            "sleep",
            seconds=READ_TIMEOUT_HELD_SECONDS,
            after_apply=True,
        ),
        _gateway_fault(world, "connection dropped after apply", "drop", after_apply=True),
        _kill_held(world, applied=True),
        _kill_held(world, applied=False),
        _terminate_connections(world),
        _redis_restart(world),
    ]
    if stack.worker is None:
        stack.start_worker()

    # 3. Scheduled pushes, sent by the 2-second dispatch.
    scheduled: list[Push] = []
    low, high = SCHEDULE_AHEAD
    for n in range(SCHEDULED):
        ahead = low + (high - low) * n / max(1, SCHEDULED - 1)
        # Not on whole seconds: the times fall all over beat's 2-second cycle, so the figures
        # do not depend on where in a second beat happened to start.
        send_time = timezone.now() + timedelta(seconds=ahead)
        push = world.push(world.main, f"Scheduled {n}", send_time=send_time)
        world.approve(push)
        scheduled.append(push)

    pending = [case.push for case in cases if case.push is not None] + scheduled
    _wait_settled(pending, timeout=SETTLE_TIMEOUT)

    print(
        "\n2. Recovery after each fault (one push each, on an app of its own; approval → settled):"
    )
    print(f"  {'fault':<52} {'recovery':>9}  {'outcome':<26} {'gateway':>7}  as expected")
    print(f"  {'':<52} {'':>9}  {'':<26} {'count':>7}")
    for case in cases:
        if case.push is None:
            print(f"  {case.label:<52} {'—':>9}  {case.note}")
            continue
        push = case.push
        push.refresh_from_db()
        settled = _settled_at(push)
        count = _gateway_count(push)
        recovery = f"{settled.timestamp() - case.approved_at:7.1f} s" if settled else "    never"
        outcome = push.get_status_display().lower()
        if push.status == Push.Status.IN_DOUBT:
            outcome += f", lookup {push.lookup_state or 'not started'}"
        if case.expect_sent:
            expected = push.status == Push.Status.SENT and count == 1
        else:
            absent = push.lookup_state == Push.LookupState.ABSENT
            expected = push.status == Push.Status.IN_DOUBT and absent and count == 0
        print(
            f"  {case.label:<52} {recovery:>9}  {outcome:<26} {count:>7}  "
            f"{'yes' if expected else 'NO'}"
        )
        if case.note:
            print(f"  {'':<4}{case.note}")
    print(
        f"  (the sweeper runs every 60 s: a killed call waits {TIMINGS['PUSH_STALE_AFTER_SECONDS']} s "
        "to turn stale and a lost message "
        f"{TIMINGS['PUSH_REQUEUE_AFTER_SECONDS']} s to be requeued, then for its next run)"
    )

    lateness = [
        push.sent_at.timestamp() - push.send_time.timestamp()
        for push in scheduled
        if push.sent_at is not None and push.send_time is not None
    ]
    print(
        f"\n3. Scheduled-send lateness, sent_at − send_time ({len(lateness)} of {SCHEDULED} "
        f"typed-list pushes, {low:g}–{high:g} s ahead):"
    )
    if lateness:
        print(f"  median {statistics.median(lateness):6.2f} s")
        print(f"  p95    {_percentile(lateness, 0.95):6.2f} s")
        print(f"  max    {max(lateness):6.2f} s")
    print("  (beat's `dispatch` every 2 s queues them; `make run` starts the same beat schedule)")

    # Every push the gateway accepted, traced to the Pushdeck push whose marker it carries.
    markers = {marker_for(push) for push in Push.objects.all()}
    carried = Counter(
        str((request or {}).get("group_id") or "")
        for request in SandboxPush.objects.values_list("request", flat=True)
    )
    duplicates = sorted(marker for marker, n in carried.items() if marker in markers and n > 1)
    unowned = sum(n for marker, n in carried.items() if marker not in markers)
    approved = Push.objects.exclude(reviewed_at=None)
    unsettled = [push for push in approved if _settled_at(push) is None]
    print(
        "\nDuplicates across the run (pushes the gateway accepted more than once; should be 0): "
        f"{len(duplicates)}"
    )
    print(
        f"  {approved.count()} pushes approved, {sum(carried.values())} accepted by the gateway, "
        f"{unowned} of those without a Pushdeck marker, {len(unsettled)} pushes not settled"
    )
    for marker in duplicates:
        print(f"  {marker}: {carried[marker]} gateway pushes")


if __name__ == "__main__":
    main()
