"""``manage.py validate_package PATH [--json]``: output and exit status."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "manage.py", "validate_package", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_prints_json_and_exits_0_when_valid(tmp_path: Path) -> None:
    path = tmp_path / "accounts.txt"
    path.write_bytes(b"alice\nbob\nalice\n")
    completed = run(str(path), "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["valid"] is True
    assert (result["format"], result["rows"], result["accounts"], result["duplicates"]) == (
        "txt",
        3,
        2,
        1,
    )
    assert result["errors"] == []
    assert len(result["sha256"]) == 64


def test_it_exits_1_when_rejected(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"alice,bob\ncarol\n")
    completed = run(str(path), "--json")
    assert completed.returncode == 1
    result = json.loads(completed.stdout)
    assert result["valid"] is False
    assert result["errors"] == [
        {"line": 1, "reason": "2 columns; an account package CSV has exactly one column"}
    ]


@pytest.mark.parametrize("target", ["missing.txt", "."])
def test_it_exits_2_for_an_unusable_path(tmp_path: Path, target: str) -> None:
    completed = run(str(tmp_path / target), "--json")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert str(tmp_path) in completed.stderr


# Root reads any file: as root (CI runs as root) the command runs without the capabilities
# that override file permissions, so it meets a permission error as any other user would.
AS_AN_ORDINARY_READER = (
    ("setpriv", "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
)


def test_it_exits_2_for_an_unreadable_file(tmp_path: Path) -> None:
    require(
        not AS_AN_ORDINARY_READER or shutil.which("setpriv") is not None,
        "setpriv (util-linux) is needed to drop root's file-permission override",
    )
    path = tmp_path / "secret.txt"
    path.write_bytes(b"alice\n")
    path.chmod(0)
    completed = run(str(path), prefix=AS_AN_ORDINARY_READER)
    assert completed.returncode == 2
    assert "Permission denied" in completed.stderr


def test_the_summary_lists_counts_and_first_errors(tmp_path: Path) -> None:
    path = tmp_path / "accounts.txt"
    path.write_bytes(b"alice\nx\nbob\n" + b"y\n" * 30)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("validate_package", str(path), stdout=out)
    assert exit_info.value.code == 1
    text = out.getvalue()
    assert "accounts.txt: rejected (txt, 72 bytes)" in text
    assert "rows: 33  accounts: 2  duplicates: 0  invalid rows: 31" in text
    assert "line 2: account has 1 character; accounts have 2–100 characters  [x]" in text
    assert "… and 11 more" in text


def test_the_summary_of_a_valid_zip(tmp_path: Path) -> None:
    path = tmp_path / "accounts.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("accounts.txt", "alice\nbob\n")
    out = io.StringIO()
    call_command("validate_package", str(path), stdout=out)
    assert out.getvalue().startswith("accounts.zip: valid (zip with txt, ")


def test_call_command_raises_for_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file") as error:
        call_command("validate_package", str(tmp_path / "missing.txt"))
    assert error.value.returncode == 2
