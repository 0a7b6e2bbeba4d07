"""Streaming scan of a .txt or .csv account package.

Bytes are read in chunks, cut into blocks of whole lines and checked a block at a time. The
common case is decided with vectorised numpy tests over the block's bytes (line lengths, control
bytes, leading or trailing spaces, commas); only the lines those tests flag are checked one by one
by :func:`rules.check_account`. Every valid account becomes a 64-bit hash (keyed SipHash-1-3 of
its UTF-8 bytes, see :class:`AccountHasher`); the caller counts distinct accounts from those
hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import compress
from typing import TYPE_CHECKING, BinaryIO, Protocol

import numpy as np

from pushes.packages import rules, wording
from pushes.packages.result import ErrorSink, FileProblem, RowError
from pushes.packages.siphash import SipHash13

if TYPE_CHECKING:
    from numpy.typing import NDArray

CHUNK_BYTES = 2 * 1024 * 1024  # measured: larger chunks only raise the peak memory
# A line still unfinished after this many bytes is no longer buffered: it can only be rejected,
# so the scanner just measures it until its end.
LINE_CAP_BYTES = 64 * 1024
_HEAD_BYTES = 512  # what is kept of an over-long line or record for the error report
_SNIFF_BYTES = 4096

_LF, _SPACE, _QUOTE, _COMMA, _DEL = 10, 32, 34, 44, 127


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


class ChunkReader:
    """Reads a stream in chunks, enforcing the size limit while reading, never after.

    At most ``limit + 1`` bytes are read; one byte past the limit raises :class:`FileProblem`.
    Every chunk is fed to ``hasher`` and reported to ``progress``.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        too_large: str,
        total: int = 0,
        limit: int = rules.MAX_PACKAGE_BYTES,
        hasher: Hasher | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.stream = stream
        self.too_large = too_large
        self.total = total
        self.limit = limit
        self.hasher = hasher
        self.progress = progress
        self.count = 0
        self.over_limit = False
        self.head = b""  # the first bytes of the stream, for sniffing
        self._eof = False

    def read(self) -> bytes:
        if self._eof:
            return b""
        data = self.stream.read(min(CHUNK_BYTES, self.limit + 1 - self.count))
        if not data:
            self._eof = True
            return b""
        self.count += len(data)
        if self.count > self.limit:
            self.over_limit = self._eof = True
            raise FileProblem(self.too_large)
        if len(self.head) < _SNIFF_BYTES:
            self.head += data[: _SNIFF_BYTES - len(self.head)]
        if self.hasher is not None:
            self.hasher.update(data)
        if self.progress is not None:
            self.progress(self.count, self.total)
        return data

    def drain(self, into: BinaryIO | None = None) -> None:
        """Read the rest (up to the limit), so the hash and size cover the whole file."""
        while data := self.read():
            if into is not None:
                into.write(data)


@dataclass
class Lines:
    """Whole lines, each ending in LF (CR and CRLF already turned into LF)."""

    data: bytes
    first_line: int


@dataclass
class LongLine:
    """A line longer than LINE_CAP_BYTES, measured but not kept."""

    line: int
    size: int
    head: bytes
    quotes: int  # its '"' bytes, so the CSV reader can follow its quote state


def split_lines(chunks: Iterator[bytes]) -> Iterator[Lines | LongLine]:
    """Cut chunks into blocks of whole lines; LF, CRLF and a lone CR each end a line."""
    line = 1
    carry = b""
    after_cr = False  # the last chunk ended in CR: an LF starting the next one completes a CRLF
    long: LongLine | None = None
    for chunk in chunks:
        if after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        after_cr = chunk.endswith(b"\r")
        if long is not None:
            rest = _extend_long_line(long, chunk)
            if rest < 0:
                continue
            yield long
            line += 1
            long = None
            chunk = chunk[rest:]
        data = carry + chunk if carry else chunk
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = data.rfind(b"\n") + 1
        if cut:
            block = data[:cut]
            yield Lines(block, line)
            line += block.count(b"\n")
        carry = data[cut:]
        if len(carry) > LINE_CAP_BYTES:
            long = LongLine(line, len(carry), carry[:_HEAD_BYTES], carry.count(b'"'))
            carry = b""
    if long is not None:
        yield long
    elif carry:
        yield Lines(carry + b"\n", line)


