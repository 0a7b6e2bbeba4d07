"""Delivery results: refreshing the statistics of 10,000 sent pushes within TPNS's budget.

Run from the repository root::

    python -m bench.bench_results [--pushes 10000] [--devices 3]

It serves the sandbox gateway with gunicorn on a fresh database of its own (SQLite, or a
PostgreSQL database beside DATABASE_URL's), makes `--pushes` sent pushes of one app with
`--devices` deliveries each, and times, over real HTTP:

- the baseline: the bare statistics call (`get_push_task_stat_channel`) for each push;
- a refresh (`results_refresh_from_gateway`: budget, call, storing the funnel, channels and a
  sample) for each push, with the budget raised so every push is refreshed;
- the same with TPNS's real budget (200 calls per app and hour): how many calls were made,
  and what the deferred refreshes cost.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.bench_delivery import ROOT, _bench_database, _free_port, _gunicorn

if TYPE_CHECKING:
    from collections.abc import Callable

DATABASE = "pushdeck_bench_results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pushdeck-bench-results-"))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _bench_database(tmp, DATABASE),
        "PUSHDECK_VAR_DIR": str(tmp / "var"),
        "TPNS_SANDBOX_BASE_URL": f"http://127.0.0.1:{port}/sandbox",
        "SANDBOX_STATISTICS_CALLS_PER_HOUR": str(10 * args.pushes),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with _gunicorn(env, port, tmp / "web.log"):
        _run(args)


def _run(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()
    from django.conf import settings

    from pushes.models import PushResults

    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"cores: {os.cpu_count()}, pushes: {args.pushes:,}, deliveries each: {args.devices}"
    )
    started = time.perf_counter()
    push_ids = _sent_pushes(args.pushes, args.devices)
    print(f"setup: {time.perf_counter() - started:.1f} s")

    bare = _timed(push_ids, _bare_call())
    print(f"\nbaseline, the bare statistics call:   {_per_push(bare, len(push_ids))}")
    settings.TPNS_STATISTICS_CALLS_PER_HOUR = 10 * len(push_ids)
    full = _timed(push_ids, _refresh)
    refreshed = PushResults.objects.filter(refreshes=1).count()
    print(f"refresh (call + store), no budget cap: {_per_push(full, len(push_ids))}")
    print(f"  refreshed: {refreshed:,}; overhead over the bare call: {full / bare:.2f}×")

    settings.TPNS_STATISTICS_CALLS_PER_HOUR = 200
    PushResults.objects.update(next_at=None)
    _reset_budget()
    capped = _timed(push_ids, _refresh)
    from pushes.models import GatewayCallBudget

    spent = sum(GatewayCallBudget.objects.values_list("calls", flat=True))
    deferred = PushResults.objects.filter(problem="budget").count()
    print(f"refresh with TPNS's budget (200/hour): {_per_push(capped, len(push_ids))}")
    print(f"  statistics calls made this hour: {spent} (budget 200); deferred: {deferred:,}")
    hours = -(-len(push_ids) // 200)
    print(f"  at 200 calls/hour, one refresh of every push takes {hours} hours")


def _per_push(seconds: float, count: int) -> str:
    return f"{seconds:7.1f} s in all, {1000 * seconds / count:6.2f} ms per push"


def _timed(push_ids: list[int], step: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for push_id in push_ids:
        step(push_id)
    return time.perf_counter() - started


def _refresh(push_id: int) -> object:
    from pushes.services import results_refresh_from_gateway

    return results_refresh_from_gateway(push_id=push_id)


def _bare_call() -> Callable[[int], object]:
    from pushes.models import Push
    from pushes.services.steps import credentials
    from pushes.tpns import client

    gateway_ids = dict(Push.objects.values_list("id", "push_id"))
    push = Push.objects.select_related("app").first()
    assert push is not None
    creds = credentials(push)
    return lambda push_id: client.get_push_task_stat_channel(creds, gateway_ids[push_id])


def _reset_budget() -> None:
    from pushes.models import GatewayCallBudget

    GatewayCallBudget.objects.all().delete()


def _sent_pushes(count: int, devices: int) -> list[int]:
    """`count` sent pushes, each with `devices` sandbox deliveries, made in bulk."""
    from django.utils import timezone

    from pushes.models import Push, PushResults
    from pushes.sandbox import engagement
    from pushes.sandbox import services as sandbox
    from pushes.sandbox.models import Delivery, Device, SandboxPush
    from tests.factories import AppFactory, MembershipFactory, UserFactory

    app = AppFactory(name="Bench")
    author = MembershipFactory(app=app, user=UserFactory(username="author")).user
    sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
    tokens = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(devices)]
    device_ids = [
        Device.objects.create(
            app=sandbox_app, token=t, channel=engagement.channel_for(platform="android", token=t)
        ).id
        for t in tokens
    ]
    now = timezone.now()
    gateway_pushes = SandboxPush.objects.bulk_create(
        SandboxPush(app=sandbox_app, push_id=str(10**15 + n), audience_type="account_list",
                    send_time=now, delivered_at=now)
        for n in range(count)
    )  # fmt: skip
    Delivery.objects.bulk_create(
        (
            Delivery(push=p, device_id=d, delivered_at=now, arrived_at=now, clicked_at=now)
            for p in gateway_pushes
            for d in device_ids
        ),
        batch_size=5000,
    )
    pushes = Push.objects.bulk_create(
        Push(app=app, created_by=author, status=Push.Status.SENT, title=f"Bench {n}",
             push_id=str(10**15 + n), sent_at=now, target="account_list")
        for n in range(count)
    )  # fmt: skip
    PushResults.objects.bulk_create(PushResults(push=p, next_at=now) for p in pushes)
    return [p.id for p in pushes]


if __name__ == "__main__":
    main()
