"""The downloadable report of a package's bad rows: one CSV row per rejected row, then the
duplicate rows (each with the line where its account first appears), capped."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from pushes.packages import wording
from pushes.packages.result import DuplicateRow, RowError

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# A spreadsheet that splits on `;` or `,` (whatever the file's own separator) starts a new
# cell there, so `…;=1+1` holds a formula in its second cell.
_SEPARATORS = (";", ",")

Cells = list[object]
HEADER: Cells = ["line", "reason", "value", "first_line"]


def _cell(text: str, *, uploaded: bool = False) -> str:
    """Neutralise a cell a spreadsheet could run as a formula. An uploaded value is also
    neutralised when it holds a separator, since a formula may start right after one."""
    # Some spreadsheet imports trim leading spaces first, so look past them too.
    risky = text.startswith(_FORMULA_START) or text.lstrip(" ").startswith(_FORMULA_START)
    if uploaded:
        risky = risky or any(sep in text for sep in _SEPARATORS)
    return "'" + text if risky else text


def error_cells(error: RowError) -> Cells:
    return [error.line, _cell(error.reason), _cell(error.value, uploaded=True), ""]


def duplicate_cells(row: DuplicateRow) -> Cells:
    reason = wording.DUPLICATE % {"first": row.first_line}
    return [row.line, reason, _cell(row.value, uploaded=True), row.first_line]


def capped_cells(listed: int, total: int) -> Cells:
    """The row saying that only the first duplicates are listed."""
    note = wording.DUPLICATES_LISTED % {"listed": f"{listed:,}", "count": f"{total:,}"}
    return ["", note, "", ""]


def write_error_report(
    errors: Iterable[RowError],
    out: TextIO,
    *,
    duplicates: Iterable[DuplicateRow] = (),
    duplicates_total: int = 0,
) -> None:
    """Write ``line,reason,value,first_line`` rows, every cell quoted: the rejected rows, then
    the duplicates, then (when ``duplicates_total`` is more than were listed) a row saying so.
    Open ``out`` with ``newline=""`` when it is a file."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(HEADER)
    writer.writerows(error_cells(error) for error in errors)
    listed = 0
    for row in duplicates:
        writer.writerow(duplicate_cells(row))
        listed += 1
    if duplicates_total > listed:
        writer.writerow(capped_cells(listed, duplicates_total))
