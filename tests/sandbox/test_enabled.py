"""The sandbox is served only with SANDBOX_ENABLED (default: DEBUG)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from pushes.sandbox.models import SandboxApp
from tests.sandbox.helpers import account_push, device_for, signed_post, upload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
API_PATHS = [
    "v3/push/app",
    "v3/push/package/upload",
    "v3/push/cancel_timing_task",
    "v3/device/account/batchoperate",
    "v3/device/account/query",
    "v3/statistics/get_push_record",
]


def _reload_urls() -> None:
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def sandbox_off() -> Iterator[None]:
    with override_settings(SANDBOX_ENABLED=False):
        _reload_urls()
        yield
    _reload_urls()  # the URLs of the real setting, for the tests that follow


def test_with_the_sandbox_off_its_api_is_not_found(
    client: Client, sandbox_app: SandboxApp, sandbox_off: None
) -> None:
    device_for(sandbox_app, "alice")

    push = signed_post(client, "v3/push/app", account_push(["alice"]))
    package = upload(client, b"alice\n")
    others = [client.post(f"/sandbox/{path}").status_code for path in API_PATHS]

    assert (push.status_code, package.status_code) == (404, 404)
    assert others == [404] * len(API_PATHS)
    assert not sandbox_app.pushes.exists()


def test_with_the_sandbox_off_the_console_has_no_inbox(
    client: Client, marketer: User, sandbox_off: None
) -> None:
    client.force_login(marketer)

    inbox = client.get(reverse("console:sandbox-inbox"))
    apps = client.get(reverse("console:app-list"))

    assert inbox.status_code == 404
    assert apps.status_code == 200  # the nav still renders
    assert apps.context["sandbox_enabled"] is False


def test_with_the_sandbox_on_both_are_served(
    client: Client, sandbox_app: SandboxApp, marketer: User
) -> None:
    device_for(sandbox_app, "alice")
    client.force_login(marketer)

    push = signed_post(client, "v3/push/app", account_push(["alice"])).json()
    apps = client.get(reverse("console:app-list"))

    assert push["ret_code"] == 0
    assert client.get(reverse("console:sandbox-inbox")).status_code == 200
    assert apps.context["sandbox_enabled"] is True


def _resolves_in_a_fresh_process(tmp_path: Path, **env: str) -> tuple[bool, bool]:
    """(setting, whether /sandbox/v3/push/app resolves) for a process started with `env`."""
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SANDBOX_ENABLED"}}
    base.update(
        SECRET_KEY="x7#Kq!2vLp9@Zr4$Wm8^Tn1&Yb6*Hc3(Jd5)Fg0-Sa-Pushdeck-prod-key",
        FERNET_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="push.example.com",
        PUSHDECK_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="console.settings",
        **env,
    )
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n"
        "    resolve('/sandbox/v3/push/app'); found = True\n"
        "except Resolver404:\n"
        "    found = False\n"
        "print(settings.SANDBOX_ENABLED, found)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    enabled, found = result.stdout.split()[-2:]
    return enabled == "True", found == "True"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({"DEBUG": "0"}, (False, False), id="production-default-off"),
        pytest.param({"DEBUG": "0", "SANDBOX_ENABLED": "1"}, (True, True), id="production-on"),
        pytest.param({"DEBUG": "1"}, (True, True), id="development-default-on"),
        pytest.param({"DEBUG": "1", "SANDBOX_ENABLED": "off"}, (False, False), id="dev-off"),
    ],
)
def test_the_setting_follows_debug_unless_set(
    tmp_path: Path, env: dict[str, str], expected: tuple[bool, bool]
) -> None:
    assert _resolves_in_a_fresh_process(tmp_path, **env) == expected
