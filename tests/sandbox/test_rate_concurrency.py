"""The sandbox's rate limits hold under concurrency, on the embedded defaults (the file cache):
separate processes firing package pushes at the same instant get exactly one through a second,
and simultaneous failed authentications are each counted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from pushes.sandbox.models import SandboxApp, SandboxPush
from pushes.tpns import signing
from tests.sandbox.helpers import ACCESS_ID, SECRET_KEY, device_for, package_push, upload

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 6
# Each sender waits for the same instant, sends one request and prints the answer's ret_code.
SENDER = r"""
import json, sys, time, urllib.request
url, headers, body, start = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3].encode(), float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))
request = urllib.request.Request(url, data=body, headers=headers, method="POST")
with urllib.request.urlopen(request, timeout=60) as answer:
    print(json.loads(answer.read())["ret_code"])
"""


@pytest.fixture(autouse=True)
def _file_cache(settings: Any, tmp_path: Path) -> None:
    # The embedded default without Redis, whose add and incr are a read and then a write.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


def burst(url: str, headers: dict[str, str], body: bytes, *, at: float) -> list[int]:
    """PROCESSES processes send the same request at the instant ``at``; their ret_codes."""
    senders = [
        subprocess.Popen(
            [sys.executable, "-c", SENDER, url, json.dumps(headers), body.decode(), str(at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    return sorted(int(sender.communicate(timeout=120)[0]) for sender in senders)


def test_simultaneous_package_pushes_from_several_processes_get_one_through_a_second(
    live_server: Any, sandbox_app: SandboxApp
) -> None:
    device_for(sandbox_app, "alice")
    answer = upload(Client(), b"alice\nbob\n").json()
    assert answer["retCode"] == 0, answer
    body = json.dumps(package_push(answer["uploadId"])).encode()
    headers = {
        "Authorization": signing.basic_authorization(ACCESS_ID, SECRET_KEY),
        "Content-Type": "application/json",
    }
    url = f"{live_server.url}/sandbox/v3/push/app"

    # The senders start in the meantime; the second burst comes once the first second is over.
    first_at = time.time() + 2
    first = burst(url, headers, body, at=first_at)
    second = burst(url, headers, body, at=max(time.time(), first_at + 1.5) + 0.5)

    too_fast = [1008028] * (PROCESSES - 1)
    assert first == [0, *too_fast]
    assert second == [0, *too_fast]
    assert SandboxPush.objects.filter(audience_type="package_account_push").count() == 2


def test_simultaneous_failed_authentications_are_each_counted(
    live_server: Any, sandbox_app: SandboxApp, settings: Any
) -> None:
    settings.SANDBOX_AUTH_FAILURE_LIMIT = PROCESSES
    settings.SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = 60
    device_for(sandbox_app, "alice")
    body = json.dumps(
        {"audience_type": "account", "account_list": ["alice"], "message_type": "notify"}
    ).encode()
    wrong = {
        "Authorization": signing.basic_authorization(ACCESS_ID, "guess"),
        "Content-Type": "application/json",
    }
    url = f"{live_server.url}/sandbox/v3/push/app"

    failures = burst(url, wrong, body, at=time.time() + 2)
    right = {**wrong, "Authorization": signing.basic_authorization(ACCESS_ID, SECRET_KEY)}
    after = burst(url, right, body, at=time.time() + 1)

    # Every failure was counted, none lost to a read-then-write: the pair is now locked out.
    assert failures == [1008003] * PROCESSES
    assert after == [1008028] * PROCESSES
