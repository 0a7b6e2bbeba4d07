"""Validate an uploaded package in one streaming pass, and read back its accounts."""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, suppress
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from pushes.packages import rules, wording
from pushes.packages.archive import EntryStream, check_directory, pick_entry
from pushes.packages.result import ErrorSink, FileProblem, PackageError, RowError, ValidationResult
from pushes.packages.scan import Checked, ChunkReader, Hasher, ScanStats, scan_text

if TYPE_CHECKING:
    from numpy.typing import NDArray

TOO_LARGE = wording.TOO_LARGE
_SPOOL_BYTES = 16 * 1024 * 1024
# What zipfile and zlib raise on damaged archives; FileProblem passes through untouched.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error)


def _remaining_size(fileobj: BinaryIO) -> int | None:
    """Bytes from the current position to the end, when the stream can tell without reading."""
    try:
        if not fileobj.seekable():
            return None
        here = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end - here


class _Scan:
    """One pass over an uploaded package: the blocks of valid accounts, plus what was seen."""

    def __init__(
        self,
        fileobj: BinaryIO,
        filename: str,
        *,
        errors: ErrorSink,
        hasher: Hasher | None = None,
        progress: Callable[[int, int], None] | None = None,
        want_accounts: bool = False,
    ) -> None:
        self.fileobj = fileobj
        self.filename = filename
        self.format = rules.file_format(filename)
        self.inner_format = ""
        self.subject = wording.THE_FILE
        self.errors = errors
        self.progress = progress
        self.want_accounts = want_accounts
        self.stats = ScanStats()
        self.total = _remaining_size(fileobj)
        self.reader = ChunkReader(
            fileobj,
            too_large=TOO_LARGE,
            total=self.total or 0,
            hasher=hasher,
            progress=None if self.format == "zip" else progress,
        )
        if self.total is not None and self.total > rules.MAX_PACKAGE_BYTES:
            self.reader.over_limit = True  # known from the size alone: nothing will be read

    @property
    def size(self) -> int:
        return self.total if self.total is not None else self.reader.count

    def blocks(self) -> Iterator[Checked]:
        if problem := rules.validate_filename(self.filename):
            raise FileProblem(problem)
        if self.reader.over_limit:
            raise FileProblem(TOO_LARGE)
        if self.format == "zip":
            yield from self._zip_blocks()
            return
        self.inner_format = self.format
        yield from self._text_blocks(self.reader, inner=False)

    def _text_blocks(self, reader: ChunkReader, *, inner: bool) -> Iterator[Checked]:
        return scan_text(
            reader,
            fmt=self.inner_format,
            subject=self.subject,
            inner=inner,
            errors=self.errors,
            stats=self.stats,
            want_accounts=self.want_accounts,
        )

    def _zip_blocks(self) -> Iterator[Checked]:
        with ExitStack() as stack:
            source = self._rewound_zip(stack)
            if problem := rules.sniff_zip(self.reader.head):
                raise FileProblem(problem)
            try:
                check_directory(source)
                archive = stack.enter_context(zipfile.ZipFile(source))
                entry = pick_entry(archive)
                self.inner_format = rules.file_format(entry.filename)
                self.subject = wording.INSIDE_ZIP % {"name": rules.display(entry.filename)}
                too_large = wording.TOO_LARGE_INSIDE % {"subject": self.subject}
                if entry.file_size > rules.MAX_PACKAGE_BYTES:
                    raise FileProblem(too_large)  # declared: nothing needs inflating
                # Our own inflater reads the entry's whole compressed stream: the sizes in the
                # zip's headers may lie, and zipfile would stop where they say.
                inner = ChunkReader(
                    EntryStream(source, entry),  # type: ignore[arg-type]
                    too_large=too_large,
                    total=entry.file_size,
                    progress=self.progress,
                )
                yield from self._text_blocks(inner, inner=True)
            except NotImplementedError as exc:
                raise FileProblem(wording.ZIP_UNSUPPORTED) from exc
            except _ZIP_ERRORS as exc:
                raise FileProblem(wording.ZIP_CORRUPT % {"error": exc}) from exc

    def _rewound_zip(self, stack: ExitStack) -> BinaryIO:
        """Read the whole zip once (hash and size), then hand back a stream at its start.

        zipfile needs to seek; a stream that cannot is copied to a temporary file first.
        """
        if self.total is not None:
            start = self.fileobj.tell()
            self.reader.drain()
            self.fileobj.seek(start)
            return self.fileobj
        # The ExitStack closes it, which the linter cannot see.
        spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES))  # noqa: SIM115
        self.reader.drain(into=spool)  # type: ignore[arg-type]
        spool.seek(0)
        return spool  # type: ignore[return-value]


