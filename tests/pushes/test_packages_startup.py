"""`manage.py validate_package` starts lean: it prints only what it means to, runs without
setting Django up, and nothing heavy is imported before there is a file to check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "console.settings"}
    env.pop("LOG_LEVEL", None)  # the default level, INFO, as a person running it has
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_validate_package_help_writes_nothing_to_stderr() -> None:
    done = run("manage.py", "validate_package", "--help")
    assert done.returncode == 0
    assert "usage:" in done.stdout and "--json" in done.stdout
    assert done.stderr == ""


def test_validate_package_on_a_file_writes_only_its_json(tmp_path: Path) -> None:
    package = tmp_path / "accounts.txt"
    package.write_bytes(b"alice\nbob\n")
    done = run("manage.py", "validate_package", str(package), "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["accounts"] == 2
    assert done.stderr == ""


def test_through_django_too_it_writes_only_its_json(tmp_path: Path) -> None:
    # One of Django's own options: Django is set up, and django-axes stays quiet about it.
    package = tmp_path / "accounts.txt"
    package.write_bytes(b"alice\nbob\n")
    done = run("manage.py", "validate_package", str(package), "--json", "--verbosity", "1")
    assert done.returncode == 0
    assert json.loads(done.stdout)["accounts"] == 2
    assert done.stderr == ""


def test_validate_package_runs_without_setting_django_up(tmp_path: Path) -> None:
    package = tmp_path / "accounts.txt"
    package.write_bytes(b"alice\nbob\n")
    done = run("-X", "importtime", "manage.py", "validate_package", str(package), "--json")
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "pushes.packages.validate" in imported  # the validator ran
    assert not {"console.settings", "celery", "django.apps.registry"} & imported


def test_start_up_imports_neither_numpy_nor_the_scanner() -> None:
    probe = (
        "import sys, django; django.setup();"
        "from django.core.management import load_command_class;"
        "load_command_class('pushes', 'validate_package');"
        "import pushes.packages, pushes.packages.rules as rules;"
        "print(sorted(m for m in ('numpy', 'pushes.packages.validate', 'pushes.packages.scan')"
        " if m in sys.modules), rules._unsafe_patterns.cache_info().currsize)"
    )
    done = run("-c", probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "0"]


def test_the_validator_still_loads_when_first_used() -> None:
    probe = (
        "import sys, io; from pushes.packages import validate_package;"
        "print(validate_package(io.BytesIO(b'alice\\nbob\\n'), 'a.txt').accounts,"
        " 'numpy' in sys.modules)"
    )
    # No Django project set up at all: the validator needs none.
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "True"]
