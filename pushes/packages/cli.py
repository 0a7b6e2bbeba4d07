"""``python manage.py validate_package PATH [--json]``, run without setting Django up.

The validator needs no database, apps or settings, and setting Django up (importing every
installed app, Celery included) is most of a management command's start-up: about half a
second, against about a tenth for this. So manage.py runs :func:`main` directly for this
command, and the Django command (``pushes/management/commands/validate_package.py``, for
``call_command`` and Django's own options) runs :func:`check` too: both print the same.

Exit status: 0 when the package is valid, 1 when TPNS would reject it, 2 when the path is
unusable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pushes.packages.result import ValidationResult

HELP = "Check an account package (.txt, .csv or .zip) against the TPNS rules."
EXIT_VALID = 0
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2
_SHOWN_ERRORS = 20


class UnusablePath(Exception):
    """The path cannot be validated (missing, not a file, unreadable); the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the package file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def check(path: Path, *, as_json: bool) -> tuple[int, str]:
    """Validate the file at ``path``: its exit status and what to print."""
    if not path.exists():
        raise UnusablePath(f"{path}: no such file")
    if not path.is_file():
        raise UnusablePath(f"{path}: not a regular file")
    # The scanner (numpy) is imported once there is a file to check.
    from pushes.packages import validate_package

    try:
        with path.open("rb") as package:
            result = validate_package(package, path.name)
    except OSError as exc:
        raise UnusablePath(f"{path}: {exc.strerror or exc}") from exc
    output = json.dumps(result.as_json()) if as_json else summary(path, result)
    return (EXIT_VALID if result.valid else EXIT_REJECTED), output


def summary(path: Path, result: ValidationResult) -> str:
    fmt = result.format
    if result.inner_format and result.inner_format != fmt:
        fmt = f"{fmt} with {result.inner_format}"
    lines = [
        f"{path.name}: {'valid' if result.valid else 'rejected'} ({fmt or 'unknown type'}, "
        f"{result.size:,} bytes)",
        f"rows: {result.rows:,}  accounts: {result.accounts:,}  "
        f"duplicates: {result.duplicates:,}  invalid rows: {result.invalid_rows:,}",
    ]
    if result.sha256:
        lines.append(f"sha256: {result.sha256}")
    for error in result.errors[:_SHOWN_ERRORS]:
        where = "file" if error.line == 0 else f"line {error.line}"
        lines.append(f"{where}: {error.reason}" + (f"  [{error.value}]" if error.value else ""))
    hidden = (
        result.invalid_rows + (result.problem is not None) - min(len(result.errors), _SHOWN_ERRORS)
    )
    if hidden > 0:
        lines.append(f"… and {hidden:,} more")
    return "\n".join(lines)


def main(argv: list[str], prog: str = "manage.py validate_package") -> int:
    """Run the command on ``argv`` (its arguments only); the exit status."""
    parser = argparse.ArgumentParser(prog=prog, description=HELP)
    add_arguments(parser)
    options = parser.parse_args(argv)
    try:
        status, output = check(Path(options.path), as_json=options.json)
    except UnusablePath as exc:
        print(f"CommandError: {exc}", file=sys.stderr)  # as Django words a command's error
        return EXIT_UNUSABLE
    print(output)
    return status
