"""`make run`'s supervisor (bin/run.py): Ctrl-C stops the web server, the worker and beat
cleanly and within seconds; a second Ctrl-C or a service that will not stop is killed; a
service that exits by itself stops the others."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
# Idle, the services stop in about 3 s (the worker's poll of the filesystem broker takes up
# to 2 s to notice); the margin is for a busy machine. make run used to take 30 s.
STOP_WITHIN_SECONDS = 12.0
START_WITHIN_SECONDS = 180.0
# What a stop that was not clean prints (gunicorn or Celery killing a process, make crashing).
UNCLEAN = ("SIGKILL", "Segmentation fault", "run: killed", "WorkerLostError")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_env(tmp_path: Path) -> dict[str, str]:
    """SQLite in a folder of this test's own, and the filesystem broker, or Redis on a queue
    of this test's own when REDIS_URL is set (as in CI): the filesystem transport can let a
    worker read a message file beat has not finished writing (kombu #1551)."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
        env["CELERY_QUEUE"] = f"test-run-{tmp_path.name}"
    env.update(
        DEBUG="1",
        PUSHDECK_VAR_DIR=str(tmp_path / "var"),
        # Never the project's (or CI's) database: the worker and beat write to it.
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


def started_pids(output: str) -> dict[str, int]:
    found = re.search(r"run: started (.*?);", output)
    if found is None:
        return {}
    return {name: int(pid) for name, pid in re.findall(r"(\w+) \(pid (\d+)\)", found[1])}


def group_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_for(
    ready: Callable[[], bool], *, what: str, process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + START_WITHIN_SECONDS
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"the supervisor exited before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {START_WITHIN_SECONDS:.0f} s:\n{log.read_text()}")
        time.sleep(0.2)


def test_ctrl_c_stops_web_worker_and_beat_cleanly_within_seconds(tmp_path: Path) -> None:
    env = local_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        # A process group of its own, as a terminal's foreground job: Ctrl-C reaches the group.
        supervisor = subprocess.Popen(
            [sys.executable, "bin/run.py", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        wait_for(
            lambda: answers(f"http://127.0.0.1:{port}/login/"),
            what="web answer",
            process=supervisor,
            log=log,
        )
        wait_for(
            lambda: " ready." in log.read_text() and "beat: Starting" in log.read_text(),
            what="worker and beat",
            process=supervisor,
            log=log,
        )
        pids = started_pids(log.read_text())
        began = time.monotonic()
        os.killpg(supervisor.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        code = supervisor.wait(timeout=60)
        took = time.monotonic() - began
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
    output = log.read_text()
    assert code == 0, output
    assert took < STOP_WITHIN_SECONDS, output
    assert set(pids) == {"web", "worker", "beat"}
    assert all(group_gone(pid) for pid in pids.values()), output
    assert not [word for word in UNCLEAN if word in output], output


# Fake services: each prints a line and then sleeps, ignoring its stop request when told to.
# The line goes out in one write: the services share the log, and print() writes its pieces
# one by one when unbuffered (PYTHONUNBUFFERED), so two lines could interleave ("stubborncalm
# upup") and never read as "calm up".
FAKE = r"""
import os, signal, sys, time
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if sys.argv[1] == "crash":
    time.sleep(0.5)
    sys.exit(3)
os.write(1, f"{sys.argv[1]} up\n".encode())
time.sleep(120)
"""
DRIVER = r"""
import signal, sys, runpy
run = runpy.run_path("bin/run.py")
fake = [sys.executable, "-c", sys.argv[1]]
services = [run["Service"](name, [*fake, name], signal.SIGTERM) for name in sys.argv[2:]]
sys.exit(run["Supervisor"](services, stop_timeout=2.0).run())
"""


def supervise(*names: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / "fake.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, FAKE, *names],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    return process, log


def wait_until_up(names: tuple[str, ...], process: subprocess.Popen[bytes], log: Path) -> None:
    wait_for(
        lambda: all(f"{name} up" in log.read_text() for name in names),
        what="the fake services",
        process=process,
        log=log,
    )


def test_a_service_that_ignores_the_stop_request_is_killed_after_the_timeout(
    tmp_path: Path,
) -> None:
    process, log = supervise("calm", "stubborn", tmp_path=tmp_path)
    wait_until_up(("calm", "stubborn"), process, log)
    pids = started_pids(log.read_text())
    began = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 1
    assert 1.5 < time.monotonic() - began < 10
    assert "run: killed stubborn: still running after the stop request" in log.read_text()
    assert all(group_gone(pid) for pid in pids.values())


def test_a_second_ctrl_c_kills_at_once(tmp_path: Path) -> None:
    process, log = supervise("stubborn", tmp_path=tmp_path)
    wait_until_up(("stubborn",), process, log)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.5)
    began = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 1
    assert time.monotonic() - began < 1.5
    assert "run: killed stubborn" in log.read_text()


def test_a_service_exiting_by_itself_stops_the_others(tmp_path: Path) -> None:
    process, log = supervise("calm", "crash", tmp_path=tmp_path)
    assert process.wait(timeout=60) == 1
    output = log.read_text()
    assert "run: crash exited (status 3); stopping the others" in output
    assert all(group_gone(pid) for pid in started_pids(output).values())
