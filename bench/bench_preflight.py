"""Reachability preflight: how long the check before Confirm takes.

Run from the repository root::

    python -m bench.bench_preflight [--typed 1000] [--accounts 5000000] [--sample 1000]

It serves the sandbox gateway with gunicorn on a fresh database of its own (SQLite, or a
PostgreSQL database beside DATABASE_URL's), binds devices to some accounts, and times, over
real HTTP (`v3/device/account/query`):

- `--typed` typed accounts (60% bound), as the preview checks them while the page waits: the
  bare queries and the whole check (cache bypassed), at TPNS's batch (TPNS_ACCOUNT_QUERY_BATCH,
  100) and at the sandbox's (1,000);
- an account package of `--accounts` accounts (written as a .txt file, 1% of them bound):
  reading the file alone, drawing a `--sample` sample from it (the package reader streamed into
  a reservoir; the peak memory it adds), the sample's queries, and the worker's whole check.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.bench_delivery import ROOT, _bench_database, _free_port, _gunicorn

if TYPE_CHECKING:
    from collections.abc import Callable

DATABASE = "pushdeck_bench_preflight"
REPEATS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--typed", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=5_000_000)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pushdeck-bench-preflight-"))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _bench_database(tmp, DATABASE),
        "PUSHDECK_VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(tmp / "media"),
        "TPNS_SANDBOX_BASE_URL": f"http://127.0.0.1:{port}/sandbox",
        "PREFLIGHT_SAMPLE_SIZE": str(args.sample),
        "PREFLIGHT_TIMEOUT_SECONDS": "30",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with _gunicorn(env, port, tmp / "web.log"):
        _run(args, tmp)


def _run(args: argparse.Namespace, tmp: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()
    from django.conf import settings

    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"cores: {os.cpu_count()}, typed: {args.typed:,}, package: {args.accounts:,}, "
        f"sample: {args.sample:,}"
    )
    app, author = _app()
    _typed(app, author, args.typed)
    _package(app, author, args, tmp)


def _app() -> tuple[Any, Any]:
    from tests.factories import AppFactory, MembershipFactory, UserFactory

    app = AppFactory(name="Bench")
    author = MembershipFactory(app=app, user=UserFactory(username="author")).user
    return app, author


def _bind(app: Any, accounts: list[str]) -> None:
    """Bind one device to each account, in bulk."""
    from django.utils import timezone

    from pushes.sandbox import services as sandbox
    from pushes.sandbox.models import AccountBinding, Device

    sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
    start = Device.objects.count()
    devices = Device.objects.bulk_create(
        (
            Device(app=sandbox_app, token=f"{start + i:08d}-0000-4000-8000-000000000000")
            for i in range(len(accounts))
        ),
        batch_size=5000,
    )
    now = timezone.now()
    AccountBinding.objects.bulk_create(
        (
            AccountBinding(app=sandbox_app, account=a, device=d, bound_at=now)
            for a, d in zip(accounts, devices, strict=True)
        ),
        batch_size=5000,
    )


def _median(step: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _typed(app: Any, author: Any, count: int) -> None:
    from django.conf import settings

    from pushes.services.preflight import query_accounts, reach_check_again
    from pushes.services.steps import app_credentials
    from tests.factories import make_push

    accounts = [f"typed{i:06d}" for i in range(count)]
    _bind(app, accounts[: count * 6 // 10])
    push = make_push(app=app, author=author, accounts="\n".join(accounts))
    creds = app_credentials(app)
    print(f"\n{count:,} typed accounts, checked while the preview waits (median of {REPEATS}):")
    for batch in (settings.TPNS_ACCOUNT_QUERY_BATCH, settings.PREFLIGHT_SANDBOX_BATCH):
        calls = -(-count // batch)
        bare = _median(partial(query_accounts, creds, accounts, 0, batch=batch))
        settings.PREFLIGHT_SANDBOX_BATCH = batch  # the app is a sandbox app
        whole = _median(lambda: reach_check_again(push=push, by=author))
        check = push.reach_checks.first()
        assert check is not None
        print(
            f"  batch {batch:>5,} ({calls:>3} calls): queries {1000 * bare:7.1f} ms, "
            f"whole check {1000 * whole:7.1f} ms  → {check.bound:,} of {check.checked:,} bound"
        )
    settings.PREFLIGHT_SANDBOX_BATCH = 1000


def _write_package(path: Path, count: int) -> list[str]:
    """The package file, and the 1% of its accounts that get a device."""
    bound = []
    with path.open("w") as out:
        for start in range(0, count, 100_000):
            block = [f"member{i:08d}" for i in range(start, min(count, start + 100_000))]
            out.write("\n".join(block) + "\n")
            bound.extend(block[::100])
    return bound


def _package(app: Any, author: Any, args: argparse.Namespace, tmp: Path) -> None:
    from django.conf import settings

    from pushes.packages import iter_accounts
    from pushes.selectors.preflight import reservoir_sample
    from pushes.services.preflight import query_accounts
    from pushes.services.steps import app_credentials

    media = Path(settings.MEDIA_ROOT)
    (media / "packages").mkdir(parents=True, exist_ok=True)
    path = media / "packages" / "bench.txt"
    started = time.perf_counter()
    bound = _write_package(path, args.accounts)
    _bind(app, bound)
    size = path.stat().st_size
    print(f"\npackage of {args.accounts:,} accounts ({size / 1e6:.0f} MB, {len(bound):,} bound)")
    print(f"  setup: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with path.open("rb") as fileobj:
        lines = sum(1 for _ in fileobj)
    print(f"  baseline, reading the file's lines:      {time.perf_counter() - started:6.2f} s")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with path.open("rb") as fileobj:
        sample, seen = reservoir_sample(
            iter_accounts(fileobj, "bench.txt"), args.sample, rng=random.Random(7)
        )
    draw = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(
        f"  drawing the sample ({len(sample):,} of {seen:,}): {draw:6.2f} s "
        f"(peak memory grew {grown:.0f} MB; {lines:,} lines)"
    )
    creds = app_credentials(app)
    for batch in (settings.TPNS_ACCOUNT_QUERY_BATCH, settings.PREFLIGHT_SANDBOX_BATCH):
        queries = _median(partial(query_accounts, creds, sample, 0, batch=batch))
        print(f"  the sample's queries, batch {batch:>5,}:      {1000 * queries:6.1f} ms")
    _worker_check(app, author, path, args, bound=len(bound))


def _worker_check(app: Any, author: Any, path: Path, args: argparse.Namespace, bound: int) -> None:
    """The worker's whole check (sample, queries, progress, result), as at a TPNS region."""
    import hashlib

    from pushes.models import AccountPackage, ReachCheck
    from pushes.services.preflight import reach_check_for_page, reach_check_run
    from tests.factories import make_push

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    package = AccountPackage.objects.create(
        app=app,
        uploaded_by=author,
        original_name="bench.txt",
        size=path.stat().st_size,
        sha256=digest,
        format="txt",
        status=AccountPackage.Status.VALID,
        rows=args.accounts,
        accounts=args.accounts,
    )
    AccountPackage.objects.filter(pk=package.pk).update(file="packages/bench.txt")
    package.refresh_from_db()
    push = make_push(app=app, author=author, accounts="", source="package", package=package)
    check = reach_check_for_page(push=push, by=author)
    assert check is not None
    # A sandbox app is checked whole; time the sample a TPNS region gets instead.
    ReachCheck.objects.filter(pk=check.pk).update(exact=False, sample_size=args.sample)
    started = time.perf_counter()
    reach_check_run(check_id=check.pk)
    whole = time.perf_counter() - started
    check.refresh_from_db()
    share = check.bound / check.checked if check.checked else 0.0
    print(
        f"  the worker's whole check (sample + queries + progress): {whole:6.2f} s "
        f"→ {check.bound:,} of {check.checked:,} sampled bound ({100 * share:.1f}%; "
        f"in fact {100 * bound / args.accounts:.1f}%)"
    )
    calls = -(-args.accounts // 1000)
    print(f"  (an exact check of every account would make {calls:,} query calls)")


if __name__ == "__main__":
    main()
