"""The .zip rules: one .txt or .csv entry, nothing else, and a bounded uncompressed size."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pushes.packages import (
    MAX_PACKAGE_BYTES,
    PackageError,
    ValidationResult,
    iter_accounts,
    validate_package,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ACCOUNTS = b"alice\nbob\nalice\n"


def make_zip(*entries: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def check(data: bytes, filename: str = "accounts.zip", **kwargs: object) -> ValidationResult:
    return validate_package(io.BytesIO(data), filename, **kwargs)  # type: ignore[arg-type]


def patch_headers(data: bytes, offset_local: int, offset_central: int, value: int) -> bytes:
    """Overwrite a 2-byte field of the first entry in its local and central headers."""
    patched = bytearray(data)
    central = patched.index(b"PK\x01\x02")
    struct.pack_into("<H", patched, offset_local, value)
    struct.pack_into("<H", patched, central + offset_central, value)
    return bytes(patched)


class Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        return self._data.readinto(buffer)


def test_it_accepts_a_zip_of_one_txt() -> None:
    data = make_zip(("accounts.txt", ACCOUNTS))
    result = check(data)
    assert result.valid
    assert (result.format, result.inner_format) == ("zip", "txt")
    assert (result.rows, result.accounts, result.duplicates) == (3, 2, 1)
    # The hash and size are the zip's own bytes.
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)


def test_it_accepts_a_zip_of_one_csv_and_applies_csv_rules() -> None:
    result = check(make_zip(("ACCOUNTS.CSV", b'"smith, john"\nalice,bob\n')))
    assert result.inner_format == "csv"
    assert [(error.line, error.reason) for error in result.errors] == [
        (2, "2 columns; an account package CSV has exactly one column")
    ]


def test_a_stored_zip_works_too() -> None:
    assert check(make_zip(("a.txt", ACCOUNTS), method=zipfile.ZIP_STORED)).valid


def test_a_zip_that_cannot_seek_is_spooled() -> None:
    data = make_zip(("accounts.txt", ACCOUNTS))
    result = validate_package(io.BufferedReader(Unseekable(data)), "accounts.zip")
    assert result.valid
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_iter_accounts_reads_the_entry() -> None:
    data = make_zip(("accounts.txt", b"bob\n alice\nbob\ncarol\n"))
    assert list(iter_accounts(io.BytesIO(data), "a.zip")) == ["bob", "alice", "carol"]


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        (
            [("a.txt", ACCOUNTS), ("b.txt", ACCOUNTS)],
            "the zip contains 2 files (a.txt, b.txt); it must contain exactly one .txt or .csv file",
        ),
        (
            [("list/", b""), ("list/a.txt", ACCOUNTS)],
            "the zip contains a folder (list/); zip the .txt or .csv file itself, not a folder",
        ),
        (
            [("list/a.txt", ACCOUNTS)],
            "the zip contains a folder (list/); zip the .txt or .csv file itself, not a folder",
        ),
        (
            [("a.txt", ACCOUNTS), ("__MACOSX/._a.txt", b"\x00\x05\x16\x07")],
            "the zip contains hidden system files (__MACOSX/._a.txt); zip just the one .txt or "
            ".csv file, without __MACOSX or .DS_Store entries",
        ),
        (
            [(".DS_Store", b"\x00\x00\x00\x01Bud1"), ("a.txt", ACCOUNTS)],
            "the zip contains hidden system files (.DS_Store); zip just the one .txt or .csv "
            "file, without __MACOSX or .DS_Store entries",
        ),
        (
            [("._a.txt", b"\x00\x05\x16\x07")],
            "the zip contains hidden system files (._a.txt); zip just the one .txt or .csv file, "
            "without __MACOSX or .DS_Store entries",
        ),
        (
            [("inner.zip", make_zip(("a.txt", ACCOUNTS)))],
            "the zip contains another zip archive (inner.zip); nested zips are not accepted",
        ),
        (
            [("../x.txt", ACCOUNTS)],
            "the zip contains an unsafe file name (../x.txt); zip just the one .txt or .csv file",
        ),
        (
            [("/abs.txt", ACCOUNTS)],
            "the zip contains an unsafe file name (/abs.txt); zip just the one .txt or .csv file",
        ),
        (
            [("dir\\x.txt", ACCOUNTS)],
            "the zip contains an unsafe file name (dir\\x.txt); zip just the one .txt or .csv file",
        ),
        (
            [("C:x.txt", ACCOUNTS)],
            "the zip contains an unsafe file name (C:x.txt); zip just the one .txt or .csv file",
        ),
        (
            [("accounts.xlsx", b"PK\x03\x04")],
            "the zip contains accounts.xlsx; it must contain one .txt or .csv file",
        ),
        ([], "the zip archive is empty; it must contain one .txt or .csv file"),
    ],
    ids=[
        "two-files",
        "folder-entry",
        "file-in-folder",
        "macosx",
        "ds-store",
        "apple-double",
        "nested-zip",
        "zip-slip-parent",
        "zip-slip-absolute",
        "zip-slip-backslash",
        "zip-slip-drive",
        "wrong-type",
        "empty",
    ],
)
def test_it_rejects_zip_content(entries: list[tuple[str, bytes]], problem: str) -> None:
    data = make_zip(*entries)
    result = check(data)
    assert not result.valid
    assert result.problem == problem
    assert result.errors[0].line == 0
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_a_txt_entry_that_is_itself_a_zip_is_nested() -> None:
    result = check(make_zip(("a.txt", make_zip(("b.txt", ACCOUNTS)))))
    assert (
        result.problem
        == "a.txt inside the zip is itself a zip archive; nested zips are not accepted"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("alice\n".encode("utf-16"), "accounts.txt inside the zip is UTF-16; save it as UTF-8"),
        (b"", "accounts.txt inside the zip is empty"),
        (b"\n\n", "accounts.txt inside the zip has no accounts (only blank lines)"),
    ],
)
def test_the_entry_gets_the_file_checks(data: bytes, problem: str) -> None:
    assert check(make_zip(("accounts.txt", data))).problem == problem


def test_it_rejects_an_encrypted_zip() -> None:
    # General purpose flag: offset 6 in the local header, 8 in the central one; bit 0 = encrypted.
    data = patch_headers(make_zip(("accounts.txt", ACCOUNTS)), 6, 8, 0x1)
    result = check(data)
    assert result.problem == (
        "the zip is password-protected (accounts.txt); zip the file without a password"
    )


def test_it_rejects_an_unknown_compression_method() -> None:
    data = patch_headers(make_zip(("accounts.txt", ACCOUNTS)), 8, 10, 99)
    assert check(data).problem == (
        "the zip uses a compression method that is not supported; "
        "use standard (deflate) compression"
    )


def test_it_rejects_a_truncated_zip() -> None:
    data = make_zip(("accounts.txt", b"alice\n" * 1000))
    result = check(data[: len(data) // 2])
    assert result.problem is not None
    assert result.problem.startswith("the zip archive is corrupt or truncated")


def test_it_rejects_a_corrupt_zip() -> None:
    data = bytearray(make_zip(("accounts.txt", b"alice\n" * 1000)))
    start = 30 + len("accounts.txt")  # the compressed data follows the local header
    data[start + 5 : start + 15] = b"\xff" * 10
    result = check(bytes(data))
    assert result.problem is not None
    assert result.problem.startswith("the zip archive is corrupt or truncated")


def test_it_rejects_a_zip_named_file_that_is_not_a_zip() -> None:
    assert check(b"alice\nbob\n").problem == (
        "the file is not a zip archive although its name ends in .zip "
        "(it looks like a text file; name it .txt or .csv)"
    )
    assert check(b"\x00\x01\x02\x03binary").problem == (
        "the file is not a zip archive although its name ends in .zip"
    )
    assert check(b"").problem == "the file is empty"


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 100 KB that inflate to 101 MB of one never-ending line."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    block = b"a" * (1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("accounts.txt", "w", force_zip64=True) as entry,
    ):
        for _ in range(101):
            entry.write(block)
    return path


def test_a_zip_bomb_stops_once_100_mb_came_out(
    zip_bomb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inflated = 0
    original_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        nonlocal inflated
        data = original_read(self, n)
        inflated += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    assert zip_bomb.stat().st_size < 1024 * 1024
    with zip_bomb.open("rb") as upload:
        result = validate_package(upload, "bomb.zip")
    assert result.problem == "accounts.txt inside the zip is larger than 100 MB uncompressed"
    assert not result.valid
    assert inflated <= MAX_PACKAGE_BYTES + 1
    assert result.sha256 == hashlib.sha256(zip_bomb.read_bytes()).hexdigest()


def test_a_lying_size_header_does_not_help(zip_bomb: Path) -> None:
    data = bytearray(zip_bomb.read_bytes())
    # Claim 1000 bytes in the central directory: zipfile stops there and the CRC fails.
    struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 24, 1000)
    result = check(bytes(data))
    assert result.problem == (
        "the zip archive is corrupt or truncated (Bad CRC-32 for file 'accounts.txt')"
    )


def test_iter_accounts_refuses_a_rejected_zip() -> None:
    data = make_zip(("a.txt", ACCOUNTS), ("b.txt", ACCOUNTS))
    with pytest.raises(PackageError, match="exactly one .txt or .csv file"):
        list(iter_accounts(io.BytesIO(data), "a.zip"))


def test_a_zip_of_thousands_of_entries_is_refused_before_listing_them() -> None:
    data = make_zip(*[(f"f{n}.txt", b"") for n in range(1500)], method=zipfile.ZIP_STORED)
    assert check(data).problem == (
        "the zip contains too many files; it must contain exactly one .txt or .csv file"
    )


def test_a_few_extra_files_are_named() -> None:
    data = make_zip(*[(f"f{n}.txt", ACCOUNTS) for n in range(5)])
    assert check(data).problem == (
        "the zip contains 5 files (f0.txt, f1.txt, f2.txt, …); "
        "it must contain exactly one .txt or .csv file"
    )


def test_a_zip_comment_is_fine() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("accounts.txt", ACCOUNTS)
        archive.comment = b"exported by a tool"
    assert check(out.getvalue()).valid
