"""A compact index of a package's accounts: is this account in it, in three small reads.

The index is a file of the package's distinct accounts as sorted 64-bit hashes (keyed
SipHash-1-3 of the account's UTF-8 bytes, the same function the validator uses), written once
when a package becomes valid and kept next to it in storage. Looking an account up never reads
the package: it reads the header, a sparse table of every ``STRIDE``-th hash (the fence), and
the one block of ``STRIDE`` hashes where the account's hash would be, then bisects that block.
Three reads of at most 64 KiB each, whatever the package's size, so the lookup is as fast on
S3 (each read a ranged GET) as on a local disk: for 5 million accounts the file is 40 MB and a
lookup reads about 42 KB. Bisecting the whole file 8 bytes at a time would take 23 reads.

Layout (little-endian)::

    header  magic "PDACIX01", key (16 bytes), count, stride, fence offset (uint64 each)
    hashes  count signed 64-bit hashes, ascending, each once
    fence   hashes[0], hashes[stride], hashes[2 * stride], ...

The key is drawn at random for each index and stored in its header, so the hashes are stable
for the life of the file (a lookup hashes the account with the file's own key) while
colliding accounts cannot be crafted in advance. Two different accounts share a hash with a
chance of about n / 2**64 per lookup (3 * 10**-13 for 5 million): a hit is, for every
practical purpose, the account.

Building reads the package once with the validator's own scanner and never holds all the
hashes: they are sorted in runs of ``run_hashes`` and spilled to a temporary file, each run
cut at 256 fixed value ranges; the output is then written range by range, merging that range
of every run (uniform hashes make each range about 1/256 of the total). Memory stays at one
run plus one range (about 10 MB with the default run) on top of the scanner's block of accounts,
whatever the package's size.
"""

from __future__ import annotations

import os
import struct
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from pushes.packages.result import ErrorSink
from pushes.packages.siphash import SipHash13
from pushes.packages.validate import _blocks_or_raise, _Scan

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    ReadAt = Callable[[int, int], bytes]

MAGIC = b"PDACIX01"
HEADER = struct.Struct("<8s16sQQQ")
STRIDE = 4096
RUN_HASHES = 1 << 20  # 8 MiB of hashes sorted at a time
_RANGES = 256
# Cut points of the value ranges: the top 8 bits of a signed hash, in ascending order.
_CUTS = np.array([(i - 128) << 56 for i in range(1, _RANGES)], dtype=np.int64)
_DTYPE = np.dtype("<i8")


class BadIndex(Exception):
    """The file is not an index of this format (damaged, or written by another version)."""


@dataclass(frozen=True)
class IndexInfo:
    count: int  # distinct accounts
    size: int  # bytes of the index file


def account_bytes(account: str) -> bytes:
    """An account as the validator keeps it: ASCII spaces and tabs around it stripped."""
    return account.strip(" \t").encode("utf-8")


# ---------------------------------------------------------------- building


def build_index(
    fileobj: BinaryIO,
    filename: str,
    out: BinaryIO,
    *,
    key: bytes | None = None,
    run_hashes: int = RUN_HASHES,
    stride: int = STRIDE,
) -> IndexInfo:
    """Write the index of a valid package's accounts to ``out`` (which must seek).

    ``fileobj`` is read from its current position with the validator's scanner; invalid rows
    are skipped and a package refused as a whole raises ``PackageError``.
    """
    key = os.urandom(16) if key is None else key
    hasher = SipHash13(key)
    start = out.tell()
    out.write(bytes(HEADER.size))
    with tempfile.TemporaryFile() as spill:
        runs = _Runs(spill, run_hashes)
        scan = _Scan(fileobj, filename, errors=ErrorSink(), want_accounts=True)
        for found in _blocks_or_raise(scan):
            if found.accounts:
                runs.add(hasher.hash_values(found.accounts))
        runs.finish()
        count, fence = _write_ranges(runs, out, stride)
    fence_offset = out.tell() - start
    out.write(np.asarray(fence, dtype=_DTYPE).tobytes())
    end = out.tell()
    out.seek(start)
    out.write(HEADER.pack(MAGIC, key, count, stride, fence_offset))
    out.seek(end)
    return IndexInfo(count=count, size=end - start)