def _extend_long_line(long: LongLine, chunk: bytes) -> int:
    """Measure the part of an over-long line in ``chunk``; where the next line starts in it, or
    -1 when the line goes on past the chunk."""
    end = _first_line_end(chunk)
    if end < 0:
        long.size += len(chunk)
        long.quotes += chunk.count(b'"')
        return -1
    long.size += end
    long.quotes += chunk.count(b'"', 0, end)
    return end + 2 if chunk[end : end + 2] == b"\r\n" else end + 1


def _first_line_end(chunk: bytes) -> int:
    ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
    return min(ends) if ends else -1


@dataclass
class Checked:
    """The valid accounts of one block, in file order (duplicates included), and its errors."""

    hashes: NDArray[np.int64]
    accounts: list[bytes]  # empty unless asked for
    rows: int  # non-blank rows, valid or not
    invalid: int
    errors: list[RowError]  # in line order; only the first ``budget`` when one was given
    lines: NDArray[np.int64] | None = None  # the line of each of ``accounts``, when asked for

    @classmethod
    def of_errors(cls, errors: list[RowError]) -> Checked:
        empty = np.empty(0, np.int64)
        return cls(empty, [], len(errors), len(errors), errors, empty)


def check_block(
    data: bytes,
    at: int | list[int],
    *,
    csv: bool,
    hasher: AccountHasher,
    want_accounts: bool = False,
    budget: int | None = None,
) -> Checked:
    """Check every line of ``data`` (whole LF-terminated lines) as one account each.

    ``at`` is the line number of the first line, or the line number of every line. With ``csv``
    a comma means a second column. ``budget`` caps how many errors are built: a file of millions
    of bad rows is counted in bulk when nobody wants every error. The valid accounts are hashed
    with ``hasher``; ``want_accounts`` also returns them, with their line numbers.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _line_bounds(raw)
    verdicts = _judge_lines(data, raw, starts, ends, csv=csv)
    keep = ~(verdicts.blank | verdicts.slow | verdicts.refused)
    lines = _BlockLines(data, starts, ends)
    exact = _check_slow_lines(lines, verdicts.slow)
    hashes = _hash_valid(hasher, lines, keep, exact)
    bad = np.flatnonzero(verdicts.refused)
    invalid = bad.size + len(exact.reasons)
    errors: list[RowError] = []
    if budget is None or budget > 0:
        errors = _row_errors(lines, at, verdicts, bad, exact.reasons, budget)
    accounts: list[bytes] = []
    numbers = None
    if want_accounts:
        accounts = _accounts_in_order(lines, keep, exact)
        numbers = _line_numbers(at, keep)
    rows = ends.size - int(np.count_nonzero(verdicts.blank)) - exact.blank
    return Checked(hashes, accounts, rows, invalid, errors, numbers)


def _line_numbers(at: int | list[int], keep: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The line numbers of the lines ``keep`` marks."""
    kept = np.flatnonzero(keep)
    if isinstance(at, int):
        return kept.astype(np.int64) + at
    return np.asarray(at, dtype=np.int64)[kept]


