"""Real Celery worker processes for integration tests.

The worker gets the test database's URL and its own queue, so it works on exactly the rows the
test commits (tests using it need `django_db(transaction=True)`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from pytest_django.plugin import DjangoDbBlocker

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_workers() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Worker:
    """One `celery worker` process consuming a private queue."""

    def __init__(self, queue: str, env: dict[str, str], log: Path) -> None:
        self.queue, self.env, self.log = queue, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *extra: str) -> Worker:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "console",
            "worker",
            "--loglevel=INFO",
            "--pool=solo",
            "-Q",
            self.queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
            *extra,
        ]
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-2000:]}")
            if "ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready: {self.log.read_text()[-2000:]}")

    def finished(self, task: str) -> int:
        """How many runs of `task` this worker has finished (succeeded, raised or retried),
        read from its own log: the proof that queued duplicates were consumed."""
        text = self.log.read_text(errors="replace")
        prefix = f"Task pushes.tasks.{task}["
        return sum(
            1
            for line in text.splitlines()
            if prefix in line
            and (" succeeded in " in line or " raised " in line or " retry:" in line)
        )

    def wait_finished(self, task: str, count: int, timeout: float = 30) -> None:
        wait_for(lambda: self.finished(task) >= count, timeout=timeout)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_factory(
    django_db_blocker: DjangoDbBlocker, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    from console.celery import app as celery_app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    # Everything this process queues goes to the private queue the workers consume.
    celery_app.conf.task_default_queue = queue
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp.__dict__.pop("router", None)
    with django_db_blocker.unblock():
        db_url = database_url_for_workers()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CELERY_QUEUE": queue,
        "PUSHDECK_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []

    def start(*extra: str, env_overrides: dict[str, str] | None = None) -> Worker:
        worker = Worker(
            queue, {**env, **(env_overrides or {})}, tmp_path / f"worker{len(workers)}.log"
        )
        workers.append(worker)
        return worker.start(*extra)

    yield start
    for worker in workers:
        worker.stop()
    from tests.conftest import TEST_QUEUE

    celery_app.conf.task_default_queue = TEST_QUEUE
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp.__dict__.pop("router", None)


def wait_for(predicate: Callable[[], object], timeout: float = 20, interval: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