class _Runs:
    """Hashes sorted in runs of at most ``size``, spilled to a file, each cut into ranges."""

    def __init__(self, spill: BinaryIO, size: int) -> None:
        self.spill = spill
        self.size = max(1, size)
        self.pending: list[NDArray[np.int64]] = []
        self.pending_count = 0
        # Per run: where it starts in the spill file, and its range boundaries.
        self.starts: list[int] = []
        self.bounds: list[NDArray[np.intp]] = []

    def add(self, hashes: NDArray[np.int64]) -> None:
        while hashes.size:
            room = self.size - self.pending_count
            self.pending.append(hashes[:room])
            self.pending_count += min(room, hashes.size)
            hashes = hashes[room:]
            if self.pending_count >= self.size:
                self._spill()

    def finish(self) -> None:
        if self.pending_count:
            self._spill()

    def _spill(self) -> None:
        run = np.concatenate(self.pending)
        self.pending, self.pending_count = [], 0
        run = _sorted_once(run)
        self.starts.append(self.spill.tell())
        bounds = np.concatenate(([0], np.searchsorted(run, _CUTS), [run.size]))
        self.bounds.append(bounds.astype(np.intp))
        self.spill.write(run.astype(_DTYPE, copy=False).tobytes())

    def value_range(self, number: int) -> NDArray[np.int64]:
        """Every run's hashes of one value range, merged, each once."""
        parts = []
        for start, bounds in zip(self.starts, self.bounds, strict=True):
            first, last = int(bounds[number]), int(bounds[number + 1])
            if last > first:
                self.spill.seek(start + first * 8)
                data = self.spill.read((last - first) * 8)
                parts.append(np.frombuffer(data, dtype=_DTYPE).astype(np.int64))
        if not parts:
            return np.empty(0, dtype=np.int64)
        return _sorted_once(np.concatenate(parts))


def _sorted_once(hashes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sorted, each value once (numpy's unique() hashes instead, several times slower here)."""
    hashes.sort()
    if hashes.size < 2:
        return hashes
    keep = np.empty(hashes.size, dtype=bool)
    keep[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
    return hashes[keep]


def _write_ranges(runs: _Runs, out: BinaryIO, stride: int) -> tuple[int, list[int]]:
    """Write the merged hashes range by range; the count and the fence."""
    written = 0
    fence: list[int] = []
    for number in range(_RANGES):
        hashes = runs.value_range(number)
        if not hashes.size:
            continue
        first = (-written) % stride  # the first position of this range that starts a block
        fence.extend(hashes[first::stride].tolist())
        out.write(hashes.astype(_DTYPE, copy=False).tobytes())
        written += hashes.size
    return written, fence


# ---------------------------------------------------------------- looking up


@dataclass(frozen=True)
class _Header:
    key: bytes
    count: int
    stride: int
    fence_offset: int


def _header(read_at: ReadAt) -> _Header:
    data = read_at(0, HEADER.size)
    if len(data) != HEADER.size:
        raise BadIndex("the index file is too short")
    magic, key, count, stride, fence_offset = HEADER.unpack(data)
    if magic != MAGIC or stride < 1 or fence_offset != HEADER.size + count * 8:
        raise BadIndex("not an account index of this version")
    return _Header(key=key, count=count, stride=stride, fence_offset=fence_offset)


def contains(read_at: ReadAt, account: str) -> bool:
    """Whether the index holds the account; ``read_at(offset, size)`` reads the file's bytes."""
    header = _header(read_at)
    if header.count == 0:
        return False
    wanted = SipHash13(header.key).hash_values([account_bytes(account)])[0]
    blocks = -(-header.count // header.stride)
    fence = _read_hashes(read_at, header.fence_offset, blocks)
    block = int(np.searchsorted(fence, wanted, side="right")) - 1
    if block < 0:
        return False  # below the smallest hash
    first = block * header.stride
    size = min(header.stride, header.count - first)
    hashes = _read_hashes(read_at, HEADER.size + first * 8, size)
    at = int(np.searchsorted(hashes, wanted))
    return at < hashes.size and bool(hashes[at] == wanted)


def _read_hashes(read_at: ReadAt, offset: int, count: int) -> NDArray[np.int64]:
    data = read_at(offset, count * 8)
    if len(data) != count * 8:
        raise BadIndex("the index file is truncated")
    return np.frombuffer(data, dtype=_DTYPE)


def file_reader(fileobj: BinaryIO) -> ReadAt:
    """``read_at`` over a seekable file."""

    def read_at(offset: int, size: int) -> bytes:
        fileobj.seek(offset)
        return fileobj.read(size)

    return read_at
