"""Validate an account package file from the command line.

Exit status: 0 when the package is valid, 1 when TPNS would reject it, 2 when the path is unusable.
manage.py runs the same code (pushes/packages/cli.py) without setting Django up, unless one of
Django's own options (--settings, --traceback, …) is given.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError

from pushes.packages import cli

if TYPE_CHECKING:
    from argparse import ArgumentParser

EXIT_REJECTED = cli.EXIT_REJECTED
EXIT_UNUSABLE = cli.EXIT_UNUSABLE


class Command(BaseCommand):
    help = cli.HELP
    # Needs neither the database nor the URL configuration.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            status, output = cli.check(Path(options["path"]), as_json=options["json"])
        except cli.UnusablePath as exc:
            raise CommandError(str(exc), returncode=EXIT_UNUSABLE) from exc
        self.stdout.write(output)
        if status != cli.EXIT_VALID:
            self.stdout.flush()
            sys.exit(status)
