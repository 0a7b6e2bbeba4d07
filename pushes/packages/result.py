"""What a validation reports: row errors, the result, and the exceptions the scanner raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_REPORTED_ERRORS = 100
# Duplicate rows listed in the report of a package's bad rows; the rest are counted.
MAX_REPORTED_DUPLICATES = 10_000


@dataclass(frozen=True)
class RowError:
    """One rejected row, or the whole file when ``line`` is 0."""

    line: int  # 1-based physical line; a CSV record's first line; 0 for the whole file
    reason: str
    value: str = ""  # the offending value, made printable and cut to about 120 characters


@dataclass(frozen=True)
class DuplicateRow:
    """A valid account repeating an earlier row's; it would be pushed once."""

    line: int
    first_line: int  # the line where the account first appears
    value: str  # the account, cut to about 120 characters


@dataclass
class ValidationResult:
    """The outcome of :func:`pushes.packages.validate_package`.

    ``format`` is the upload's own type (``"zip"`` for a zip); ``inner_format`` is the type of
    the file inside a zip (``"txt"`` or ``"csv"``), the same as ``format`` otherwise.
    """

    valid: bool
    format: str
    rows: int
    accounts: int
    duplicates: int
    invalid_rows: int
    errors: list[RowError]
    sha256: str
    size: int
    problem: str | None
    inner_format: str = ""
    # The line of a first row that looks like a column header (it is one of the invalid
    # rows), or 0.
    header_line: int = 0
    # How many duplicate rows went to ``on_duplicate`` (they are listed for a package with
    # invalid rows only, up to a limit).
    duplicates_listed: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "format": self.format,
            "rows": self.rows,
            "accounts": self.accounts,
            "duplicates": self.duplicates,
            "invalid_rows": self.invalid_rows,
            "errors": [
                {"line": error.line, "reason": error.reason}
                for error in self.errors[:MAX_REPORTED_ERRORS]
            ],
            "sha256": self.sha256,
            "size": self.size,
            "problem": self.problem,
        }


class PackageError(ValueError):
    """The package as a whole is unusable; the message says why."""


class FileProblem(Exception):
    """Raised inside a scan when the whole file is rejected."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ErrorSink:
    """Keeps the first errors for the result and hands every one to ``on_error``."""

    on_error: Callable[[RowError], None] | None = None
    first: list[RowError] = field(default_factory=list)

    def add(self, error: RowError) -> None:
        if len(self.first) < MAX_REPORTED_ERRORS:
            self.first.append(error)
        if self.on_error is not None:
            self.on_error(error)

    def budget(self) -> int | None:
        """How many more errors are worth building: all of them when ``on_error`` wants each."""
        return None if self.on_error is not None else MAX_REPORTED_ERRORS - len(self.first)

    def add_problem(self, error: RowError) -> None:
        """A whole-file problem goes first, where a reader of the first errors looks."""
        self.first.insert(0, error)
        del self.first[MAX_REPORTED_ERRORS:]
        if self.on_error is not None:
            self.on_error(error)
