"""Streamed CSV downloads for spreadsheets: UTF-8 with a byte order mark (so Excel reads
Chinese), every cell quoted, formula-like text made plain, written out in chunks."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# The bytes gathered before each write out.
FLUSH_BYTES = 64 * 1024
# Excel reads a CSV as UTF-8 (Chinese titles) only when it starts with a byte order mark.
BOM = "\ufeff"
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text a spreadsheet could run as a formula, made plain text with a leading quote."""
    if not isinstance(value, str):
        return value
    # Some spreadsheet imports trim leading spaces first, so look past them too.
    risky = value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START)
    return "'" + value if risky else value


class _Buffer:
    """What csv.writer writes into, handed on and emptied chunk by chunk."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts, self.size = [], 0
        return data


def csv_chunks(header: list[str], rows: Iterable[list[object]]) -> Iterator[bytes]:
    """The header and the rows, made safe, as UTF-8 chunks of about FLUSH_BYTES."""
    buffer = _Buffer()
    buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.size >= FLUSH_BYTES:
            yield buffer.take()
    yield buffer.take()
