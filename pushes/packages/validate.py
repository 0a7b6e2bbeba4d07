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
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from pushes.packages import rules, wording
from pushes.packages.archive import EntryStream, check_directory, pick_entry
from pushes.packages.repeats import Repeats
from pushes.packages.result import (
    MAX_REPORTED_DUPLICATES,
    DuplicateRow,
    ErrorSink,
    FileProblem,
    PackageError,
    RowError,
    ValidationResult,
)
from pushes.packages.scan import (
    AccountHasher,
    Checked,
    ChunkReader,
    Hasher,
    ScanStats,
    scan_text,
)

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
        account_hasher: AccountHasher | None = None,
        detect_header: bool = True,
    ) -> None:
        self.fileobj = fileobj
        self.filename = filename
        self.format = rules.file_format(filename)
        self.inner_format = ""
        self.subject = wording.THE_FILE
        self.errors = errors
        self.progress = progress
        self.want_accounts = want_accounts
        # Shared by two scans of one file, whose hashes are then compared.
        self.account_hasher = account_hasher or AccountHasher()
        self.detect_header = detect_header
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
            hasher=self.account_hasher,
            detect_header=self.detect_header,
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
    on_duplicate: Callable[[DuplicateRow], None] | None = None,
    max_duplicates: int = MAX_REPORTED_DUPLICATES,
    detect_header: bool = True,
) -> ValidationResult:
    """Check an account package against the TPNS rules in one streaming pass.

    ``fileobj`` is read from its current position; ``filename`` is the name the user gave it.
    ``progress(bytes_read, total_or_0)`` is called once per chunk read; ``on_error`` receives
    every rejected row, while the result keeps the first 100. ``on_duplicate`` receives the
    first ``max_duplicates`` duplicate rows of a package that has rejected rows, for the report
    of its bad rows: a second pass, after seeking back to the start (skipped for a stream that
    cannot seek). ``detect_header`` refuses a first row that looks like a column header. See
    the package docstring for the rules and every edge case.
    """
    errors = ErrorSink(on_error)
    hasher = hashlib.sha256()
    start = _position(fileobj) if on_duplicate is not None else None
    scan = _Scan(
        fileobj,
        filename,
        errors=errors,
        hasher=hasher,
        progress=progress,
        detect_header=detect_header,
    )
    counted = _count_distinct(scan, keep_repeats=on_duplicate is not None)
    if not scan.reader.over_limit:
        # A file rejected early still gets its hash and size; should it turn out to be over
        # the limit after all, the first problem stays the reason.
        with suppress(FileProblem):
            scan.reader.drain()
    stats = scan.stats
    problem = counted.problem or _empty_problem(scan)
    if problem is not None:
        errors.add_problem(RowError(0, problem))
    listed = 0
    if on_duplicate is not None and start is not None and problem is None and stats.invalid_rows:
        fileobj.seek(start)
        listed = _list_duplicates(scan, counted.repeated, on_duplicate, max_duplicates)
    return ValidationResult(
        valid=problem is None and stats.invalid_rows == 0 and counted.accounts > 0,
        format=scan.format,
        rows=stats.rows,
        accounts=counted.accounts,
        duplicates=counted.total - counted.accounts,
        invalid_rows=stats.invalid_rows,
        errors=errors.first,
        sha256="" if scan.reader.over_limit else hasher.hexdigest(),
        size=scan.size,
        problem=problem,
        inner_format=scan.inner_format,
        header_line=stats.header_line,
        duplicates_listed=listed,
    )


def _position(fileobj: BinaryIO) -> int | None:
    """Where a stream that can seek back stands now, or None."""
    try:
        return fileobj.tell() if fileobj.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _empty_problem(scan: _Scan) -> str | None:
    if scan.stats.empty:
        return wording.EMPTY % {"subject": scan.subject}
    if scan.stats.rows == 0:
        return wording.BLANK_ONLY % {"subject": scan.subject}
    return None


@dataclass
class _Counted:
    """What a first pass over a file found."""

    accounts: int  # distinct valid accounts
    total: int  # valid rows, duplicates included
    repeated: NDArray[np.int64]  # the hashes seen more than once, sorted (when asked for)
    problem: str | None  # what stopped the scan, if anything


def _count_distinct(scan: _Scan, *, keep_repeats: bool = False) -> _Counted:
    problem: str | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-sort") as pool:
        distinct = _DistinctCounter(pool, keep_repeats=keep_repeats)
        try:
            for found in scan.blocks():
                distinct.add(found.hashes)
        except FileProblem as exc:
            problem = exc.reason
        accounts = distinct.count()
    return _Counted(accounts, distinct.total, distinct.repeated, problem)