def validate_package(
    fileobj: BinaryIO,
    filename: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
) -> ValidationResult:
    """Check an account package against the TPNS rules in one streaming pass.

    ``fileobj`` is read from its current position; ``filename`` is the name the user gave it.
    ``progress(bytes_read, total_or_0)`` is called once per chunk read; ``on_error`` receives
    every rejected row, while the result keeps the first 100. See the package docstring for
    the rules and every edge case.
    """
    errors = ErrorSink(on_error)
    hasher = hashlib.sha256()
    scan = _Scan(fileobj, filename, errors=errors, hasher=hasher, progress=progress)
    problem: str | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-sort") as pool:
        distinct = _DistinctCounter(pool)
        try:
            for found in scan.blocks():
                distinct.add(found.hashes)
        except FileProblem as exc:
            problem = exc.reason
        accounts = distinct.count()
    if not scan.reader.over_limit:
        # A file rejected early still gets its hash and size; should it turn out to be over
        # the limit after all, the first problem stays the reason.
        with suppress(FileProblem):
            scan.reader.drain()
    stats = scan.stats
    if problem is None and stats.empty:
        problem = wording.EMPTY % {"subject": scan.subject}
    elif problem is None and stats.rows == 0:
        problem = wording.BLANK_ONLY % {"subject": scan.subject}
    if problem is not None:
        errors.add_problem(RowError(0, problem))
    return ValidationResult(
        valid=problem is None and stats.invalid_rows == 0 and accounts > 0,
        format=scan.format,
        rows=stats.rows,
        accounts=accounts,
        duplicates=distinct.total - accounts,
        invalid_rows=stats.invalid_rows,
        errors=errors.first,
        sha256="" if scan.reader.over_limit else hasher.hexdigest(),
        size=scan.size,
        problem=problem,
        inner_format=scan.inner_format,
    )


