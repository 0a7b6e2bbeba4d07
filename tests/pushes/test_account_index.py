"""The per-package account index (pushes/packages/index.py): built with the validator's own
reader in bounded memory, answering hits and misses in three small reads."""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest

from pushes.packages import PackageError, index


def build(data: bytes, name: str = "accounts.txt", **options: int) -> io.BytesIO:
    out = io.BytesIO()
    index.build_index(io.BytesIO(data), name, out, **options)  # type: ignore[arg-type]
    out.seek(0)
    return out


def holds(out: io.BytesIO, account: str) -> bool:
    return index.contains(index.file_reader(out), account)


def test_it_finds_every_account_and_nothing_else() -> None:
    accounts = [f"user-{n}" for n in range(5000)]
    out = build(("\n".join(accounts) + "\n").encode(), stride=64, run_hashes=700)
    assert all(holds(out, account) for account in accounts[::7])
    assert not any(holds(out, f"user-{n}") for n in range(5000, 5300))
    assert not holds(out, "") and not holds(out, "User-1")


def test_the_file_holds_each_account_once_sorted() -> None:
    data = b"bob\nalice\nbob\n  carol\t\n\nalice\n"
    out = build(data)
    magic, _key, count, stride, fence_offset = index.HEADER.unpack(out.read(index.HEADER.size))
    assert (magic, count, stride) == (index.MAGIC, 3, index.STRIDE)
    hashes = np.frombuffer(out.read(count * 8), dtype="<i8")
    assert list(hashes) == sorted(set(hashes.tolist()))
    assert fence_offset == index.HEADER.size + 3 * 8
    assert holds(out, "carol") and holds(out, " carol ")  # stripped as the validator strips


def test_csv_and_zip_packages_are_read_as_the_validator_reads_them() -> None:
    csv = build(b'"alice"\nbob\n"c,d"\n', "accounts.csv")
    assert holds(csv, "alice") and holds(csv, "c,d") and not holds(csv, '"alice"')
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("accounts.txt", "张三\nlee\n")
    zipped = build(packed.getvalue(), "accounts.zip")
    assert holds(zipped, "张三") and holds(zipped, "lee") and not holds(zipped, "accounts.txt")


def test_the_same_accounts_get_a_new_key_each_build_and_both_answer() -> None:
    data = b"alice\nbob\n"
    first, second = build(data), build(data)
    assert first.getvalue()[8:24] != second.getvalue()[8:24]  # a random key per index
    assert holds(first, "bob") and holds(second, "bob")


def test_a_lookup_reads_three_small_pieces() -> None:
    out = build(("\n".join(f"a{n}" for n in range(20_000)) + "\n").encode(), stride=256)
    reads: list[int] = []
    read = index.file_reader(out)

    def counted(offset: int, size: int) -> bytes:
        reads.append(size)
        return read(offset, size)

    assert index.contains(counted, "a12345")
    assert len(reads) == 3 and max(reads) <= 256 * 8


def test_a_package_refused_as_a_whole_is_not_indexed() -> None:
    with pytest.raises(PackageError):
        build(b"PK\x03\x04 not really a zip", "accounts.zip")


def test_a_damaged_or_foreign_file_is_refused() -> None:
    good = build(b"alice\nbob\n").getvalue()
    with pytest.raises(index.BadIndex):
        holds(io.BytesIO(b"not an index at all, but long enough for a header......"), "bob")
    with pytest.raises(index.BadIndex):
        holds(io.BytesIO(good[:-8]), "bob")  # truncated


def _package(accounts: int) -> bytes:
    # Fixed-width accounts, written with numpy: millions of rows in a fraction of a second.
    digits = np.char.zfill(np.arange(accounts).astype("U9"), 9)
    return ("\n".join(np.char.add("acct-", digits).tolist()) + "\n").encode()


def _peak_while_building(data: bytes, run_hashes: int) -> int:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            index.build_index(io.BytesIO(data), "a.txt", out, run_hashes=run_hashes)  # type: ignore[arg-type]
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_building_takes_bounded_memory_whatever_the_package_size() -> None:
    small, large = _package(300_000), _package(1_200_000)
    peak_small = _peak_while_building(small, run_hashes=100_000)
    peak_large = _peak_while_building(large, run_hashes=100_000)
    # Four times the accounts, about the same peak: one run and one range, never them all.
    assert peak_large < peak_small * 1.5
    assert peak_large < 64 * 1024 * 1024  # the scanner's block of accounts, mostly
    out = build(large, run_hashes=100_000)
    assert holds(out, "acct-000000000") and holds(out, "acct-001199999")
    assert not holds(out, "acct-001200000")
