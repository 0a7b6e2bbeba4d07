"""Delivery: Approve → gateway latency, and a 5,000,000-account package push end to end.

Run from the repository root::

    python -m bench.bench_delivery [--pushes 50] [--accounts 5000000]

It starts a real stack in a temporary folder — gunicorn serving the console and the sandbox
gateway, one Celery worker — on a fresh SQLite database (or PostgreSQL when DATABASE_URL is
set; the bench then uses a database of its own beside it), with Redis as the broker when
REDIS_URL is set (else the filesystem broker). It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bench_database(tmp: Path, name: str = "pushdeck_bench") -> str:
    """A database of the bench's own: SQLite in `tmp`, or `name` beside DATABASE_URL's."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    import psycopg

    base, _, _name = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


@contextlib.contextmanager
def _gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    """console.wsgi under gunicorn as `make run` starts it (bin/run.py: 2 workers × 4 threads),
    answering on `port` for the block, its output in `log`."""
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "console.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--threads", "4", "--timeout", "120"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz")
        yield
    finally:
        web.terminate()
        web.wait(timeout=30)


def _wait_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (a local URL we built)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _wait_log(path: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{path.name}: {text!r} not seen")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=5_000_000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pushdeck-bench-"))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _bench_database(tmp),
        "PUSHDECK_VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(tmp / "media"),
        "CELERY_QUEUE": f"bench-{port}",
        "TPNS_SANDBOX_BASE_URL": f"http://127.0.0.1:{port}/sandbox",
        "TPNS_READ_TIMEOUT": "120",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    web_log, worker_log = tmp / "web.log", tmp / "worker.log"
    procs = [
        subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "console.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "300",
            ],
            cwd=ROOT,
            env=env,
            stdout=web_log.open("wb"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                python,
                "-m",
                "celery",
                "-A",
                "console",
                "worker",
                "--pool=solo",
                "-Q",
                env["CELERY_QUEUE"],
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=worker_log.open("wb"),
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz")
        _wait_log(worker_log, "ready.")
        _run(args, tmp)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _run(args: argparse.Namespace, tmp: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()
    from django.conf import settings

    from pushes.models import AccountPackage, Push
    from pushes.packages import validate_package
    from pushes.sandbox import services as sandbox
    from pushes.sandbox.models import SandboxPush
    from pushes.services import push_approve, push_submit
    from tests.factories import AppFactory, MembershipFactory, UserFactory, make_push

    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"broker: {settings.CELERY_BROKER_URL.split(':', 1)[0]}, cores: {os.cpu_count()}"
    )
    app = AppFactory(name="Bench")
    sandbox_app = sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key)
    author = MembershipFactory(app=app, user=UserFactory(username="author"), role="marketer").user
    reviewer = MembershipFactory(
        app=app, user=UserFactory(username="checker"), role="reviewer"
    ).user
    for account in ("alice", "bob"):
        sandbox.bind(
            app=sandbox_app, account=account, device=sandbox.register_device(app=sandbox_app)
        )

    latencies: list[float] = []
    for n in range(args.pushes):
        push = push_submit(push=make_push(app=app, author=author, title=f"Bench {n}"), by=author)
        started = time.time()
        push_approve(push=push, by=reviewer)  # commits, then queues the task
        while True:
            received = (
                SandboxPush.objects.filter(app=sandbox_app, request__message__title=f"Bench {n}")
                .values_list("created_at", flat=True)
                .first()
            )
            if received is not None:
                latencies.append(received.timestamp() - started)
                break
            time.sleep(0.005)
    print(f"\nApprove → gateway receives the push call ({args.pushes} pushes, one worker):")
    print(f"  median {statistics.median(latencies) * 1000:8.1f} ms")
    print(f"  p95    {_percentile(latencies, 0.95) * 1000:8.1f} ms")
    print(f"  max    {max(latencies) * 1000:8.1f} ms")

    path = tmp / "accounts.txt"
    with path.open("wb") as out:
        block = 100_000
        for start in range(0, args.accounts, block):
            out.write(
                "".join(
                    f"account{i:09d}\n" for i in range(start, min(start + block, args.accounts))
                ).encode()
            )
    for i in range(0, args.accounts, max(1, args.accounts // 1000)):
        sandbox.bind(
            app=sandbox_app,
            account=f"account{i:09d}",
            device=sandbox.register_device(app=sandbox_app),
        )
    t0 = time.perf_counter()
    with path.open("rb") as fh:
        result = validate_package(fh, path.name)
    validate_s = time.perf_counter() - t0
    from django.core.files import File

    package = AccountPackage(
        app=app,
        uploaded_by=author,
        original_name=path.name,
        size=result.size,
        sha256=result.sha256,
        format="txt",
        status="valid",
        rows=result.rows,
        accounts=result.accounts,
        validated_at=None,
    )
    with path.open("rb") as fh:
        package.file.save(path.name, File(fh), save=False)
    package.save()
    push = push_submit(
        push=make_push(app=app, author=author, source="package", package=package, title="Big"),
        by=author,
    )
    started = time.perf_counter()
    push_approve(push=push, by=reviewer)
    while True:
        push.refresh_from_db()
        if push.is_finished or push.status == Push.Status.IN_DOUBT:
            break
        time.sleep(0.1)
    total = time.perf_counter() - started
    upload = push.attempts.filter(kind="upload").first()
    call = push.attempts.filter(kind="push").first()
    size_mb = path.stat().st_size / 1e6
    print(f"\n{args.accounts:,}-account package push end to end ({size_mb:.0f} MB):")
    print(f"  validation in the console (streaming, dedup, SHA-256): {validate_s:6.2f} s")
    print(f"  Approve → {push.get_status_display().lower():<8} total:               {total:6.2f} s")
    if upload is not None and upload.duration_ms is not None:
        print(
            f"  upload to the sandbox (it validates the package too):   {upload.duration_ms / 1000:6.2f} s"
        )
    if call is not None and call.duration_ms is not None:
        print(
            f"  push call (sandbox delivers to every bound account):    {call.duration_ms / 1000:6.2f} s"
        )
    print(f"  targeted {push.targeted:,}, delivered {push.delivered:,}, unbound {push.unbound:,}")


if __name__ == "__main__":
    main()
