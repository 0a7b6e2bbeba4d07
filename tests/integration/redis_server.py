"""A private `redis-server` for tests that crash or restart the broker.

Tests must never stop, restart or flush the machine's Redis: other processes (a `make run`,
another test run) use it. `private_redis` starts one on a free loopback port, with nothing kept
on disk, and makes it this process's Celery broker for the test; workers use it when started
with `env_overrides={"REDIS_URL": private_redis.url}`. Test modules import the fixture:

    from tests.integration.redis_server import private_redis_fixture  # noqa: F401

Request it before `worker_factory` (or a fixture built on it) in a test's arguments: fixtures
are torn down in reverse, so the workers stop while their broker still answers.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from typing import TYPE_CHECKING, Any, cast

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.conftest import require

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from celery import Celery

HOST = "127.0.0.1"
# kombu's Redis transport keeps a list per priority step: "<queue>", "<queue>\x06\x163", …
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One `redis-server` process on a loopback port, without persistence.

    `restart()` keeps the port and loses every key, as a crash of a Redis without
    persistence would: queued messages, unacknowledged ones, everything.
    """

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or _free_port()
        self.log = directory / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def client(self) -> redis.Redis:
        # No retries: redis-py would otherwise retry, with backoff, the SHUTDOWN that closes
        # the connection, and every ping while the server starts.
        return redis.Redis(
            host=HOST,
            port=self.port,
            socket_timeout=5,
            socket_connect_timeout=1,
            retry=Retry(NoBackoff(), 0),
        )

    def start(self, timeout: float = 10) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        argv = [
            "redis-server",
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--daemonize",
            "no",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log.read_text()[-2000:]}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server not answering: {self.log.read_text()[-2000:]}")

    def ping(self) -> bool:
        try:
            with contextlib.closing(self.client()) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def restart(self) -> None:
        """Shut down without saving and start again on the same port."""
        self.stop()
        self.start()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # SHUTDOWN closes the connection instead of answering.
        with contextlib.suppress(redis.RedisError), contextlib.closing(self.client()) as client:
            client.execute_command("SHUTDOWN", "NOSAVE")
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def queued(self, queue: str) -> int:
        """Messages waiting in a Celery queue (not those a worker has taken)."""
        with contextlib.closing(self.client()) as client:
            keys = [
                f"{queue}{_PRIORITY_SEPARATOR}{step}" if step else queue for step in _PRIORITY_STEPS
            ]
            # The client is synchronous: LLEN answers an int, not an awaitable.
            return sum(cast(int, client.llen(key)) for key in keys)


def _use_broker(celery_app: Celery, url: str, transport_options: dict[str, Any]) -> None:
    """Point this process's Celery app at another broker.

    The app caches its connection pool and producer pool, and kombu keeps pools per
    connection in module-level groups: all are closed and dropped so the next publish
    connects to `url`.
    """
    from kombu import pools

    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = transport_options
    pools.reset()
    celery_app._pool = None
    with contextlib.suppress(KeyError):
        celery_app.__dict__["amqp"]._producer_pool = None


# Registered as `private_redis` under another function name, so a test module can import it
# and take a `private_redis` argument without redefining the imported name.
@pytest.fixture(name="private_redis")
def private_redis_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis of this test's own, and the Celery broker of this process while it runs."""
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    from console.celery import app as celery_app

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    saved_url = celery_app.conf.broker_url
    saved_options = dict(celery_app.conf.broker_transport_options or {})
    _use_broker(celery_app, server.url, {})
    try:
        yield server
    finally:
        _use_broker(celery_app, saved_url, saved_options)
        server.stop()