def _list_duplicates(
    first: _Scan,
    repeated: NDArray[np.int64],
    on_duplicate: Callable[[DuplicateRow], None],
    limit: int,
) -> int:
    """Hand the first ``limit`` duplicate rows to ``on_duplicate``, in line order, from a second
    pass over the file (rewound) with the first pass's hash key; how many were handed."""
    if not repeated.size or limit <= 0:
        return 0
    repeats = Repeats(repeated)
    second = _Scan(
        first.fileobj,
        first.filename,
        errors=ErrorSink(),
        want_accounts=True,
        account_hasher=first.account_hasher,
        detect_header=first.detect_header,
    )
    listed = 0
    for found in _blocks_or_raise(second):
        assert found.lines is not None
        duplicate, first_lines = repeats.mark(found.hashes, found.lines)
        for i in np.flatnonzero(duplicate)[: limit - listed].tolist():
            value = rules.display(found.accounts[i], printable=True)
            on_duplicate(DuplicateRow(int(found.lines[i]), int(first_lines[i]), value))
            listed += 1
        if listed >= limit:
            break
    return listed


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

    def __init__(self, pool: ThreadPoolExecutor, *, keep_repeats: bool = False) -> None:
        self._pool = pool
        self._keep_repeats = keep_repeats
        # With keep_repeats: every hash seen more than once, sorted, each once.
        self.repeated: NDArray[np.int64] = np.empty(0, np.int64)
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
        repeated = []
        for bucket in range(_BUCKETS):
            hashes = np.concatenate([buckets[bucket] for _, buckets in self._runs])
            for _, buckets in self._runs:
                buckets[bucket] = _MERGED  # let go of the bucket's runs as soon as merged
            hashes.sort(kind="stable")
            if hashes.size:
                differs = hashes[1:] != hashes[:-1]
                distinct += 1 + int(np.count_nonzero(differs))
                if self._keep_repeats:
                    repeated.append(_repeated_values(hashes, differs))
        self._runs.clear()
        if repeated:
            # Buckets are ascending value ranges, so the joined values stay sorted.
            self.repeated = np.concatenate(repeated)
        return distinct


def _repeated_values(hashes: NDArray[np.int64], differs: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The values occurring more than once in sorted ``hashes``, each once."""
    again = hashes[1:][~differs]
    if again.size < 2:
        return again
    return again[np.concatenate(([True], again[1:] != again[:-1]))]


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


def iter_accounts(fileobj: BinaryIO, filename: str, *, detect_header: bool = True) -> Iterator[str]:
    """The valid accounts of a validated package, in file order, each once.

    Two passes over the file (it must be seekable): the first collects the hashes and marks each
    account's first row, the second yields those rows. Invalid rows are skipped; a package
    rejected as a whole raises :class:`PackageError`.
    """
    start = fileobj.tell()
    first_pass = _Scan(fileobj, filename, errors=ErrorSink(), detect_header=detect_header)
    keep = _first_occurrences([found.hashes for found in _blocks_or_raise(first_pass)])
    fileobj.seek(start)
    second_pass = _Scan(
        fileobj, filename, errors=ErrorSink(), want_accounts=True, detect_header=detect_header
    )
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


@dataclass(frozen=True)
class ValidRows:
    """What :func:`write_valid_rows` wrote, and what it left out."""

    accounts: int  # rows written: every valid account once
    rows: int  # non-blank rows read
    invalid_rows: int  # a first row that looks like a header included
    duplicates: int
    header_line: int  # 0 when the first row was no header
    size: int  # bytes written

    @property
    def dropped(self) -> int:
        """Rows of the original that are not in the new file."""
        return self.rows - self.accounts


def write_valid_rows(
    fileobj: BinaryIO,
    filename: str,
    out: BinaryIO,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ValidRows:
    """Write the valid accounts of a package to ``out`` as a .txt package: each account once,
    in file order, one per line ending in LF, without invalid rows or a header row.

    Streamed: two passes over ``fileobj`` (it must be seekable), a block at a time. The first
    keeps 8 bytes per valid row to find the accounts that repeat; the second writes each row
    whose account is not repeated, and the first row of each that is (see ``repeats``).
    ``progress(done, total)`` covers both passes. A package refused as a whole raises
    :class:`PackageError`.
    """
    start = fileobj.tell()
    first = _Scan(fileobj, filename, errors=ErrorSink(), progress=_pass_progress(progress, 0))
    counted = _count_distinct(first, keep_repeats=True)
    if counted.problem is not None:
        raise PackageError(counted.problem)
    fileobj.seek(start)
    second = _Scan(
        fileobj,
        filename,
        errors=ErrorSink(),
        progress=_pass_progress(progress, 1),
        want_accounts=True,
        account_hasher=first.account_hasher,
    )
    repeats = Repeats(counted.repeated)
    written = size = 0
    for found in _blocks_or_raise(second):
        assert found.lines is not None
        duplicate, _ = repeats.mark(found.hashes, found.lines)
        kept = list(compress(found.accounts, np.logical_not(duplicate).tolist()))
        if kept:
            data = b"\n".join(kept) + b"\n"
            out.write(data)
            written += len(kept)
            size += len(data)
    stats = first.stats
    return ValidRows(
        accounts=written,
        rows=stats.rows,
        invalid_rows=stats.invalid_rows,
        duplicates=counted.total - counted.accounts,
        header_line=stats.header_line,
        size=size,
    )


def _pass_progress(
    progress: Callable[[int, int], None] | None, index: int
) -> Callable[[int, int], None] | None:
    """Progress of one of two passes, reported as part of both."""
    if progress is None:
        return None
    report = progress

    def one_pass(done: int, total: int) -> None:
        report(index * total + done, 2 * total)

    return one_pass
