"""Chaos: 30 pushes go through the console while the gateway, the worker, Redis and the
database fail under them, in an order a seeded RNG picks. No push may be sent twice or lost.

People create, confirm and approve the pushes over HTTP. Many are the same campaign sent
again (same title, content and accounts): the case where a lookup of an in-doubt push could
take another push's gateway record for its own. One worker runs at a time, on a Redis of the
test's own; this process plays beat. At the end every push the sandbox gateway accepted is
traced back to the Pushdeck push whose request it carries.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
import requests
from celery.utils.imports import symbol_by_name
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from console.celery import app as celery_app
from pushes import snapshot
from pushes.models import AccountPackage, DeliveryAttempt, Push
from pushes.sandbox import services as sandbox
from pushes.sandbox.models import FaultPlan, SandboxPush
from tests.integration.conftest import wait_for
from tests.integration.redis_server import private_redis_fixture  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from celery import Task
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker
    from tests.integration.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SEED = 20240611
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
ACCOUNTS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
PACKAGE_FILE = b"alice\ncarol\ngrace\n"

READ_TIMEOUT = 3.0  # the worker's TPNS read timeout
HELD = 8.0  # a gateway call held this long outlasts the read timeout
SLOW = 1.0  # a slow answer that still arrives in time
# The sweeper runs here: a claim older than the longest honest call is a dead worker's.
STALE_AFTER = 10
REQUEUE_AFTER = 4

Status = Push.Status
FINAL = {Status.SENT, Status.FAILED, Status.IN_DOUBT}
# Beat's other entries: retention deletes old package files, and the sandbox's own
# scheduler delivers pushes the gateway holds for later (none here).
NOT_PUSH_TASKS = {
    "pushes.tasks.apply_package_retention",
    "pushes.sandbox.tasks.deliver_due_scheduled",
}


@dataclass(frozen=True)
class Spec:
    title: str
    content: str
    accounts: tuple[str, ...] = ()
    package: bool = False


# Recurring campaigns: each is sent several times, identically.
CAMPAIGNS = (
    (Spec("Daily deals", "Today's picks are in", ("alice",)), 6),
    (Spec("Flash sale", "50% off for the next two hours", ("alice", "bob", "carol")), 6),
    (Spec("Weekly digest", "Your week in review", ("dave", "erin")), 5),
    (Spec("Members only", "Early access starts now", package=True), 3),
)
ONE_OFFS = 10


@dataclass(frozen=True)
class Fault:
    action: str
    count: int = 1
    ret_code: int | None = None
    seconds: float | None = None
    after_apply: bool = False


FAULTS = (
    Fault("http_500", count=2),
    Fault("http_429"),
    Fault("ret_code", count=2, ret_code=1008028),  # request too fast
    Fault("ret_code", ret_code=1008004),  # invoke service error
    Fault("sleep", seconds=SLOW, after_apply=True),
    Fault("sleep", seconds=READ_TIMEOUT + 2),  # read timeout, not applied
    Fault("sleep", seconds=READ_TIMEOUT + 2, after_apply=True),  # read timeout, applied
    Fault("drop", after_apply=True),
    Fault("malformed_200", after_apply=True),
    Fault("malformed_200"),
    Fault("ret_code", ret_code=1008007),  # invalid parameter: permanent
)


@dataclass
class Step:
    kind: str  # fault, kill, kill_held, redis_restart, db_terminate
    pushes: int
    fault: Fault | None = None
    applied: bool = False


def plan_steps(rng: random.Random, total: int, warm_up: int) -> list[Step]:
    steps = [Step("fault", 1, fault=fault) for fault in FAULTS]
    steps += [Step("kill", 2), Step("kill", 2)]
    steps += [Step("kill_held", 1, applied=True), Step("kill_held", 1, applied=False)]
    steps += [Step("redis_restart", 3), Step("db_terminate", 1)]
    rng.shuffle(steps)
    flexible = [step for step in steps if step.kind in ("fault", "kill")]
    for _ in range(total - warm_up - sum(step.pushes for step in steps)):
        rng.choice(flexible).pushes += 1
    return steps


def push_specs(rng: random.Random) -> list[Spec]:
    specs = [spec for spec, times in CAMPAIGNS for _ in range(times)]
    for n in range(1, ONE_OFFS + 1):
        accounts = tuple(rng.sample(ACCOUNTS, rng.randint(1, 4)))
        specs.append(Spec(f"Notice {n}", f"A message for you, number {n}", accounts))
    return specs


class Person:
    """Someone signed in to the console over HTTP, as a browser would be."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.get("/login/")
        response = self.post("/login/", {"username": username, "password": PASSWORD, "next": ""})
        assert response.status_code == 302, f"{username} could not sign in: {response.text[:300]}"

    def get(self, path: str) -> requests.Response:
        response = self.http.get(self.base_url + path, timeout=30)
        response.raise_for_status()
        return response

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.http.cookies["csrftoken"]}
        return self.http.post(
            self.base_url + path, data=data, allow_redirects=False, timeout=30, **kwargs
        )


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([0-9a-f]{{64}})"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def upload_package(author: Person, app: App) -> str:
    response = author.post(
        f"/apps/{app.code}/packages/upload/",
        {},
        files={"file": ("members.txt", PACKAGE_FILE, "text/plain")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201, response.text[:300]
    return str(response.json()["code"])


def create_push(author: Person, app: App, spec: Spec, package: str) -> Push:
    """Create Push → Preview → Confirm, as the author clicks through it."""
    form = {
        "source": "package" if spec.package else "manual",
        "package": package if spec.package else "",
        "accounts_text": "\n".join(spec.accounts),
        "account_type": "0",
        "account_push_type": "0",
        "message_type": "notify",
        "title": spec.title,
        "content": spec.content,
        "expire_hours": "",
        "send_time": "",
        "custom_key": [""],
        "custom_value": [""],
        "open_action": "app",
        "open_target": "",
        "action": "preview",
    }
    response = author.post(f"/apps/{app.code}/push/new/", form)
    assert response.status_code == 302, response.text[:500]
    match = re.fullmatch(r"/pushes/([0-9a-f-]{36})/preview/", response.headers["Location"])
    assert match, response.headers["Location"]
    code = match.group(1)
    preview_hash = _hidden(author.get(f"/pushes/{code}/preview/").text, "preview_hash")
    response = author.post(f"/pushes/{code}/confirm/", {"preview_hash": preview_hash})
    assert response.headers.get("Location") == f"/pushes/{code}/", response.text[:300]
    push = Push.objects.get(code=code)
    assert push.status == Status.PENDING_REVIEW
    return push


def approve(reviewer: Person, push: Push) -> None:
    content_hash = _hidden(reviewer.get(f"/review/{push.code}/").text, "content_hash")
    response = reviewer.post(
        f"/review/{push.code}/approve/", {"content_hash": content_hash, "comment": "Go."}
    )
    assert response.headers.get("Location") == "/review/", response.text[:300]
    push.refresh_from_db()
    assert push.status != Status.PENDING_REVIEW


class Beat:
    """Plays celery beat in this process: the schedule's push tasks, about every second."""

    def __init__(self) -> None:
        names = [entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]
        # Beat names tasks by dotted path; the path is also where each one is defined.
        self.tasks: list[Task] = [
            symbol_by_name(name) for name in names if name not in NOT_PUSH_TASKS
        ]
        self.last = float("-inf")

    def tick(self) -> None:
        if time.monotonic() - self.last >= 1:
            self.last = time.monotonic()
            for task in self.tasks:
                task()

    def run_for(self, seconds: float) -> None:
        """Let the chaos unfold for a while (pacing, not a check)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.tick()
            time.sleep(0.1)

    def wait(
        self, predicate: Callable[[], object], *, timeout: float, what: Callable[[], str]
    ) -> None:
        def check() -> object:
            self.tick()
            return predicate()

        try:
            wait_for(check, timeout=timeout, interval=0.05)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {what()}") from None


@dataclass
class Chaos:
    app: App
    gateway: Gateway
    start: Callable[[], Worker]
    beat: Beat
    worker: Worker | None = None
    worker_since: datetime | None = None
    kills: int = 0
    faults: int = 0
    lost_messages: int = 0
    terminated: int = 0
    notes: list[str] = field(default_factory=list)

    def start_worker(self) -> None:
        self.worker_since = timezone.now()
        self.worker = self.start()

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.kill()
        self.kills += 1
        self.start_worker()

    def fault(self, fault: Fault) -> FaultPlan:
        self.faults += 1
        return sandbox.add_fault(
            self.app,
            "push",
            fault.action,
            count=fault.count,
            ret_code=fault.ret_code,
            seconds=fault.seconds,
            after_apply=fault.after_apply,
        )

    def busy(self) -> list[str]:
        """Pushes the running worker still has to call the gateway for."""
        waiting = Push.objects.filter(
            app=self.app, status__in=[Status.APPROVED, Status.UPLOADING, Status.UPLOADED]
        )
        calling = Push.objects.filter(
            app=self.app, status=Status.SENDING, claimed_at__gte=self.worker_since
        )
        return [
            f"#{p.id} {p.title} {p.status} queued_at={p.queued_at}" for p in [*waiting, *calling]
        ]

    def quiet(self) -> None:
        """Wait until the next push call can only be the next approved push's."""
        self.beat.wait(lambda: not self.busy(), timeout=60, what=lambda: str(self.busy()))

    def wait_taken(self, plan: FaultPlan, *, recorded_after: int | None) -> None:
        """Until the gateway has taken the fault plan (and, if given, recorded a push)."""

        def taken() -> bool:
            plan.refresh_from_db()
            if plan.remaining:
                return False
            return recorded_after is None or len(self.gateway.pushes()) > recorded_after

        self.beat.wait(taken, timeout=60, what=lambda: f"{plan} not taken")


def pick_target(pending: list[Push], approved: list[Push]) -> Push:
    """A push of a typed-accounts campaign already sent before, if one is left."""
    sent_before = {(p.title, p.content) for p in approved}
    for push in pending:
        if push.source == Push.Source.MANUAL and (push.title, push.content) in sent_before:
            return push
    return pending[0]


_TASK_LINE = re.compile(r"Task [\w.]+\[([0-9a-f-]{36})\] (received|succeeded in|raised|retry:)")


def unfinished_tasks(worker: Worker) -> list[str]:
    """Task ids the worker took and has not finished, from its log. A retry comes back
    under the same id, so receipts and ends are counted, not just collected; a task that
    waits for its retry's countdown counts as unfinished."""
    balance: Counter[str] = Counter()
    for task_id, event in _TASK_LINE.findall(worker.log.read_text(errors="replace")):
        balance[task_id] += 1 if event == "received" else -1
    return [task_id for task_id, open_runs in balance.items() if open_runs > 0]


def terminate_other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- accounting


def own_request(push: Push) -> dict[str, Any]:
    """The push call this push makes: its frozen request and its marker."""
    payload = snapshot.build_request(push, upload_id=push.upload_id).to_payload()
    if push.marker:
        payload["group_id"] = push.marker
    return payload


def _contains(request: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(request.get(key) == value for key, value in expected.items())


def carries(request: dict[str, Any], push: Push) -> bool:
    return _contains(request, own_request(push))


def _without_marker(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("group_id", "seq")}


@dataclass
class Ledger:
    """Which Pushdeck push each push the gateway accepted belongs to: the one whose marker
    its request carries (`group_id`), else the one push that took its push_id."""

    pushes: list[Push]
    records: list[SandboxPush]
    owner: dict[str, Push | None] = field(default_factory=dict)  # gateway push_id → push
    claimants: dict[str, list[Push]] = field(default_factory=dict)  # push_id → pushes holding it
    owned: dict[int, list[SandboxPush]] = field(default_factory=dict)  # push id → records

    def __post_init__(self) -> None:
        by_marker = {p.marker: p for p in self.pushes if p.marker}
        for push in self.pushes:
            for push_id in filter(None, push.push_id.split(",")):
                self.claimants.setdefault(push_id, []).append(push)
        self.owned = {push.id: [] for push in self.pushes}
        for record in self.records:
            marker = str(_request(record).get("group_id") or "")
            if marker:
                owner = by_marker.get(marker)
            else:
                claimants = self.claimants.get(record.push_id, [])
                owner = claimants[0] if len(claimants) == 1 else None
            self.owner[record.push_id] = owner
            if owner is not None:
                self.owned[owner.id].append(record)

    def _whose(self, push_id: str) -> str:
        owner = self.owner.get(push_id)
        if owner is not None:
            return f"#{owner.id}'s"
        claimants = self.claimants.get(push_id, [])
        if len(claimants) > 1:
            return "claimed by " + ", ".join(f"#{p.id}" for p in claimants)
        return "no push's"

    def problems(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}

        def report(check: str, push: Push, text: str) -> None:
            found.setdefault(check, []).append(f"#{push.id} “{push.title}” {push.status}: {text}")

        records = {record.push_id: record for record in self.records}
        for push in self.pushes:
            mine = self.owned[push.id]
            if len(mine) > 1:
                report("duplicates", push, f"gateway pushes {[r.push_id for r in mine]}")
            if push.status not in FINAL:
                report("lost", push, "never settled")
            if push.status == Status.FAILED:
                permanent = push.attempts.filter(outcome=DeliveryAttempt.Outcome.PERMANENT)
                if not permanent.exists():
                    report("lost", push, f"failed without a permanent error: {push.err_msg}")
                if mine:
                    report("lost", push, f"failed, yet the gateway has {mine[0].push_id}")
            if push.status == Status.SENT:
                record = records.get(push.push_id)
                if record is None:
                    report("sent_not_its_own", push, f"push_id {push.push_id} not at the gateway")
                elif self.owner.get(push.push_id) != push:
                    report(
                        "sent_not_its_own",
                        push,
                        f"push_id {push.push_id} is {self._whose(push.push_id)}",
                    )
                elif not carries(_request(record), push):
                    report("sent_not_its_own", push, f"{push.push_id} carries another request")
            if len(self.claimants.get(push.push_id, [])) > 1:
                report(
                    "shared_push_id", push, f"push_id {push.push_id} {self._whose(push.push_id)}"
                )
            if push.status == Status.IN_DOUBT:
                if not push.err_msg.strip():
                    report("in_doubt_unexplained", push, "no err_msg")
                looked_up = push.attempts.filter(kind=DeliveryAttempt.Kind.RECORD).exists()
                if not push.lookup_state and not looked_up:
                    report("in_doubt_not_looked_up", push, push.err_msg)
                if push.lookup_state == Push.LookupState.ABSENT and mine:
                    report("absent_but_recorded", push, f"the gateway has {mine[0].push_id}")
        self._unaccounted(found)
        return found

    def _unaccounted(self, found: dict[str, list[str]]) -> None:
        """A gateway push linked to no push (no marker, and its push_id held by none or by
        several) is the one call of a push that has no record of its own — one with this
        very request — or else a second call."""
        spare = [
            p
            for p in self.pushes
            if not self.owned[p.id] and p.status in (Status.SENT, Status.IN_DOUBT)
        ]
        for record in self.records:
            if self.owner.get(record.push_id) is not None:
                continue
            request = _without_marker(_request(record))
            match = next(
                (p for p in spare if _contains(request, _without_marker(own_request(p)))),
                None,
            )
            if match is None:
                found.setdefault("duplicates", []).append(
                    f"gateway push {record.push_id} “{record.title}” is no push's own call"
                )
            else:
                spare.remove(match)

    def count(self, status: str, *, recorded: bool) -> int:
        """Pushes in `status` that have (or have not) a gateway push of their own."""
        return sum(
            1 for p in self.pushes if p.status == status and bool(self.owned[p.id]) == recorded
        )


def _request(record: SandboxPush) -> dict[str, Any]:
    return record.request if isinstance(record.request, dict) else {}


# ---------------------------------------------------------------- the test


@pytest.fixture
def start_chaos_worker(
    private_redis: RedisServer,
    worker_factory: Callable[..., Worker],
    gateway: Gateway,
    settings: Settings,
) -> Callable[[], Worker]:
    """Workers on the private Redis, with every delay shortened so chaos fits in minutes."""
    settings.PUSH_REQUEUE_AFTER_SECONDS = REQUEUE_AFTER
    settings.PUSH_STALE_AFTER_SECONDS = STALE_AFTER
    env = {
        "REDIS_URL": private_redis.url,
        "TPNS_SANDBOX_BASE_URL": gateway.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TPNS_READ_TIMEOUT": str(READ_TIMEOUT),
        "PUSH_RETRY_BACKOFF_SECONDS": "1",
        "PUSH_RETRY_BACKOFF_MAX_SECONDS": "4",
        # Every injected transient error may land on one push: it must not run out of tries.
        "PUSH_MAX_RETRIES": "12",
        "PUSH_LOOKUP_BACKOFF_SECONDS": "1,2,3",
        # The sandbox records a push before it answers: a few seconds prove it absent.
        "PUSH_LOOKUP_SETTLE_SECONDS": "5",
    }
    return lambda: worker_factory(env_overrides=env)


def test_chaos_nothing_is_sent_twice_or_lost(
    private_redis: RedisServer,
    start_chaos_worker: Callable[[], Worker],
    gateway: Gateway,
    live_server: Any,
    app: App,
    marketer: User,
    app_admin: User,
    reviewer: User,
) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    queue = celery_app.conf.task_default_queue
    gateway.bind(*ACCOUNTS)
    chaos = Chaos(app, gateway, start_chaos_worker, Beat())
    chaos.start_worker()

    people = {
        "marketer": Person(live_server.url, marketer.get_username()),
        "admin": Person(live_server.url, app_admin.get_username()),
    }
    review = Person(live_server.url, reviewer.get_username())
    package = upload_package(people["marketer"], app)
    chaos.beat.wait(
        lambda: AccountPackage.objects.filter(code=package, status="valid").exists(),
        timeout=30,
        what=lambda: str(list(AccountPackage.objects.values_list("status", flat=True))),
    )
    specs = push_specs(rng)
    pending = [
        create_push(people[rng.choice(["marketer", "marketer", "admin"])], app, spec, package)
        for spec in specs
    ]
    # One of each campaign first, sent without faults: later sends have twins on record.
    warm_up = [next(p for p in pending if p.title == spec.title) for spec, _ in CAMPAIGNS]
    rng.shuffle(pending)
    approved: list[Push] = []

    def approve_next(count: int, target: Push | None = None) -> None:
        for _ in range(count):
            push = target or pending[0]
            pending.remove(push)
            approve(review, push)
            approved.append(push)
            target = None

    for push in warm_up:
        approve_next(1, push)
    chaos.beat.wait(
        lambda: all(p.status in FINAL for p in Push.objects.filter(id__in=[p.id for p in warm_up])),
        timeout=60,
        what=lambda: str(chaos.busy()),
    )

    for step in plan_steps(rng, len(specs), len(warm_up)):
        if step.kind == "fault":
            assert step.fault is not None
            chaos.fault(step.fault)
            approve_next(step.pushes)
        elif step.kind == "kill":
            approve_next(step.pushes)
            chaos.beat.run_for(rng.uniform(0.2, 2.5))
            chaos.kill_worker()
        elif step.kind == "kill_held":
            chaos.quiet()
            plan = chaos.fault(Fault("sleep", seconds=HELD, after_apply=step.applied))
            before = len(gateway.pushes())
            approve_next(1, pick_target(pending, approved))
            chaos.wait_taken(plan, recorded_after=before if step.applied else None)
            chaos.kill_worker()
        elif step.kind == "redis_restart":
            # The worker is held in a slow call while the rest of the batch waits in Redis.
            plan = chaos.fault(Fault("sleep", seconds=SLOW + 1, after_apply=True))
            approve_next(step.pushes)
            chaos.wait_taken(plan, recorded_after=None)
            chaos.lost_messages = private_redis.queued(queue)
            private_redis.restart()
            assert private_redis.queued(queue) == 0
        elif step.kind == "db_terminate":
            if connection.vendor != "postgresql":
                chaos.notes.append("no PostgreSQL: connections not terminated")
                approve_next(step.pushes)
            else:
                # The worker waits for the gateway's answer, holding its connection.
                chaos.quiet()
                plan = chaos.fault(Fault("sleep", seconds=SLOW + 1, after_apply=True))
                before = len(gateway.pushes())
                approve_next(1, pick_target(pending, approved))
                chaos.wait_taken(plan, recorded_after=before)
                chaos.terminated = terminate_other_connections()
                assert chaos.terminated >= 1
        chaos.beat.run_for(rng.uniform(0.2, 1.2))
    assert not pending and len(approved) == len(specs)

    def unsettled() -> list[str]:
        rows = Push.objects.filter(app=app).exclude(status__in=FINAL)
        return [f"#{p.id} {p.title} {p.status} queued_at={p.queued_at}" for p in rows]

    chaos.beat.wait(lambda: not unsettled(), timeout=60, what=lambda: str(unsettled()))

    def drained() -> bool:
        """Nothing queued and nothing taken unfinished: what was queued has run."""
        assert chaos.worker is not None
        return private_redis.queued(queue) == 0 and not unfinished_tasks(chaos.worker)

    chaos.beat.wait(drained, timeout=30, what=lambda: f"{private_redis.queued(queue)} queued")
    assert chaos.worker is not None
    chaos.worker.stop()

    pushes = list(Push.objects.filter(app=app).select_related("app", "package").order_by("id"))
    ledger = Ledger(pushes, list(SandboxPush.objects.filter(app__access_id=app.access_id)))
    problems = ledger.problems()
    statuses = Counter(p.status for p in pushes)
    found = sum(1 for p in pushes if p.lookup_state == Push.LookupState.FOUND)
    print(
        f"\nchaos seed {SEED}: {len(pushes)} pushes in {time.monotonic() - started:.0f}s: "
        f"sent {statuses[Status.SENT]} ({found} of them found by a lookup), "
        f"failed {statuses[Status.FAILED]}, in_doubt {statuses[Status.IN_DOUBT]} "
        f"({ledger.count(Status.IN_DOUBT, recorded=True)} of them at the gateway); "
        f"{len(ledger.records)} gateway pushes; {chaos.kills} worker kills, "
        f"{chaos.faults} fault plans, {chaos.lost_messages} messages lost with Redis, "
        f"{chaos.terminated} DB connections terminated"
        + "".join(f"; {note}" for note in chaos.notes)
    )
    assert len(pushes) == len(specs)
    assert not problems, "\n".join(
        f"{check}: {len(items)}\n  " + "\n  ".join(items) for check, items in problems.items()
    )
