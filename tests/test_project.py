"""Project-level contracts: production settings, docker-compose, CI wiring."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from cryptography.fernet import Fernet

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings

ROOT = Path(__file__).resolve().parent.parent


def _production_env() -> dict[str, str]:
    # Only what a production host has: no test-run switches such as the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE.
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DEBUG="0",
        SECRET_KEY="x7#Kq!2vLp9@Zr4$Wm8^Tn1&Yb6*Hc3(Jd5)Fg0-Sa-Pushdeck-prod-key",
        FERNET_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="push.example.com",
    )
    return env


def test_check_deploy_passes_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_static_files_collect_with_production_storage(tmp_path: Path) -> None:
    """The hashed, compressed copies production serves: a vendored file that names a file
    it lacks (a source map) would stop collectstatic and the deployment with it."""
    env = _production_env()
    env["STATIC_ROOT"] = str(tmp_path / "static")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert list((tmp_path / "static" / "vendor" / "chartjs").glob("chart.umd.min.*.js.gz"))


def test_migrate_on_sqlite_prints_no_warnings(tmp_path: Path) -> None:
    """The embedded setup's first command (make run migrates) says nothing it does not mean:
    PostgreSQL-only index options are no reason to warn on SQLite."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DEBUG="1", PUSHDECK_VAR_DIR=str(tmp_path / "var"))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_production_refuses_to_start_without_secrets() -> None:
    env = _production_env()
    del env["FERNET_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "FERNET_KEYS must be set when DEBUG=0" in result.stderr


def test_compose_services_use_commands_that_exist() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "." and service["image"] == "pushdeck:latest"
        command = service["command"]
        argv = command if isinstance(command, list) else shlex.split(command)
        if argv[0] == "celery":
            assert argv[1:3] == ["-A", "console"]
            assert argv[3] in {"worker", "beat"}
            assert (ROOT / "console" / "celery.py").exists()
        else:
            script = ROOT / argv[0]
            assert script.exists() and os.access(script, os.X_OK), argv[0]
            assert f"COPY {argv[0].split('/')[0]} " in dockerfile
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


@pytest.mark.django_db  # loading it checks the stored secrets (pushes/checks.py)
def test_web_script_serves_the_wsgi_app_with_gunicorn() -> None:
    script = (ROOT / "docker" / "web.sh").read_text()
    assert "gunicorn console.wsgi" in script
    import console.wsgi  # noqa: F401  (the module gunicorn loads)


def test_env_example_lists_every_variable_settings_read() -> None:
    import re

    settings_src = (ROOT / "console" / "settings.py").read_text()
    read = set(
        re.findall(
            r'(?:getenv|env_bool|env_int|env_int_list|env_list)\(\s*"([A-Z_]+)"', settings_src
        )
    )
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert read <= listed, read - listed


def test_ci_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def _settings_of(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'console.settings');"
        "django.setup(); from django.conf import settings;"
        f"print(*[repr(getattr(settings, n, None)) for n in {list(names)!r}], sep='|')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_debug_is_off_unless_asked_for() -> None:
    env = _production_env()
    del env["DEBUG"]
    result = _settings_of(env, "DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["SECRET_KEY", "FERNET_KEYS", "ALLOWED_HOSTS"])
def test_without_debug_a_missing_secret_or_host_stops_start_up(name: str) -> None:
    env = _production_env()
    del env["DEBUG"]
    del env[name]
    result = _settings_of(env, "DEBUG")
    assert result.returncode != 0
    assert f"{name} must be set when DEBUG=0 (DEBUG is off unless DEBUG=1" in result.stderr


def test_forwarded_headers_are_trusted_only_behind_configured_proxies() -> None:
    names = ("SECURE_PROXY_SSL_HEADER", "AXES_IPWARE_PROXY_COUNT")
    alone = _settings_of(_production_env(), *names)
    assert alone.stdout.strip() == "None|None", alone.stderr
    proxied = _settings_of({**_production_env(), "TRUSTED_PROXY_COUNT": "1"}, *names)
    assert proxied.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')|1", proxied.stderr


def test_compose_publishes_the_web_port_on_loopback_by_default() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    ports = compose["services"]["web"]["ports"]
    assert ports == ["${PUSHDECK_BIND:-127.0.0.1}:${PUSHDECK_PORT:-8000}:8000"]
    assert compose["x-app"]["environment"]["DEBUG"] == "0"


@pytest.mark.django_db
def test_the_django_admin_can_be_turned_off(client: Client, settings: Settings) -> None:
    import importlib

    from django.urls import clear_url_caches

    def reload_urls() -> None:
        importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
        clear_url_caches()

    assert client.get("/django-admin/").status_code == 302  # to its login page
    settings.DJANGO_ADMIN_ENABLED = False
    reload_urls()
    try:
        assert client.get("/django-admin/").status_code == 404
    finally:
        settings.DJANGO_ADMIN_ENABLED = True
        reload_urls()
