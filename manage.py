#!/usr/bin/env python
"""Django's command-line utility for Pushdeck."""

from __future__ import annotations

import os
import sys

# Django's own command options: given one, the command runs the usual way, through Django.
_DJANGO_OPTIONS = ("--settings", "--pythonpath", "--traceback", "--verbosity", "-v")
_DJANGO_OPTIONS += ("--no-color", "--force-color", "--skip-checks")


def main() -> None:
    # validate_package needs no database, apps or settings, and setting Django up is most of
    # a command's start-up (about half a second): it runs without it.
    arguments = sys.argv[2:]
    if sys.argv[1:2] == ["validate_package"] and not any(
        argument.startswith(_DJANGO_OPTIONS) for argument in arguments
    ):
        from pushes.packages.cli import main as validate_package

        sys.exit(validate_package(arguments))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
