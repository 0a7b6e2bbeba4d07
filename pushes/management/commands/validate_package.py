"""Validate an account package file from the command line.

Exit status: 0 when the package is valid, 1 when TPNS would reject it, 2 when the path is unusable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError

from pushes.packages import ValidationResult, validate_package

if TYPE_CHECKING:
    from argparse import ArgumentParser

EXIT_REJECTED = 1
EXIT_UNUSABLE = 2
_SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Check an account package (.txt, .csv or .zip) against the TPNS rules."
    # Needs neither the database nor the URL configuration.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="the package file")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path}: no such file", returncode=EXIT_UNUSABLE)
        if not path.is_file():
            raise CommandError(f"{path}: not a regular file", returncode=EXIT_UNUSABLE)
        try:
            with path.open("rb") as package:
                result = validate_package(package, path.name)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}", returncode=EXIT_UNUSABLE) from exc

        if options["json"]:
            self.stdout.write(json.dumps(result.as_json()))
        else:
            self.stdout.write(_summary(path, result))
        if not result.valid:
            self.stdout.flush()
            sys.exit(EXIT_REJECTED)


def _summary(path: Path, result: ValidationResult) -> str:
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