# Hashes are uniform over the int64 range, so fixed cut points split them into buckets of about
# equal size; equal hashes always share a bucket, so the distinct count is the sum over buckets.
_BUCKETS = 16
_CUTS = np.array([-(2**63) + i * (2**64 // _BUCKETS) for i in range(1, _BUCKETS)], dtype=np.int64)
_MERGED = np.empty(0, dtype=np.int64)  # stands in for a bucket already merged away


class _DistinctCounter:
    """Counts the distinct hashes of a scan, sorting them on a worker thread as blocks arrive.

    numpy sorts without holding the GIL, so on a second core the sorting overlaps the scan, and
    little is left to do once the last block is in. Each block is sorted and cut into
    ``_BUCKETS`` value ranges. Runs of sorted blocks are merged like a binary counter (a run of
    n blocks absorbs the next run of at most n blocks), so at most log2(blocks) runs are kept; a
    merge is a stable sort of two concatenated runs, which numpy's stable sort (a timsort for
    64-bit integers) does in one linear pass. Merging bucket by bucket keeps the extra memory of
    a merge to one bucket's worth instead of a copy of every hash.
    """

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self._pool = pool
        # (blocks, one sorted array per bucket), fewest blocks last; only the worker touches it.
        self._runs: list[tuple[int, list[NDArray[np.int64]]]] = []
        self._tasks: list[Future[None]] = []
        self.total = 0

    def add(self, hashes: NDArray[np.int64]) -> None:
        """Queue a block's hashes; the array is sorted in place, so the caller lets go of it."""
        if hashes.size:
            self.total += hashes.size
            self._tasks.append(self._pool.submit(self._merge_in, hashes))

    def count(self) -> int:
        """How many different hashes were added; waits for the worker."""
        counted = self._pool.submit(self._count)
        for task in self._tasks:
            task.result()  # re-raises what failed on the worker
        return counted.result()

    def _merge_in(self, hashes: NDArray[np.int64]) -> None:
        hashes.sort()
        blocks, buckets = 1, np.split(hashes, np.searchsorted(hashes, _CUTS))
        while self._runs and self._runs[-1][0] <= blocks:
            older_blocks, older = self._runs.pop()
            blocks += older_blocks
            buckets = _merge(older, buckets)
        self._runs.append((blocks, buckets))

    def _count(self) -> int:
        if not self._runs:
            return 0
        distinct = 0
        for bucket in range(_BUCKETS):
            hashes = np.concatenate([buckets[bucket] for _, buckets in self._runs])
            for _, buckets in self._runs:
                buckets[bucket] = _MERGED  # let go of the bucket's runs as soon as merged
            hashes.sort(kind="stable")
            if hashes.size:
                distinct += 1 + int(np.count_nonzero(hashes[1:] != hashes[:-1]))
        self._runs.clear()
        return distinct


def _merge(
    older: list[NDArray[np.int64]], newer: list[NDArray[np.int64]]
) -> list[NDArray[np.int64]]:
    """Merge two runs bucket by bucket, letting go of each input bucket once it is merged."""
    merged = []
    for bucket, (first, second) in enumerate(zip(older, newer, strict=True)):
        both = np.concatenate((first, second))
        older[bucket] = newer[bucket] = _MERGED
        both.sort(kind="stable")
        merged.append(both)
    return merged


def _first_occurrences(parts: list[NDArray[np.int64]]) -> NDArray[np.bool_]:
    """True at the first row of every distinct hash, in file order; empties ``parts``.

    Arrays are dropped as soon as they are used: for 5 million rows the peak is about three
    arrays of 40 MB.
    """
    hashes = np.concatenate(parts) if parts else np.empty(0, np.int64)
    parts.clear()
    order = np.argsort(hashes, kind="stable")  # equal hashes keep file order
    hashes.sort()
    first = np.empty(hashes.size, dtype=bool)
    first[:1] = True
    np.not_equal(hashes[1:], hashes[:-1], out=first[1:])
    del hashes
    keep = np.zeros(first.size, dtype=bool)
    keep[order[first]] = True
    return keep


def iter_accounts(fileobj: BinaryIO, filename: str) -> Iterator[str]:
    """The valid accounts of a validated package, in file order, each once.

    Two passes over the file (it must be seekable): the first collects the hashes and marks each
    account's first row, the second yields those rows. Invalid rows are skipped; a package
    rejected as a whole raises :class:`PackageError`.
    """
    start = fileobj.tell()
    first_pass = _Scan(fileobj, filename, errors=ErrorSink())
    keep = _first_occurrences([found.hashes for found in _blocks_or_raise(first_pass)])
    fileobj.seek(start)
    second_pass = _Scan(fileobj, filename, errors=ErrorSink(), want_accounts=True)
    offset = 0
    for found in _blocks_or_raise(second_pass):
        firsts = keep[offset : offset + len(found.accounts)].tolist()
        offset += len(found.accounts)
        for account, first in zip(found.accounts, firsts, strict=True):
            if first:
                yield account.decode("utf-8")


def _blocks_or_raise(scan: _Scan) -> Iterator[Checked]:
    try:
        yield from scan.blocks()
    except FileProblem as exc:
        raise PackageError(exc.reason) from exc
