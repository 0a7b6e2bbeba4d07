"""The downloadable error report of a package: one CSV row per rejected row."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from pushes.packages.result import RowError

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# A spreadsheet that splits on `;` or `,` (whatever the file's own separator) starts a new
# cell there, so `…;=1+1` holds a formula in its second cell.
_SEPARATORS = (";", ",")


def _cell(text: str, *, uploaded: bool = False) -> str:
    """Neutralise a cell a spreadsheet could run as a formula. An uploaded value is also
    neutralised when it holds a separator, since a formula may start right after one."""
    # Some spreadsheet imports trim leading spaces first, so look past them too.
    risky = text.startswith(_FORMULA_START) or text.lstrip(" ").startswith(_FORMULA_START)
    if uploaded:
        risky = risky or any(sep in text for sep in _SEPARATORS)
    return "'" + text if risky else text


def write_error_report(errors: Iterable[RowError], out: TextIO) -> None:
    """Write ``line,reason,value`` rows, every cell quoted; open ``out`` with ``newline=""``
    when it is a file."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(["line", "reason", "value"])
    for error in errors:
        writer.writerow([error.line, _cell(error.reason), _cell(error.value, uploaded=True)])
