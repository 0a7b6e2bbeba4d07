"""Run Pushdeck locally: the web server, a Celery worker and Celery beat, stopped together.

    python bin/run.py [--host 127.0.0.1] [--port 8000]

``make run`` starts it. Each service runs in a process group of its own, so the terminal's
Ctrl-C reaches only this supervisor, which then asks each service once to stop (gunicorn:
SIGINT, a quick shutdown; the worker and beat: SIGTERM, a warm shutdown) and waits for all of
them. A service still running after ``--stop-timeout`` seconds, or every service after a second
Ctrl-C, is killed with its whole process group. A service that exits by itself stops the others.

Exit status: 0 when everything stopped when asked; 1 when a service exited by itself or had to
be killed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.1


@dataclass
class Service:
    name: str
    command: list[str]
    stop_signal: signal.Signals
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        # A process group of its own: the terminal's Ctrl-C is not delivered to it directly,
        # so each service hears one stop request, from the supervisor, in the order it expects.
        self.process = subprocess.Popen(self.command, cwd=ROOT, process_group=0)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Ask the service's main process to stop; it stops its own children."""
        if self.process is not None and self.running:
            _send(os.kill, self.process.pid, self.stop_signal)

    def kill(self) -> None:
        """Kill the whole group: the service and its children (gunicorn's or the pool's)."""
        if self.process is not None:
            _send(os.killpg, self.process.pid, signal.SIGKILL)  # its pid is its group's id


def _send(send: Callable[[int, int], None], pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        send(pid, sig)


def services(host: str, port: int) -> list[Service]:
    python = sys.executable
    var = Path(os.environ.get("PUSHDECK_VAR_DIR", ROOT / "var"))
    celery = [python, "-m", "celery", "-A", "console"]
    return [
        Service(
            "web",
            [
                python, "-m", "gunicorn", "console.wsgi", "--bind", f"{host}:{port}",
                "--workers", "2", "--threads", "4", "--timeout", "120",
                "--graceful-timeout", "5", "--access-logfile", "-",
            ],
            signal.SIGINT,
        ),
        Service(
            "worker",
            [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--without-gossip",
             "--without-mingle"],
            signal.SIGTERM,
        ),
        Service(
            "beat",
            [*celery, "beat", "--loglevel=INFO", f"--schedule={var / 'celerybeat-schedule'}"],
            signal.SIGTERM,
        ),
    ]  # fmt: skip


class Supervisor:
    def __init__(self, running: list[Service], *, stop_timeout: float) -> None:
        self.services = running
        self.stop_timeout = stop_timeout
        self.requests = 0  # stop requests received (Ctrl-C, SIGTERM)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.requests += 1

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        for service in self.services:
            service.start()
        started = ", ".join(f"{s.name} (pid {s.process.pid})" for s in self.services if s.process)
        print(f"run: started {started}; Ctrl-C stops them all", flush=True)
        exited = self._wait_for_a_reason()
        if exited is not None:
            code = exited.process.returncode if exited.process else None
            print(f"run: {exited.name} exited (status {code}); stopping the others", flush=True)
        return self._stop_all(failed=exited is not None)

    def _wait_for_a_reason(self) -> Service | None:
        """Until a stop request (None) or a service exiting by itself (that service)."""
        while not self.requests:
            for service in self.services:
                if not service.running:
                    return service
            time.sleep(POLL_SECONDS)
        return None

    def _stop_all(self, *, failed: bool) -> int:
        seen = self.requests
        began = time.monotonic()
        for service in self.services:
            service.stop()
        deadline = began + self.stop_timeout
        while any([s.running for s in self.services]):  # a list: each one polled, and reaped
            if time.monotonic() > deadline or self.requests > seen:
                return self._kill_the_rest()
            time.sleep(POLL_SECONDS)
        for service in self.services:
            service.kill()  # whatever a service left behind in its group
        print(f"run: stopped in {time.monotonic() - began:.1f} s", flush=True)
        return 1 if failed else 0

    def _kill_the_rest(self) -> int:
        late = [service for service in self.services if service.running]
        for service in late:
            service.kill()
        for service in late:
            if service.process is not None:
                service.process.wait()
        names = ", ".join(service.name for service in late)
        print(f"run: killed {names}: still running after the stop request", flush=True)
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stop-timeout", type=float, default=15.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    supervisor = Supervisor(services(args.host, args.port), stop_timeout=args.stop_timeout)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
