"""The downloadable error report of a package: one CSV row per rejected row."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from pushes.packages.result import RowError

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    # Some spreadsheet imports trim leading spaces first, so look past them too.
    risky = text.startswith(_FORMULA_START) or text.lstrip(" ").startswith(_FORMULA_START)
    return "'" + text if risky else text


def write_error_report(errors: Iterable[RowError], out: TextIO) -> None:
    """Write ``line,reason,value`` rows; open ``out`` with ``newline=""`` when it is a file."""
    writer = csv.writer(out)
    writer.writerow(["line", "reason", "value"])
    for error in errors:
        writer.writerow([error.line, _cell(error.reason), _cell(error.value)])