def _line_bounds(raw: NDArray[np.uint8]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Where each line of a block of whole LF-terminated lines starts, and where its LF is."""
    ends = np.flatnonzero(raw == _LF)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    return starts, ends


@dataclass
class _Verdicts:
    """What the vectorised tests tell about each line of a block."""

    size: NDArray[np.intp]  # bytes, without the LF
    chars: NDArray[np.intp]
    blank: NDArray[np.bool_]
    slow: NDArray[np.bool_]  # for the exact check, though it may still be valid
    refused: NDArray[np.bool_]  # invalid without a closer look
    columns: NDArray[np.int32] | None  # only for a CSV block with a comma


def _judge_lines(
    data: bytes,
    raw: NDArray[np.uint8],
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
    *,
    csv: bool,
) -> _Verdicts:
    """Sort the lines of a block into blank, plainly valid, plainly refused and unsure."""
    size = ends - starts
    blank = size == 0
    # An empty line, or one starting after a LF, looks at that LF here, never at a space.
    slow = (raw[starts] == _SPACE) | (raw[ends - 1] == _SPACE)

    if data.isascii():
        chars = size
    else:
        # Characters are bytes minus UTF-8 continuation bytes (0x80-0xBF, below -64 as int8).
        chars = size - _per_line(raw.view(np.int8) < -64, starts)
        if not _clean_utf8(data):
            slow |= _per_line(raw >= 0x80, starts) > 0

    # TAB counts too: it is stripped at either end of an account and refused inside it.
    low = raw < _SPACE
    if np.count_nonzero(low) != ends.size or b"\x7f" in data:
        slow[np.searchsorted(ends, np.flatnonzero((low & (raw != _LF)) | (raw == _DEL)))] = True

    # Refused without a closer look: a second column, or a bad length on an otherwise plain line.
    # A line past LINE_CAP_BYTES is refused for its size alone, as when it spans chunks, so the
    # result never depends on where a chunk ended.
    huge = size > LINE_CAP_BYTES
    slow &= ~huge
    refused = (chars < rules.MIN_ACCOUNT_CHARS) | (chars > rules.MAX_ACCOUNT_CHARS)
    refused &= ~slow
    columns = None
    if csv and b"," in data:
        columns = _per_line(raw == _COMMA, starts) + 1
        refused |= (columns > 1) & ~huge
        slow &= columns == 1
    refused &= ~blank
    slow &= ~blank
    return _Verdicts(size, chars, blank, slow, refused, columns)


@dataclass
class _Exact:
    """The outcome of :func:`rules.check_account` for the unsure lines of a block."""

    reasons: dict[int, str]  # why each refused line is refused, by index in the block
    accounts: list[bytes]  # the valid ones, stripped
    at: list[int]  # and their indexes
    blank: int  # lines of only spaces and tabs


def _check_slow_lines(lines: _BlockLines, slow: NDArray[np.bool_]) -> _Exact:
    reasons: dict[int, str] = {}
    stripped: list[bytes] = []
    stripped_at: list[int] = []
    blank = 0
    marked = np.flatnonzero(slow)
    for i, text in zip(marked.tolist(), lines.pick(marked), strict=True):
        account, reason = rules.check_account(text)
        if reason is not None:
            reasons[i] = reason
        elif account is None:
            blank += 1
        else:
            stripped.append(account)
            stripped_at.append(i)
    return _Exact(reasons, stripped, stripped_at, blank)


def _hash_valid(
    hasher: AccountHasher, lines: _BlockLines, keep: NDArray[np.bool_], exact: _Exact
) -> NDArray[np.int64]:
    """The hashes of the valid lines in block order; adds the stripped ones to ``keep``.

    The common lines are hashed straight from the block, the stripped ones on their own.
    """
    hashes = hasher.lines(lines, keep)
    if exact.accounts:
        fast = keep.copy()
        keep[exact.at] = True
        merged = np.empty(keep.size, dtype=np.int64)
        merged[fast] = hashes
        merged[exact.at] = hasher.values(exact.accounts)
        hashes = merged[keep]
    return hashes


def _row_errors(
    lines: _BlockLines,
    at: int | list[int],
    verdicts: _Verdicts,
    bad: NDArray[np.intp],
    reasons: dict[int, str],
    budget: int | None,
) -> list[RowError]:
    """The errors of the refused lines, in line order, at most ``budget`` of them."""
    errors: list[RowError] = []
    if reasons:
        bad = np.union1d(bad, np.fromiter(reasons, dtype=np.int64, count=len(reasons)))
    bad = bad[:budget]
    columns = verdicts.columns
    width = columns[bad].tolist() if columns is not None else [1] * bad.size
    texts = lines.pick(bad)
    rows_of = zip(
        bad.tolist(),
        texts,
        verdicts.size[bad].tolist(),
        verdicts.chars[bad].tolist(),
        width,
        strict=True,
    )
    for i, text, size_i, chars_i, columns_i in rows_of:
        number = at + i if isinstance(at, int) else at[i]
        if size_i > LINE_CAP_BYTES:
            reason = rules.too_long_message(size_i)
            errors.append(RowError(number, reason, rules.display(text)))
        elif i in reasons:
            errors.append(RowError(number, reasons[i], rules.display(text)))
        elif columns_i > 1:
            reason = rules.columns_message(columns_i)
            errors.append(RowError(number, reason, rules.display(text)))
        else:
            reason = rules.length_message(chars_i)
            errors.append(RowError(number, reason, rules.display(text, printable=True)))
    return errors


def _accounts_in_order(lines: _BlockLines, keep: NDArray[np.bool_], exact: _Exact) -> list[bytes]:
    """The valid accounts of a block, stripped ones included, in block order."""
    every = lines.every()
    for i, account in zip(exact.at, exact.accounts, strict=True):
        every[i] = account
    return list(compress(every, keep.tolist()))


# Up to this mean size in bytes, accounts are hashed faster by SipHash13 over the whole block than
# by hash() line by line (measured: the two break even between 24 and 28 bytes).
_VECTORISED_MAX_MEAN = 24


class AccountHasher:
    """Hashes the valid accounts of one scan to 64 bits: SipHash-1-3 of their UTF-8 bytes.

    Two ways of computing it, each the faster for some files: :class:`SipHash13` over a whole
    block (no object per line, and numpy lets another thread run meanwhile) for short accounts,
    Python's own ``hash()`` line by line (the same SipHash-1-3 in C, cheaper per byte) for longer
    ones. The first accounts decide, and the choice holds for the whole scan: the two use
    different keys, so their hashes must never be mixed.
    """

    def __init__(self) -> None:
        self._vectorised: SipHash13 | None = None
        self._decided = False

    def lines(self, lines: _BlockLines, keep: NDArray[np.bool_]) -> NDArray[np.int64]:
        """The hashes of the lines of a block that ``keep`` marks, in order."""
        if not self._decided and keep.any():
            self._decide(float((lines.ends - lines.starts)[keep].mean()))
        if self._vectorised is not None:
            starts = lines.starts[keep]
            return self._vectorised.hash_slices(lines.data, starts, lines.ends[keep] - starts)
        every = lines.every()
        return np.fromiter(map(hash, every), dtype=np.int64, count=len(every))[keep]

    def values(self, values: list[bytes]) -> NDArray[np.int64]:
        """The hashes of some accounts."""
        if not self._decided and values:
            self._decide(sum(map(len, values)) / len(values))
        if self._vectorised is not None:
            return self._vectorised.hash_values(values)
        return np.fromiter(map(hash, values), dtype=np.int64, count=len(values))

    def _decide(self, mean_size: float) -> None:
        if not self._decided:
            self._decided = True
            if mean_size <= _VECTORISED_MAX_MEAN:
                self._vectorised = SipHash13()


class _BlockLines:
    """The bytes of chosen lines of a block: a slice per line when few are wanted, otherwise
    taken from one split of the whole block, which is cheaper per line than slicing."""

    def __init__(self, data: bytes, starts: NDArray[np.intp], ends: NDArray[np.intp]) -> None:
        self.data = data
        self.starts = starts
        self.ends = ends
        self._split: list[bytes] | None = None

    def pick(self, rows: NDArray[np.intp]) -> list[bytes]:
        if self._split is None and rows.size * 3 < self.ends.size:
            spans = zip(self.starts[rows].tolist(), self.ends[rows].tolist(), strict=True)
            return [self.data[start:end] for start, end in spans]
        every = self.every()
        return [every[i] for i in rows.tolist()]

    def every(self) -> list[bytes]:
        """Every line, without its LF; the list is shared, not copied."""
        if self._split is None:
            self._split = self.data.split(b"\n")
            self._split.pop()
        return self._split


def _per_line(marked: NDArray[np.bool_], starts: NDArray[np.intp]) -> NDArray[np.int32]:
    """How many bytes of each line the mask marks (each line's LF included; no mask marks LF)."""
    return np.add.reduceat(marked.view(np.uint8), starts, dtype=np.int32)


def _clean_utf8(data: bytes) -> bool:
    """Valid UTF-8 without a single control or invisible character."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return rules.unsafe_nonascii_utf8().search(data) is None


# A whole line that is one quoted field: "abc" or "a""b", maybe with spaces around.
_QUOTED_LINE = re.compile(rb'[ \t]*"((?:[^"]|"")*)"[ \t]*')


class _Record:
    """A CSV record that has quotes, parsed by RFC 4180 across as many lines as it spans."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.raw = bytearray()  # the start of the record's text, for the error report
        self.field = bytearray()  # the first field's value
        self.field_size = 0
        self.columns = 1
        self.in_quotes = False
        self.at_field_start = True
        self.after_quote = False
        self.line_break = False
        self.error: str | None = None

    def feed(self, line: bytes) -> bool:
        """Parse one more physical line; True when the record ends with it."""
        if len(self.raw) < _HEAD_BYTES:
            self.raw += (b"\n" if self.raw else b"") + line[:_HEAD_BYTES]
        pos, end = 0, len(line)
        while True:
            if self.in_quotes:
                quote = line.find(b'"', pos)
                if quote < 0:
                    self._add(line[pos:] + b"\n")
                    self.line_break = True
                    return False
                if line[quote + 1 : quote + 2] == b'"':  # "" is an escaped quote
                    self._add(line[pos : quote + 1])
                    pos = quote + 2
                    continue
                self._add(line[pos:quote])
                self.in_quotes, self.after_quote, pos = False, True, quote + 1
                continue
            if self.at_field_start:
                self.at_field_start = False
                start = len(line) - len(line[pos:].lstrip(b" \t"))
                if line[start : start + 1] == b'"':
                    self.in_quotes, pos = True, start + 1
                    continue
            comma = line.find(b",", pos)
            self._add_unquoted(line[pos : end if comma < 0 else comma])
            if comma < 0:
                return True
            self.columns += 1
            self.at_field_start, self.after_quote, pos = True, False, comma + 1

    def _add_unquoted(self, text: bytes) -> None:
        """Take the unquoted rest of a field: all of a plain one, what follows a closing quote."""
        if self.after_quote:
            if text.strip(b" \t") and self.error is None:
                self.error = wording.TEXT_AFTER_QUOTE
        elif b'"' in text and self.error is None:
            self.error = wording.QUOTE_INSIDE
        else:
            self._add(text)

    def skip(self, long: LongLine) -> bool:
        """Account for an over-long line inside this record; True when the record ends there.

        Its content is not kept, so the quote state follows the parity of its quotes.
        """
        self.field_size += long.size
        if len(self.raw) < _HEAD_BYTES:
            self.raw += b"\n" + long.head
        if long.quotes % 2:
            self.in_quotes = not self.in_quotes
        return not self.in_quotes

    def _add(self, text: bytes) -> None:
        if self.columns > 1:
            return
        self.field_size += len(text)
        if self.field_size <= LINE_CAP_BYTES:
            self.field += text

    def result(self) -> tuple[bytes | None, str | None]:
        """``(value, None)`` for a single field, ``(None, reason)`` otherwise."""
        if self.in_quotes:
            return None, wording.QUOTE_NOT_CLOSED
        if self.error is not None:
            return None, self.error
        if self.columns > 1:
            return None, rules.columns_message(self.columns)
        if self.line_break:
            return None, wording.LINE_BREAK
        if self.field_size > LINE_CAP_BYTES:
            return None, rules.too_long_message(self.field_size, "field")
        return bytes(self.field), None


def _drop_outer_quotes(data: bytes) -> bytes | None:
    """The block without quotes when each quote opens or closes a whole line (``"abc"``).

    That is how many tools export every field, so it gets a vectorised path. None when any
    line quotes differently or the block has a comma, which the record parser must place.
    """
    if b"," in data:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _line_bounds(raw)
    quote = raw == _QUOTE
    quotes = _per_line(quote, starts)
    wrapped = (quotes == 2) & quote[starts] & quote[ends - 1] & (ends - starts >= 2)
    if np.any((quotes > 0) & ~wrapped):
        return None
    return data.translate(None, b'"')


class CsvRecords:
    """Turns blocks of lines into single-field values, following quotes across blocks."""

    def __init__(self) -> None:
        self.pending: _Record | None = None

    def simple(self, lines: Lines) -> bool:
        """True when the block can be checked as plain lines: no quote is open or appears."""
        return self.pending is None and b'"' not in lines.data

    def feed(self, lines: Lines) -> tuple[list[bytes], list[int], list[RowError]]:
        values: list[bytes] = []
        where: list[int] = []
        errors: list[RowError] = []
        rows = lines.data.split(b"\n")
        rows.pop()
        for number, line in enumerate(rows, lines.first_line):
            record = self.pending
            if record is None:
                if b'"' not in line:
                    if b"," in line:
                        reason = rules.columns_message(line.count(b",") + 1)
                        errors.append(RowError(number, reason, rules.display(line)))
                    else:
                        values.append(line)
                        where.append(number)
                    continue
                quoted = _QUOTED_LINE.fullmatch(line)
                if quoted:
                    values.append(quoted[1].replace(b'""', b'"'))
                    where.append(number)
                    continue
                record = _Record(number)
            if record.feed(line):
                self._finish(record, values, where, errors)
            else:
                self.pending = record
        return values, where, errors

    def skip(self, long: LongLine) -> RowError | None:
        record = self.pending
        if record is None:
            if long.quotes % 2 == 0:
                reason = rules.too_long_message(long.size)
                return RowError(long.line, reason, rules.display(long.head))
            record = _Record(long.line)
            record.raw += long.head
            record.field_size = long.size
            record.in_quotes = True
            self.pending = record
            return None
        if not record.skip(long):
            return None
        self.pending = None
        return self._error(record, *record.result())

    def close(self) -> RowError | None:
        """The error of a record still open at the end of the file."""
        record, self.pending = self.pending, None
        return None if record is None else self._error(record, *record.result())

    def _finish(
        self, record: _Record, values: list[bytes], where: list[int], errors: list[RowError]
    ) -> None:
        self.pending = None
        value, reason = record.result()
        if value is not None:
            values.append(value)
            where.append(record.line)
        elif reason is not None:
            errors.append(RowError(record.line, reason, rules.display(bytes(record.raw))))

    @staticmethod
    def _error(record: _Record, value: bytes | None, reason: str | None) -> RowError:
        if reason is None:  # an over-long line closed the quote: the field is surely too long
            reason = rules.too_long_message(record.field_size, "field")
        return RowError(record.line, reason, rules.display(bytes(record.raw)))


@dataclass
class ScanStats:
    rows: int = 0
    invalid_rows: int = 0
    empty: bool = True  # no byte besides a UTF-8 BOM
    header_line: int = 0  # the first row, refused because it looks like a column header


def scan_text(
    reader: ChunkReader,
    *,
    fmt: str,
    subject: str,
    inner: bool,
    errors: ErrorSink,
    stats: ScanStats,
    want_accounts: bool = False,
    hasher: AccountHasher | None = None,
    detect_header: bool = True,
) -> Iterator[Checked]:
    """Yield the valid accounts of a .txt or .csv stream block by block.

    Row errors go to ``errors`` in line order; a problem with the whole file raises
    :class:`FileProblem`. Pass the same ``hasher`` to two scans of one file to compare their
    hashes. With ``detect_header`` a first row that looks like a column header is refused.
    """
    csv = fmt == "csv"
    check = partial(check_block, hasher=hasher or AccountHasher(), want_accounts=want_accounts)
    records = CsvRecords() if csv else None
    chunks = _text_chunks(reader, fmt=fmt, subject=subject, inner=inner, stats=stats)
    items = split_lines(chunks)
    if detect_header:
        items = _refuse_header(items, stats, errors)
    for item in items:
        budget = errors.budget()
        if isinstance(item, LongLine):
            found = _check_long_line(item, records)
        elif records is None or records.simple(item):
            found = check(item.data, item.first_line, csv=csv, budget=budget)
        elif records.pending is None and (unquoted := _drop_outer_quotes(item.data)) is not None:
            found = check(unquoted, item.first_line, csv=csv, budget=budget)
        else:
            found = _check_records(records.feed(item), check, budget)
        _tally(found, stats, errors)
        yield found
    if records is not None and (error := records.close()) is not None:
        _tally(Checked.of_errors([error]), stats, errors)


def _refuse_header(
    items: Iterator[Lines | LongLine], stats: ScanStats, errors: ErrorSink
) -> Iterator[Lines | LongLine]:
    """The blocks of lines, without a first row that looks like a column header: that row is
    tallied as refused, so a header is never pushed as an account."""
    first = next(items, None)
    if isinstance(first, Lines):
        header, first = _split_header(first)
        if header is not None:
            stats.header_line = header.line
            _tally(Checked.of_errors([header]), stats, errors)
    if first is not None:
        yield first
    yield from items


def _split_header(lines: Lines) -> tuple[RowError | None, Lines | None]:
    """The error of the block's first non-blank row when it is a header, and the rest."""
    data, start, number = lines.data, 0, lines.first_line
    while (end := data.find(b"\n", start)) >= 0 and not data[start:end].strip(b" \t"):
        start, number = end + 1, number + 1
    if end < 0:
        return None, lines  # blank lines only
    word = rules.header_word(data[start:end])
    if word is None:
        return None, lines
    reason = wording.HEADER % {"value": rules.display(word)}
    error = RowError(number, reason, rules.display(data[start:end]))
    rest = data[end + 1 :]
    return error, Lines(rest, number + 1) if rest else None


def _check_long_line(long: LongLine, records: CsvRecords | None) -> Checked:
    """An over-long line is refused, unless it lies inside a CSV record that goes on."""
    if records is None:
        reason = rules.too_long_message(long.size)
        error: RowError | None = RowError(long.line, reason, rules.display(long.head))
    else:
        error = records.skip(long)
    return Checked.of_errors([error] if error is not None else [])


def _check_records(
    parsed: tuple[list[bytes], list[int], list[RowError]],
    check: Callable[..., Checked],
    budget: int | None,
) -> Checked:
    """Check the values of parsed CSV records, with the records' own errors in line order."""
    values, where, parse_errors = parsed
    found = Checked.of_errors([])
    if values:
        found = check(b"\n".join(values) + b"\n", where, csv=False, budget=budget)
    found.rows += len(parse_errors)
    found.invalid += len(parse_errors)
    merged = sorted(found.errors + parse_errors, key=lambda error: error.line)
    found.errors = merged if budget is None else merged[:budget]
    return found


def _tally(found: Checked, stats: ScanStats, errors: ErrorSink) -> None:
    stats.rows += found.rows
    stats.invalid_rows += found.invalid
    for error in found.errors:
        errors.add(error)


def _text_chunks(
    reader: ChunkReader, *, fmt: str, subject: str, inner: bool, stats: ScanStats
) -> Iterator[bytes]:
    """The stream's chunks after a file-level look at its first bytes; a UTF-8 BOM is dropped."""
    head = b""
    while len(head) < _SNIFF_BYTES and (data := reader.read()):
        head += data
    if problem := rules.sniff_text(head, fmt=fmt, subject=subject, inner=inner):
        raise FileProblem(problem)
    head = rules.strip_bom(head)
    stats.empty = not head
    if head:
        yield head
    while data := reader.read():
        yield data
