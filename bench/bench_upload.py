"""Account package upload: time from the last byte of a 100 MB multipart body to the answer.

Run from the repository root::

    python -m bench.bench_upload [--runs 3] [--megabytes 100] [--workers 1]

It starts gunicorn serving ``console.wsgi`` on a free local port, with its own SQLite database,
media folder and broker folder in a temporary directory (nothing of the checkout is touched),
signs a marketer in, and posts the package through ``http.client`` in 1 MiB writes, so the end
of sending is known exactly. The body's last bytes may still sit in socket buffers when the
clock starts, so the figure is an upper bound of what the server spends after the body. It also
times the 413 for a body declared over the limit. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
USERNAME = "bench-marketer"
PASSWORD = "bench-correct-horse-battery"
CHUNK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PUSHDECK_VAR_DIR": str(folder / "var"),
        "MEDIA_ROOT": str(folder / "media"),
        "FILE_UPLOAD_TEMP_DIR": str(folder / "uploads"),
        "REDIS_URL": "",
        "AWS_STORAGE_BUCKET_NAME": "",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
    }


def prepare(env: dict[str, str]) -> str:
    """Migrate the temporary database and create a marketer of one app; the app's code."""
    (Path(env["FILE_UPLOAD_TEMP_DIR"])).mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from pushes.models import App, Membership, Role\n"
        f"user = get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})\n"
        "app = App(name='Bench', access_id='1500000001')\n"
        "app.secret_key = 'bench-secret-key-0000000000000000'\n"
        "app.save()\n"
        "Membership.objects.create(app=app, user=user, role=Role.MARKETER)\n"
        "print(app.code)\n"
    )
    done = subprocess.run(
        [*manage, "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return done.stdout.decode().strip().splitlines()[-1]


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[None]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "console.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "300",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_up(port, server)
            yield
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited; see its log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int) -> dict[str, str]:
    """The session and CSRF cookies of the marketer, through the real login form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login/")
    page = connection.getresponse()
    cookies = _cookies(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read())
    assert token is not None, "no CSRF token on the login page"
    body = urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token[1].decode()}
    )
    connection.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    answer = connection.getresponse()
    answer.read()
    if answer.status != 302:
        raise RuntimeError(f"login failed with HTTP {answer.status}")
    cookies.update(_cookies(answer))
    return cookies


def package_bytes(size: int) -> bytes:
    line_count = size // 24 + 1
    block = b"".join(b"user%019d\n" % n for n in range(min(line_count, 50_000)))
    data = block * (size // len(block) + 1)
    return data[: size - 1] + b"\n"


def multipart(data: bytes, name: str) -> tuple[str, bytes, bytes]:
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", head, tail


def post_upload(
    port: int, path: str, cookies: dict[str, str], data: bytes
) -> tuple[float, float, int, bytes]:
    """(seconds sending, seconds from the last byte to the answer, status, body)."""
    content_type, head, tail = multipart(data, "bench-accounts.txt")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(len(head) + len(data) + len(tail)))
    connection.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    connection.putheader("X-CSRFToken", cookies["csrftoken"])
    connection.putheader("Accept", "application/json")
    connection.endheaders()
    started = time.perf_counter()
    connection.send(head)
    view = memoryview(data)
    for offset in range(0, len(data), CHUNK):
        connection.send(view[offset : offset + CHUNK])
    connection.send(tail)
    sent = time.perf_counter()
    response = connection.getresponse()
    answered = time.perf_counter()
    body = response.read()
    connection.close()
    return sent - started, answered - sent, response.status, body


def post_declared_too_big(port: int, path: str, cookies: dict[str, str]) -> tuple[float, int]:
    """Headers of a 150 MB upload and no body: the answer must not wait for the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(150 * 1024 * 1024))
    connection.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    connection.putheader("X-CSRFToken", cookies["csrftoken"])
    connection.putheader("Accept", "application/json")
    started = time.perf_counter()
    connection.endheaders()
    response = connection.getresponse()
    answered = time.perf_counter() - started
    response.read()
    connection.close()
    return answered, response.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=100, help="package size in MiB")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pushdeck-bench-upload-") as tmp:
        folder = Path(tmp)
        env = server_env(folder)
        app_code = prepare(env)
        port = free_port()
        data = package_bytes(args.megabytes * 1024 * 1024)
        path = f"/apps/{app_code}/packages/upload/"
        print(f"upload of {len(data):,} bytes to gunicorn console.wsgi on 127.0.0.1:{port}")
        print("storage: filesystem in a temporary folder; sqlite; no validation in the request")
        with gunicorn(env, port, args.workers, folder / "gunicorn.log"):
            cookies = sign_in(port)
            after: list[float] = []
            for run in range(1, args.runs + 1):
                sending, waiting, status, body = post_upload(port, path, cookies, data)
                after.append(waiting)
                print(
                    f"run {run}: HTTP {status}, sent in {sending:.2f} s "
                    f"({len(data) / sending / 1e6:,.0f} MB/s), "
                    f"answer {waiting * 1000:,.0f} ms after the last byte"
                )
                if status != 201:
                    print(f"  body: {body[:300]!r}")
            refused, status = post_declared_too_big(port, path, cookies)
            print(f"declared 150 MB: HTTP {status} in {refused * 1000:,.0f} ms, body not sent")
        print(
            f"after the last byte: median {statistics.median(after) * 1000:,.0f} ms, "
            f"max {max(after) * 1000:,.0f} ms (target: under 2,000 ms)"
        )


if __name__ == "__main__":
    main()
