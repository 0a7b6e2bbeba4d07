"""The .txt rules and every decided edge case of account package validation."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from pushes.packages import MAX_PACKAGE_BYTES, RowError, ValidationResult, validate_package
from pushes.packages import scan as scan_module

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


def check(data: bytes, filename: str = "accounts.txt", **kwargs: object) -> ValidationResult:
    return validate_package(io.BytesIO(data), filename, **kwargs)  # type: ignore[arg-type]


def reasons(result: ValidationResult) -> list[tuple[int, str]]:
    return [(error.line, error.reason) for error in result.errors]


class GeneratedStream(io.RawIOBase):
    """``size`` bytes repeating ``pattern``, generated on demand; counts what was read."""

    def __init__(self, pattern: bytes, size: int) -> None:
        self.size = size
        self.read_bytes = 0
        self._period = len(pattern)
        self._block = pattern * (1024 * 1024 // len(pattern) + 2)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        done = 0
        while done < len(view) and self.read_bytes < self.size:
            offset = self.read_bytes % self._period
            step = min(len(view) - done, self.size - self.read_bytes, len(self._block) - offset)
            view[done : done + step] = self._block[offset : offset + step]
            done += step
            self.read_bytes += step
        return done


def test_it_accepts_one_account_per_line() -> None:
    data = b"alice\nbob\ncarol\n"
    result = check(data)
    assert result.valid
    assert (result.format, result.inner_format) == ("txt", "txt")
    assert (result.rows, result.accounts, result.duplicates, result.invalid_rows) == (3, 3, 0, 0)
    assert result.errors == []
    assert result.problem is None
    assert result.size == len(data)


def test_sha256_is_of_the_bytes_as_uploaded() -> None:
    data = b"\xef\xbb\xbfalice\r\nbob\r\n"
    assert check(data).sha256 == hashlib.sha256(data).hexdigest()


def test_it_counts_duplicates_exactly() -> None:
    data = b"alice\nbob\nalice\n  alice\t\ncarol\nbob\nALICE\n"
    result = check(data)
    assert result.valid
    # Stripped accounts are compared; case matters.
    assert (result.rows, result.accounts, result.duplicates) == (7, 4, 3)


def test_duplicates_are_exact_over_many_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", 4096)
    rng = np.random.default_rng(7)
    accounts = [f"user{n}" for n in rng.integers(0, 20_000, 50_000)]
    result = check("\n".join(accounts).encode())
    assert result.accounts == len(set(accounts))
    assert result.duplicates == len(accounts) - len(set(accounts))


def test_it_strips_a_utf8_bom_at_the_start() -> None:
    result = check(b"\xef\xbb\xbfalice\nbob\n")
    assert result.valid
    assert result.accounts == 2


def test_a_bom_after_the_start_is_an_invisible_character() -> None:
    result = check(b"alice\n\xef\xbb\xbfbob\n")
    assert reasons(result) == [
        (
            2,
            "account contains U+FEFF ZERO WIDTH NO-BREAK SPACE; "
            "control and invisible characters are not allowed",
        )
    ]


@pytest.mark.parametrize(
    "data",
    [b"alice\r\nbob\r\ncarol", b"alice\rbob\rcarol\r", b"alice\r\nbob\ncarol\r"],
    ids=["crlf", "cr", "mixed"],
)
def test_crlf_and_cr_end_lines(data: bytes) -> None:
    result = check(data)
    assert result.valid
    assert result.accounts == 3


def test_line_numbers_count_each_crlf_once() -> None:
    result = check(b"alice\r\n\r\nx\r\nbob\r\n")
    assert reasons(result) == [(3, "account has 1 character; accounts have 2–100 characters")]


def test_the_last_line_needs_no_line_end() -> None:
    assert check(b"alice\nbob").accounts == check(b"alice\nbob\n").accounts == 2


def test_a_file_without_line_ends_is_one_account() -> None:
    result = check(b"alice")
    assert result.valid
    assert (result.rows, result.accounts) == (1, 1)


def test_blank_lines_are_skipped_but_keep_line_numbers() -> None:
    result = check(b"\nalice\n\n   \n\t\nbob\n\nx\n")
    assert not result.valid
    assert (result.rows, result.accounts, result.invalid_rows) == (3, 2, 1)
    assert reasons(result) == [(8, "account has 1 character; accounts have 2–100 characters")]


def test_surrounding_spaces_and_tabs_are_stripped() -> None:
    result = check(b"  alice  \n\tbob\t\n \t carol\n")
    assert result.valid
    assert result.accounts == 3


def test_other_unicode_spaces_are_kept() -> None:
    result = check("\u3000ab\n".encode())
    assert result.valid  # three characters: U+3000 is printable, not stripped


def test_spaces_inside_an_account_are_allowed() -> None:
    assert check(b"john doe\n").valid


def test_it_rejects_a_tab_inside_an_account() -> None:
    result = check(b"ab\tcd\n")
    assert reasons(result) == [
        (1, "account contains U+0009 TAB; control and invisible characters are not allowed")
    ]
    assert result.errors[0].value == "ab\\tcd"


@pytest.mark.parametrize(
    ("account", "name"),
    [
        (b"ab\x00cd", "U+0000 NUL"),
        (b"ab\x1bcd", "U+001B ESC"),
        (b"ab\x7fcd", "U+007F DEL"),
        ("ab\u0085cd".encode(), "U+0085 NEXT LINE"),
        ("ab\u2028cd".encode(), "U+2028 LINE SEPARATOR"),
        ("ab\u2029cd".encode(), "U+2029 PARAGRAPH SEPARATOR"),
        ("ab\u200bcd".encode(), "U+200B ZERO WIDTH SPACE"),
        ("ab\u202ecd".encode(), "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_it_rejects_control_and_invisible_characters(account: bytes, name: str) -> None:
    result = check(b"alice\n" + account + b"\nbob\n")
    assert not result.valid
    # U+0085 and U+2028 do not end lines: the row is rejected, the line count stays.
    assert (result.rows, result.accounts, result.invalid_rows) == (3, 2, 1)
    assert reasons(result) == [
        (2, f"account contains {name}; control and invisible characters are not allowed")
    ]


def test_it_reports_invalid_utf8_with_its_line_and_goes_on() -> None:
    result = check(b"alice\nbo\xffb\ncarol\n\xc3\n")
    assert (result.rows, result.accounts, result.invalid_rows) == (4, 2, 2)
    assert reasons(result) == [
        (2, "not valid UTF-8 (byte 0xFF at position 3); save the file as UTF-8"),
        (4, "not valid UTF-8 (byte 0xC3 at position 1); save the file as UTF-8"),
    ]
    assert result.errors[0].value == "bo\\xffb"


def test_invalid_utf8_among_valid_multibyte_accounts() -> None:
    data = "张伟\n李娜\n".encode() + b"\xe5\xbc\n" + "王芳\n".encode()
    result = check(data)
    assert (result.accounts, result.invalid_rows) == (3, 1)
    assert [error.line for error in result.errors] == [3]


@pytest.mark.parametrize(
    ("account", "chars"),
    [("a", 1), ("a" * 101, 101), ("é" * 101, 101), ("张" * 101, 101), ("😀" * 101, 101)],
)
def test_it_rejects_accounts_outside_2_to_100_characters(account: str, chars: int) -> None:
    result = check(f"alice\n{account}\n".encode())
    noun = "character" if chars == 1 else "characters"
    assert reasons(result) == [(2, f"account has {chars} {noun}; accounts have 2–100 characters")]


@pytest.mark.parametrize("account", ["ab", "a" * 100, "é" * 100, "张" * 100, "😀" * 100])
def test_it_counts_characters_not_bytes(account: str) -> None:
    result = check(f"{account}\n".encode())
    assert result.valid, result.errors
    assert result.accounts == 1


def test_multibyte_account_with_surrounding_spaces() -> None:
    result = check(("  " + "张" * 100 + "  \n").encode())
    assert result.valid


def test_it_rejects_an_empty_file() -> None:
    result = check(b"")
    assert not result.valid
    assert result.problem == "the file is empty"
    assert result.errors == [RowError(0, "the file is empty")]


def test_a_file_holding_only_a_bom_is_empty() -> None:
    assert check(b"\xef\xbb\xbf").problem == "the file is empty"


def test_it_rejects_a_file_of_blank_lines() -> None:
    result = check(b"\n \n\t\r\n\n")
    assert result.problem == "the file has no accounts (only blank lines)"
    assert result.rows == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_it_rejects_utf16(encoding: str) -> None:
    result = check("alice\nbob\n".encode(encoding))
    assert not result.valid
    assert result.problem == "the file is UTF-16; save it as UTF-8"
    assert reasons(result) == [(0, "the file is UTF-16; save it as UTF-8")]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"PK\x03\x04\x14\x00rest", "the file is a zip archive, not a .txt file; name it .zip"),
        (
            b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
            "the file is an Excel or Office document, not a .txt file; save it as CSV UTF-8",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
            "the file is an Excel or Office document, not a .txt file; save it as CSV UTF-8",
        ),
        (b"\x1f\x8b\x08\x00", "the file is gzip-compressed; upload the plain .txt file or a .zip"),
        (b"%PDF-1.7\n", "the file is a PDF document; export the accounts as .txt or .csv"),
    ],
    ids=["zip", "xlsx", "xls", "gzip", "pdf"],
)
def test_it_rejects_content_that_contradicts_the_extension(data: bytes, problem: str) -> None:
    result = check(data)
    assert result.problem == problem
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_row_errors_and_file_valid_flag() -> None:
    result = check(b"alice\nx\nbob\n")
    # TPNS rejects the whole package for one bad row.
    assert not result.valid
    assert result.problem is None
    assert (result.rows, result.accounts, result.invalid_rows) == (3, 2, 1)
    assert result.rows == result.accounts + result.duplicates + result.invalid_rows


def test_errors_keep_100_and_on_error_gets_every_one() -> None:
    received: list[RowError] = []
    data = b"".join(b"x\nalice\n" for _ in range(250))
    result = check(data, on_error=received.append)
    assert result.invalid_rows == 250
    assert len(result.errors) == 100
    assert len(received) == 250
    assert [error.line for error in received] == list(range(1, 500, 2))
    assert result.errors == received[:100]


def test_progress_is_called_with_increasing_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", 1000)
    data = b"".join(b"user%06d\n" % n for n in range(2000))
    calls: list[tuple[int, int]] = []
    check(data, progress=lambda done, total: calls.append((done, total)))
    done = [call[0] for call in calls]
    assert len(calls) >= 20
    assert done == sorted(set(done))
    assert done[-1] == len(data)
    assert {call[1] for call in calls} == {len(data)}


def test_progress_total_is_0_when_the_size_is_unknown() -> None:
    calls: list[tuple[int, int]] = []
    stream = io.BufferedReader(GeneratedStream(b"alice\n", 6000))
    validate_package(stream, "a.txt", progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (6000, 0)


# Chunk edges: a CRLF, a multibyte character, a BOM or a long line cut between two reads.
_TRICKY = (
    "\ufeffalice\r\nbob\r\rcarol\n\n  dave  \r\n张伟\r"
    + "é" * 100
    + "\nx\n"
    + "😀" * 3
    + "\r\n\tzed\t\rbo\u2028b\r\nalice"
).encode()


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_results_do_not_depend_on_where_chunks_end(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = check(_TRICKY)
    assert (expected.rows, expected.accounts, expected.duplicates) == (11, 8, 1)
    assert reasons(expected) == [
        (9, "account has 1 character; accounts have 2–100 characters"),
        (
            12,
            "account contains U+2028 LINE SEPARATOR; "
            "control and invisible characters are not allowed",
        ),
    ]
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(scan_module, "_SNIFF_BYTES", 4)
    result = check(_TRICKY)
    assert (result.rows, result.accounts, result.duplicates) == (11, 8, 1)
    assert result.errors == expected.errors
    assert result.sha256 == expected.sha256


def test_a_long_line_across_chunks_is_measured_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", 5)
    monkeypatch.setattr(scan_module, "_SNIFF_BYTES", 4)
    monkeypatch.setattr(scan_module, "LINE_CAP_BYTES", 8)
    result = check(b"alice\n" + b"z" * 40 + b"\r\nbob\rcarol\n")
    assert (result.rows, result.accounts, result.invalid_rows) == (4, 3, 1)
    assert reasons(result) == [
        (
            2,
            "account longer than 100 characters (a line of 40 bytes); "
            "accounts have 2–100 characters",
        )
    ]


def test_a_100_mb_single_line_is_rejected_in_bounded_memory() -> None:
    stream = io.BufferedReader(GeneratedStream(b"a", MAX_PACKAGE_BYTES), buffer_size=1 << 16)
    tracemalloc.start()
    try:
        result = validate_package(stream, "one-line.txt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reasons(result) == [
        (
            1,
            f"account longer than 100 characters (a line of {MAX_PACKAGE_BYTES:,} bytes); "
            "accounts have 2–100 characters",
        )
    ]
    assert result.errors[0].value == "a" * 119 + "…"
    assert (result.rows, result.invalid_rows, result.accounts) == (1, 1, 0)
    assert peak < 24 * 1024 * 1024  # a few chunks, never the line


def test_it_stops_reading_just_past_100_mb() -> None:
    raw = GeneratedStream(b"a" * 99 + b"\n", MAX_PACKAGE_BYTES + 10 * 1024 * 1024)
    result = validate_package(io.BufferedReader(raw, buffer_size=1 << 16), "big.txt")
    assert result.problem == "the file is larger than 100 MB"
    assert not result.valid
    assert result.sha256 == ""
    # Rejected while streaming: at most one read-ahead buffer past the limit.
    assert raw.read_bytes <= MAX_PACKAGE_BYTES + (1 << 16)


def test_exactly_100_mb_is_accepted() -> None:
    stream = io.BufferedReader(GeneratedStream(b"a" * 99 + b"\n", MAX_PACKAGE_BYTES))
    result = validate_package(stream, "limit.txt")
    assert result.problem is None
    assert result.size == MAX_PACKAGE_BYTES
    assert result.accounts == 1
    assert result.duplicates == MAX_PACKAGE_BYTES // 100 - 1


def test_an_oversized_file_that_can_seek_is_rejected_unread(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_PACKAGE_BYTES + 1)
    with path.open("rb") as upload:
        result = validate_package(upload, "sparse.txt")
        assert upload.tell() == 0
    assert result.problem == "the file is larger than 100 MB"
    assert result.size == MAX_PACKAGE_BYTES + 1


def test_five_million_accounts(tmp_path: Path) -> None:
    count = 5_000_000
    digits = 7
    numbers = np.arange(count, dtype=np.int64)
    table = np.empty((count, digits + 1), dtype=np.uint8)
    for place in range(digits):
        table[:, digits - 1 - place] = ord("0") + (numbers // 10**place) % 10
    table[:, digits] = ord("\n")
    path = tmp_path / "five-million.txt"
    with path.open("wb") as out:
        out.write(table.tobytes())
        out.write(b"0000042\n0000007\n")  # two repeats
    with path.open("rb") as upload:
        result = validate_package(upload, path.name)
    assert result.valid
    assert (result.rows, result.accounts, result.duplicates) == (count + 2, count, 2)
    assert result.size == count * 8 + 16


def test_without_on_error_bad_rows_are_counted_in_bulk_in_line_order() -> None:
    data = b"".join(b"x\n y \nok%d\nab\x00\n%s\n" % (n, b"z" * 101) for n in range(100))
    received: list[RowError] = []
    everything = check(data, on_error=received.append)
    result = check(data)
    assert result.invalid_rows == everything.invalid_rows == len(received) == 400
    assert result.errors == received[:100]
    assert [error.line for error in result.errors[:5]] == [1, 2, 4, 5, 6]
    assert result.accounts == 100


@pytest.mark.parametrize("chunk", [4096, 4 * 1024 * 1024])
def test_a_line_over_64_kib_gets_one_answer_wherever_chunks_end(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", chunk)
    data = b"alice\n" + b"\x00" + b" " * 70_000 + b"\nbob\n"
    result = check(data)
    assert reasons(result) == [
        (
            2,
            "account longer than 100 characters (a line of 70,001 bytes); "
            "accounts have 2–100 characters",
        )
    ]
    assert result.accounts == 2
