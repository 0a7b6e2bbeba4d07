"""Project-level contracts: production settings, docker-compose, CI wiring."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from cryptography.fernet import Fernet

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


def test_web_script_serves_the_wsgi_app_with_gunicorn() -> None:
    script = (ROOT / "docker" / "web.sh").read_text()
    assert "gunicorn console.wsgi" in script
    import console.wsgi  # noqa: F401  (the module gunicorn loads)


def test_env_example_lists_every_variable_settings_read() -> None:
    import re

    settings_src = (ROOT / "console" / "settings.py").read_text()
    read = set(re.findall(r'(?:getenv|env_bool|env_int|env_list)\(\s*"([A-Z_]+)"', settings_src))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert read <= listed, read - listed


def test_ci_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
