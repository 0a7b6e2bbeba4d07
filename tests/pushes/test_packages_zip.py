"""The .zip rules: one .txt or .csv entry, nothing else, and a bounded uncompressed size."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
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
    # Claim 1000 bytes in the central directory: more than that comes out of the stream.
    struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 24, 1000)
    result = check(bytes(data))
    assert result.problem == (
        "the zip is corrupt: accounts.txt holds more data than its header declares "
        "(1,000 bytes); zip the file again"
    )


MIB = 1024 * 1024
# 65,536 different accounts of 15 characters: exactly 1 MiB of valid lines.
FIRST_MIB = b"".join(b"u%014d\n" % n for n in range(MIB // 16))


def patch_entry(data: bytes, *, crc: int, compressed: int, size: int) -> bytes:
    """Overwrite the first entry's CRC-32 and sizes in its local and central headers."""
    patched = bytearray(data)
    central = patched.index(b"PK\x01\x02")
    struct.pack_into("<3I", patched, 14, crc, compressed, size)
    struct.pack_into("<3I", patched, central + 16, crc, compressed, size)
    return bytes(patched)


def lying_zip(path: Path, tail: bytes, repeat: int, *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip whose headers declare 1 MiB, with the CRC-32 of that first MiB, over a stream
    holding ``tail * repeat`` more; written in pieces, so the bytes never sit in memory."""
    with (
        zipfile.ZipFile(path, "w", compression=method) as archive,
        archive.open("accounts.txt", "w") as entry,
    ):
        entry.write(FIRST_MIB)
        for _ in range(repeat):
            entry.write(tail)
    with zipfile.ZipFile(path) as archive:
        compressed = archive.infolist()[0].compress_size
    crc = zlib.crc32(FIRST_MIB)
    return patch_entry(path.read_bytes(), crc=crc, compressed=compressed, size=MIB)


@pytest.fixture(scope="module")
def lying_deflate(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """1 MiB declared, then 100 MiB of blank lines past it: 101 MiB inflated in all."""
    return lying_zip(tmp_path_factory.mktemp("lying") / "lying.zip", b"\n" * MIB, 100)


def test_a_stream_inflating_past_its_declared_size_is_refused(lying_deflate: bytes) -> None:
    # zipfile alone stops at the declared MiB, whose CRC-32 matches: it would accept this.
    with zipfile.ZipFile(io.BytesIO(lying_deflate)) as archive:
        assert archive.read("accounts.txt") == FIRST_MIB
    result = check(lying_deflate)
    assert result.problem == (
        "the zip is corrupt: accounts.txt holds more data than its header declares "
        "(1,048,576 bytes); zip the file again"
    )
    assert not result.valid
    assert result.sha256 == hashlib.sha256(lying_deflate).hexdigest()
    with pytest.raises(PackageError, match="holds more data than its header declares"):
        list(iter_accounts(io.BytesIO(lying_deflate), "a.zip"))


def test_inflating_stops_soon_after_the_declared_size(
    lying_deflate: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    inflated = 0
    real = zlib.decompressobj

    class Counting:
        def __init__(self, wbits: int) -> None:
            self._inner = real(wbits)

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            nonlocal inflated
            out = self._inner.decompress(data, max_length)
            inflated += len(out)
            return out

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    assert check(lying_deflate).problem is not None
    assert MIB < inflated <= 4 * MIB


def test_a_stored_entry_longer_than_declared_is_refused(tmp_path: Path) -> None:
    data = lying_zip(tmp_path / "stored.zip", b"u0000000000000\n", 10, method=zipfile.ZIP_STORED)
    assert check(data).problem == (
        "the zip is corrupt: accounts.txt holds more data than its header declares "
        "(1,048,576 bytes); zip the file again"
    )


def test_an_entry_shorter_than_declared_is_refused() -> None:
    data = make_zip(("accounts.txt", ACCOUNTS))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.infolist()[0]
    data = patch_entry(data, crc=info.CRC, compressed=info.compress_size, size=len(ACCOUNTS) + 1)
    assert check(data).problem == (
        "the zip is corrupt: accounts.txt holds less data than its header declares "
        "(17 bytes); zip the file again"
    )


def test_a_wrong_crc_is_refused() -> None:
    data = make_zip(("accounts.txt", ACCOUNTS))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.infolist()[0]
    data = patch_entry(data, crc=info.CRC ^ 1, compressed=info.compress_size, size=info.file_size)
    assert check(data).problem == (
        "the zip is corrupt: the checksum (CRC-32) of accounts.txt does not match its data; "
        "zip the file again"
    )


@pytest.mark.parametrize("change", [-1, +1], ids=["cut-short", "bytes-after-the-stream"])
def test_a_deflate_stream_must_end_at_the_last_compressed_byte(change: int) -> None:
    # The central directory still says where the entry starts, whatever its compressed size.
    data = make_zip(("accounts.txt", ACCOUNTS))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.infolist()[0]
    data = patch_entry(
        data, crc=info.CRC, compressed=info.compress_size + change, size=info.file_size
    )
    assert check(data).problem == (
        "the zip is corrupt: the compressed data of accounts.txt does not end where its header "
        "says; zip the file again"
    )


def test_a_zip_declaring_more_than_100_mb_is_refused_without_inflating() -> None:
    data = make_zip(("accounts.txt", ACCOUNTS))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.infolist()[0]
    data = patch_entry(
        data, crc=info.CRC, compressed=info.compress_size, size=MAX_PACKAGE_BYTES + 1
    )
    assert check(data).problem == "accounts.txt inside the zip is larger than 100 MB uncompressed"


def test_a_local_header_naming_another_file_is_corrupt() -> None:
    data = make_zip(("accounts.txt", ACCOUNTS))
    data = data.replace(b"accounts.txt", b"accounts.TXT", 1)  # the local header comes first
    result = check(data)
    assert result.problem is not None
    assert result.problem.startswith("the zip archive is corrupt or truncated")


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
