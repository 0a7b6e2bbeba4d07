"""File names, the JSON shape, the error report and reading accounts back."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from pushes.packages import (
    PackageError,
    RowError,
    iter_accounts,
    validate_filename,
    validate_package,
    write_error_report,
)
from pushes.packages import scan as scan_module


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("", "the file name is empty; it must have 1–100 characters"),
        ("a" * 97 + ".txt", "the file name has 101 characters; it must have 1–100 characters"),
        ("accounts.xlsx", "file type .xlsx is not accepted; upload a .txt, .csv or .zip file"),
        ("accounts.tar.gz", "file type .gz is not accepted; upload a .txt, .csv or .zip file"),
        ("accounts", "the file name has no extension; upload a .txt, .csv or .zip file"),
    ],
)
def test_it_rejects_file_names(filename: str, message: str) -> None:
    assert validate_filename(filename) == message
    result = validate_package(io.BytesIO(b"alice\n"), filename)
    assert result.problem == message
    assert not result.valid


@pytest.mark.parametrize(
    "filename", ["a" * 96 + ".txt", "x.TXT", "名单.csv", "list.Zip", ".txt", "a.b.csv"]
)
def test_it_accepts_file_names(filename: str) -> None:
    assert validate_filename(filename) is None


def test_file_name_length_counts_characters() -> None:
    assert validate_filename("名" * 96 + ".txt") is None  # 100 characters, 292 bytes


def test_as_json_has_exactly_the_contract_keys() -> None:
    result = validate_package(io.BytesIO(b"alice\nx\n" * 150), "a.txt")
    data = result.as_json()
    assert list(data) == [
        "valid",
        "format",
        "rows",
        "accounts",
        "duplicates",
        "invalid_rows",
        "errors",
        "sha256",
        "size",
        "problem",
    ]
    assert data["valid"] is False
    assert len(data["errors"]) == 100
    assert data["errors"][0] == {
        "line": 2,
        "reason": "account has 1 character; accounts have 2–100 characters",
    }
    assert (data["rows"], data["accounts"], data["duplicates"], data["invalid_rows"]) == (
        300,
        1,
        149,
        150,
    )


def test_a_file_problem_is_the_first_error_at_line_0() -> None:
    received: list[RowError] = []
    result = validate_package(io.BytesIO(b"\n\n"), "a.txt", on_error=received.append)
    problem = "the file has no accounts (only blank lines)"
    assert result.errors == received == [RowError(0, problem)]
    assert result.as_json()["errors"] == [{"line": 0, "reason": problem}]


def test_the_error_report_escapes_formulas() -> None:
    errors = [
        RowError(1, "account has 1 character; accounts have 2–100 characters", "=cmd"),
        RowError(2, "reason", "+1"),
        RowError(3, "reason", "-1"),
        RowError(4, "reason", "@x"),
        RowError(5, "reason", "\tx"),
        RowError(6, "reason", "\rx"),
        RowError(7, "=reason", "plain, with comma"),
        RowError(8, "reason", "  =1+1"),
        RowError(9, "reason", "a;=1+1"),
        RowError(0, "the file is empty"),
    ]
    out = io.StringIO()
    write_error_report(errors, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["line", "reason", "value", "first_line"],
        ["1", "account has 1 character; accounts have 2–100 characters", "'=cmd", ""],
        ["2", "reason", "'+1", ""],
        ["3", "reason", "'-1", ""],
        ["4", "reason", "'@x", ""],
        ["5", "reason", "'\tx", ""],
        ["6", "reason", "'\rx", ""],
        ["7", "'=reason", "'plain, with comma", ""],
        ["8", "reason", "'  =1+1", ""],
        ["9", "reason", "'a;=1+1", ""],
        ["0", "the file is empty", "", ""],
    ]
    # Every cell quoted, so no spreadsheet splits a value on its own separator.
    assert '\r\n"9","reason","\'a;=1+1",""\r\n' in out.getvalue()


def test_the_full_report_from_on_error() -> None:
    out = io.StringIO()
    lines: list[RowError] = []
    validate_package(io.BytesIO(b"=1+1\nx\n" * 300), "a.txt", on_error=lines.append)
    write_error_report(lines, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 301
    assert rows[1] == ["2", "account has 1 character; accounts have 2–100 characters", "x", ""]


def test_error_values_are_printable_and_short() -> None:
    result = validate_package(io.BytesIO(b"ab\x00" + b"c" * 300 + b"\n"), "a.txt")
    value = result.errors[0].value
    assert value.startswith("ab\\x00ccc")
    assert len(value) == 120
    assert value.endswith("…")


def test_iter_accounts_yields_valid_accounts_once_in_file_order() -> None:
    data = b"bob\n  alice\nx\nbob\ncarol\t\nalice\n\n\xe5\xbc\ndave"
    assert list(iter_accounts(io.BytesIO(data), "a.txt")) == ["bob", "alice", "carol", "dave"]


def test_iter_accounts_matches_a_set_over_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", 8192)
    rng = np.random.default_rng(3)
    rows = [f"user{n}" if n % 97 else f"张{n}" for n in rng.integers(0, 30_000, 60_000)]
    expected = list(dict.fromkeys(rows))
    stream = io.BytesIO("\n".join(rows).encode())
    stream.seek(0)
    assert list(iter_accounts(stream, "a.csv")) == expected


def test_iter_accounts_reads_from_the_current_position() -> None:
    stream = io.BytesIO(b"HEADER-BYTES" + b"alice\nbob\n")
    stream.seek(len(b"HEADER-BYTES"))
    assert list(iter_accounts(stream, "a.txt")) == ["alice", "bob"]


def test_iter_accounts_refuses_a_rejected_file() -> None:
    with pytest.raises(PackageError, match="UTF-16"):
        list(iter_accounts(io.BytesIO("alice\n".encode("utf-16")), "a.txt"))
