"""Console pages at scale: a million pushes, 20 people signed in at once.

Run from the repository root (PostgreSQL and Redis, as in production)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/0 \\
        python -m bench.bench_pages [--pushes 1000000] [--seconds 6] [--users 20] [--think 1]

The production shape: DEBUG=0, gunicorn with `make run`'s settings (2 workers × 4
threads), static files collected and served by WhiteNoise, behind a TLS proxy
(X-Forwarded-Proto), PostgreSQL beside DATABASE_URL's (database `pushdeck_bench_pages`,
kept between runs: the data is made again only when its figures change) and Redis.

Each page is loaded twice by `--users` signed-in people (each their own session and
keep-alive connection, each on pages of their own app), for `--seconds` each time:

- capacity: back to back, no pause: the requests/s the server sustains, and its ratio to the
  hello-world view's (`/healthz`, one line, through the same middleware) in the same run;
- latency: as people use a console, a pause of `--think` seconds (±50 %) between clicks:
  the p50/p95/p99 a person waits.

The table adds the database queries one request of the page makes. Targets: p95 ≤ 100 ms and
a ratio ≥ 0.1. The load generator shares the machine's cores with the server: it prints
figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.bench_delivery import ROOT, _free_port, _gunicorn, _percentile

DATABASE = os.environ.get("BENCH_PAGES_DATABASE", "pushdeck_bench_pages")
CLIENT_PROCESSES = 4
SECRET_KEY = "bench-pages-secret-key-" + "x" * 40
FERNET_KEY = "KlLMtvbokZGqd8hnFNxPK61hxuTF5O0a8-9L1ur3xfg="


@dataclass
class Page:
    """A page as each person loads it: `paths[i]` is person i's (their own app's)."""

    name: str
    paths: list[str]


@dataclass
class Figures:
    page: Page
    requests_per_second: float
    p50: float
    p95: float
    p99: float
    errors: int
    queries: int | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pushes", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0)
    args = parser.parse_args()
    url = _postgres_url()
    if not url:
        print("bench_pages needs PostgreSQL (DATABASE_URL=postgres://…); skipped.")
        return
    tmp = Path(tempfile.mkdtemp(prefix="pushdeck-bench-pages-"))
    env = _production_env(url, tmp)
    os.environ.update(env)
    _prepare(env, args.pushes)
    port = _free_port()
    with _gunicorn(env, port, tmp / "web.log"):
        _run(args, port)


def _postgres_url() -> str:
    """DATABASE_URL when it names PostgreSQL, else the local server if one answers."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    local = "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=3).close()
    except psycopg.OperationalError:
        return ""
    return local


def _production_env(url: str, tmp: Path) -> dict[str, str]:
    base, _, _name = url.rpartition("/")
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "FERNET_KEYS": FERNET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": f"{base}/{DATABASE}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CELERY_QUEUE": "bench-pages",
        "PUSHDECK_VAR_DIR": str(tmp / "var"),
        "STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
    }


def _prepare(env: dict[str, str], pushes: int) -> None:
    import psycopg

    base = env["DATABASE_URL"].rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if exists.fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    _setup_django()
    from bench import pages_data

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        if pages_data.stored_fingerprint(conn) == pages_data.fingerprint(pushes):
            print(f"Reusing the {pushes:,} pushes of {DATABASE}.", flush=True)
            return
        print(f"Making {pushes:,} pushes in {DATABASE}…", flush=True)
        began = time.perf_counter()
        pages_data.make(conn, pushes)
        print(f"  made in {time.perf_counter() - began:.0f} s", flush=True)


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    django.setup()


def _pages(users: int) -> list[Page]:
    """Person p is the admin of app p: each loads the pages of their own app."""
    from django.contrib.auth.models import User

    from bench.pages_data import SEARCH_WORD
    from pushes.models import App, Push

    people = list(User.objects.order_by("id")[:users])
    apps = [
        App.objects.get(memberships__user=person, memberships__role="admin") for person in people
    ]
    records = [
        Push.objects.filter(app=app, status="sent")
        .order_by("-id")
        .values_list("code", flat=True)[0]
        for app in apps
    ]

    def each(path: str) -> list[str]:
        return [
            path.format(app=app.code, person=person.username, record=record)
            for person, app, record in zip(people, apps, records, strict=True)
        ]

    return [
        Page("hello-world (/healthz)", each("/healthz")),
        Page("apps list", each("/")),
        Page("pushes list", each("/pushes/")),
        Page("pushes list, status", each("/pushes/?status=failed")),
        Page("pushes list, app", each("/pushes/?app={app}")),
        Page("pushes list, author", each("/pushes/?author={person}")),
        Page("pushes list, search", each(f"/pushes/?q={SEARCH_WORD}")),
        Page("push record", each("/pushes/{record}/")),
        Page("review queue", each("/review/")),
        Page("Create Push form", each("/apps/{app}/push/new/")),
        Page("packages list", each("/apps/{app}/packages/")),
        Page("audit log", each("/audit/")),
    ]


