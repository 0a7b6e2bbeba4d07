"""Keeping a package's valid rows: the streamed writer, and duplicates in the report."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from typing import TYPE_CHECKING

import numpy as np
import pytest

from pushes.packages import (
    DuplicateRow,
    PackageError,
    RowError,
    scan,
    validate_package,
    write_error_report,
    write_valid_rows,
)
from pushes.packages.repeats import Repeats

if TYPE_CHECKING:
    from pathlib import Path

    from pushes.packages import ValidRows


def written(data: bytes, name: str = "a.txt") -> tuple[bytes, ValidRows]:
    out = io.BytesIO()
    rows = write_valid_rows(io.BytesIO(data), name, out)
    return out.getvalue(), rows


def test_it_writes_each_valid_account_once_in_file_order() -> None:
    data = b"account\nalice\nx\nbob\n\nalice\n  carol \t\nbob\n" + b"y" * 101 + b"\n"
    text, rows = written(data)
    assert text == b"alice\nbob\ncarol\n"
    assert rows.accounts == 3
    assert rows.rows == 8
    assert rows.invalid_rows == 3  # header, "x", the long one
    assert rows.duplicates == 2
    assert rows.header_line == 1
    assert rows.dropped == 5
    assert rows.size == len(text)


def test_what_it_writes_is_a_valid_package_with_the_same_accounts() -> None:
    data = b'"user_id"\n"alice"\n"a,b"\n"say ""hi"""\nx,y\n\xe7\x94\xa8\xe6\x88\xb7\xe7\x94\xb2\n'
    text, _ = written(data, "a.csv")
    assert text == 'alice\na,b\nsay "hi"\n用户甲\n'.encode()
    result = validate_package(io.BytesIO(text), "a-valid-rows.txt")
    assert result.valid
    assert (result.accounts, result.duplicates, result.invalid_rows) == (4, 0, 0)


def test_it_reads_a_zip() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("accounts.csv", "openid\nalice\nbob\nalice\n")
    text, rows = written(buffer.getvalue(), "accounts.zip")
    assert text == b"alice\nbob\n"
    assert rows.dropped == 2


def test_a_package_refused_as_a_whole_raises() -> None:
    with pytest.raises(PackageError, match="is a PDF document"):
        written(b"%PDF-1.7\n")


