"""Django's makemessages, also finding messages marked with ``N_``.

pushes/ marks wording that stays English until it is shown (package reasons, schema
problems) with ``gettext_noop`` under its conventional short name ``N_``; xgettext knows
that name only when told.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