def _sessions(users: int) -> list[str]:
    """Session cookies of the first `users` people: the admin of app p, marketer of p+1,
    reviewer of p+2 (so each page is one they use)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    keys = []
    for user in User.objects.order_by("id")[:users]:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        keys.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return keys


def _run(args: argparse.Namespace, port: int) -> None:
    _setup_django()
    cookies = _sessions(args.users)
    pages = _pages(args.users)
    results: list[Figures] = []
    for page in pages:
        _quiet_database()
        figures = _measure(page, port, cookies, args)
        figures.queries = _queries(page)
        results.append(figures)
        print(f"  {page.name}: {figures.requests_per_second:,.0f} req/s", flush=True)
    _print_table(results)


def _quiet_database() -> None:
    """Cancel what the last page's requests left running in the database (a client gives up
    after 30 s; PostgreSQL goes on), so each page is measured on its own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
        )


def _queries(page: Page) -> int | None:
    """The queries one request of the page makes, in this process (person 1)."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(User.objects.order_by("id")[0])
    client.get(page.paths[0])  # caches warm, as under load
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.paths[0])
    return len(captured) if response.status_code == 200 else None


def _measure(page: Page, port: int, cookies: list[str], args: argparse.Namespace) -> Figures:
    """Capacity: the people request back to back (requests/s). Latency: the same people as
    people use a console, a pause of `--think` s (±50 %) between their clicks."""
    capacity, _, failed = _load(page, port, cookies, args.seconds, think=0.0)
    _quiet_database()
    _, latencies, failed_too = _load(page, port, cookies, args.seconds, think=args.think)

    def ms(share: float) -> float:
        # No request answered within the run: no percentile to give.
        return _percentile(latencies, share) * 1000 if latencies else float("nan")

    return Figures(
        page=page,
        requests_per_second=capacity,
        p50=ms(0.50),
        p95=ms(0.95),
        p99=ms(0.99),
        errors=failed + failed_too,
    )


def _load(
    page: Page, port: int, cookies: list[str], seconds: float, *, think: float
) -> tuple[float, list[float], int]:
    """(requests/s, sorted latencies, failed requests) of the people loading the page."""
    people = list(zip(cookies, page.paths, strict=True))
    per_process = [people[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    with multiprocessing.get_context("fork").Pool(CLIENT_PROCESSES) as pool:
        outcomes = pool.starmap(
            _client_process, [(port, group, seconds, think) for group in per_process if group]
        )
    latencies = sorted(value for times, _ in outcomes for value in times)
    return len(latencies) / seconds, latencies, sum(failed for _, failed in outcomes)


def _client_process(
    port: int, people: list[tuple[str, str]], seconds: float, think: float
) -> tuple[list[float], int]:
    """One process of clients: a thread per signed-in person, each on its own connection,
    one request after the other; a second of warm-up first, not counted."""
    times: list[float] = []
    failed = [0]
    start = time.monotonic() + 1.0
    stop = start + seconds
    threads = [
        threading.Thread(
            target=_person, args=(port, path, cookie, (start, stop, think), times, failed)
        )
        for cookie, path in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failed[0]


def _person(
    port: int,
    path: str,
    cookie: str,
    window: tuple[float, float, float],
    times: list[float],
    failed: list[int],
) -> None:
    start, stop, think = window
    pause = random.Random(cookie)  # noqa: S311 (pauses, not secrets)
    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.1"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while (now := time.monotonic()) < stop:
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok = False
        took = time.monotonic() - now
        if now >= start:
            if ok:
                times.append(took)
            else:
                failed[0] += 1
        if think:
            time.sleep(think * pause.uniform(0.5, 1.5))
    conn.close()


def _print_table(results: list[Figures]) -> None:
    hello = results[0].requests_per_second or 1.0
    print()
    print(
        f"{'page':<26} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'queries':>7} {'errors':>6}  target"
    )
    for row in results:
        ratio = row.requests_per_second / hello
        ok = row.p95 <= 100 and ratio >= 0.1
        queries = "-" if row.queries is None else str(row.queries)
        verdict = "" if row is results[0] else ("ok" if ok else "MISSED")
        print(
            f"{row.page.name:<26} {row.requests_per_second:>8,.0f} {ratio:>6.2f} {row.p50:>7.1f}"
            f" {row.p95:>7.1f} {row.p99:>7.1f} {queries:>7} {row.errors:>6}  {verdict}"
        )


if __name__ == "__main__":
    main()