def test_progress_covers_both_passes() -> None:
    data = b"alice\nbob\n" * 10
    seen: list[tuple[int, int]] = []
    write_valid_rows(
        io.BytesIO(data), "a.txt", io.BytesIO(), progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (len(data), 2 * len(data))
    assert seen[-1] == (2 * len(data), 2 * len(data))


def test_repeats_marks_all_but_the_first_row_of_each_repeated_account() -> None:
    repeats = Repeats(np.array([5, 9], dtype=np.int64))
    dup, first = repeats.mark(
        np.array([9, 1, 9, 5], dtype=np.int64), np.array([1, 2, 3, 4], dtype=np.int64)
    )
    assert dup.tolist() == [False, False, True, False]
    assert first.tolist() == [1, 0, 1, 4]
    # The next block remembers what the first one saw.
    dup, first = repeats.mark(np.array([5, 7], dtype=np.int64), np.array([5, 6], dtype=np.int64))
    assert dup.tolist() == [True, False]
    assert first.tolist() == [4, 0]


def _big_package(path: Path, rows: int) -> Path:
    """A header, then ``rows`` accounts of 20 bytes a line, 1% of them repeated; written in
    slices, so the file is never whole in this process's memory either."""
    distinct = rows - rows // 100
    with path.open("wb") as out:
        out.write(b"account\n")
        for start in range(0, rows, 100_000):
            numbers = range(start, min(rows, start + 100_000))
            out.write(b"".join(b"user%015d\n" % (n % distinct) for n in numbers))
    return path


def _peak_bytes(source: Path, target: Path) -> tuple[int, int]:
    with source.open("rb") as fileobj, target.open("wb") as out:
        tracemalloc.start()  # numpy reports its arrays to tracemalloc too
        try:
            rows = write_valid_rows(fileobj, source.name, out)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peak, rows.accounts


def test_a_big_file_is_written_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Smaller chunks than the 2 MB the scanner reads in production, so a file of a few MB
    # already spans many blocks and the working set of one block does not hide the rest.
    monkeypatch.setattr(scan, "CHUNK_BYTES", 256 * 1024)
    small_rows, big_rows = 150_000, 600_000
    small = _big_package(tmp_path / "small.txt", small_rows)
    big = _big_package(tmp_path / "big.txt", big_rows)

    small_peak, small_accounts = _peak_bytes(small, tmp_path / "small-out.txt")
    big_peak, big_accounts = _peak_bytes(big, tmp_path / "big-out.txt")

    assert (small_accounts, big_accounts) == (148_500, 594_000)
    assert (tmp_path / "big-out.txt").stat().st_size == 594_000 * 20
    # Each line takes 20 bytes of the file. The memory for 450,000 more rows grows by about
    # 8 bytes a row (their hashes, in the first pass), and the whole run needs less than the
    # file itself: it is never held, only a block of it at a time. (5,000,000 rows, 100 MB,
    # peak at about 60 MB with the production chunks.)
    per_row = (big_peak - small_peak) / (big_rows - small_rows)
    assert per_row < 12, f"{per_row:.1f} bytes a row"
    assert big_peak < big.stat().st_size, f"peak {big_peak:,} bytes"


# ---------------------------------------------------------------- duplicates in the report


def test_duplicates_of_a_package_with_bad_rows_go_to_on_duplicate_with_their_first_line() -> None:
    data = b"alice\nx\nbob\nalice\n\ncarol\nbob\nalice\n"
    seen: list[DuplicateRow] = []
    result = validate_package(io.BytesIO(data), "a.txt", on_duplicate=seen.append)
    assert result.duplicates == result.duplicates_listed == 3
    assert seen == [
        DuplicateRow(line=4, first_line=1, value="alice"),
        DuplicateRow(line=7, first_line=3, value="bob"),
        DuplicateRow(line=8, first_line=1, value="alice"),
    ]


def test_the_duplicates_listed_are_capped() -> None:
    data = b"x\n" + b"alice\nbob\n" * 50
    seen: list[DuplicateRow] = []
    result = validate_package(io.BytesIO(data), "a.csv", on_duplicate=seen.append, max_duplicates=5)
    assert (result.duplicates, result.duplicates_listed) == (98, 5)
    assert [row.line for row in seen] == [4, 5, 6, 7, 8]
    assert [row.first_line for row in seen] == [2, 3, 2, 3, 2]


def test_a_valid_package_keeps_its_duplicates_unlisted() -> None:
    # Duplicates alone do not reject a package: they are pushed once, as before.
    seen: list[DuplicateRow] = []
    result = validate_package(io.BytesIO(b"alice\nbob\nalice\n"), "a.txt", on_duplicate=seen.append)
    assert result.valid and result.duplicates == 1
    assert seen == [] and result.duplicates_listed == 0


def test_duplicates_follow_the_rows_through_a_header_and_quotes() -> None:
    data = b'uid\n"alice"\n  alice\n"a,b"\na,b\n"a,b"\n'
    seen: list[DuplicateRow] = []
    validate_package(io.BytesIO(data), "a.csv", on_duplicate=seen.append)
    assert seen == [DuplicateRow(3, 2, "alice"), DuplicateRow(6, 4, "a,b")]


def test_the_report_lists_the_duplicates_and_says_when_it_stops() -> None:
    out = io.StringIO()
    write_error_report(
        [RowError(2, "account has 1 character; accounts have 2–100 characters", "x")],
        out,
        duplicates=[DuplicateRow(4, 1, "alice"), DuplicateRow(5, 3, "=1+1")],
        duplicates_total=12_345,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["line", "reason", "value", "first_line"],
        ["2", "account has 1 character; accounts have 2–100 characters", "x", ""],
        ["4", "duplicate of line 1", "alice", "1"],
        ["5", "duplicate of line 3", "'=1+1", "3"],
        ["", "first 2 of 12,345 duplicates listed", "", ""],
    ]


def test_a_report_listing_every_duplicate_has_no_note() -> None:
    out = io.StringIO()
    write_error_report([], out, duplicates=[DuplicateRow(4, 1, "alice")], duplicates_total=1)
    assert "listed" not in out.getvalue()
