"""Round trip through the broker: queue a ping, wait for a worker to answer it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pushes.models import HealthPing
from pushes.services import health_ping_create


class Command(BaseCommand):
    help = "Check that a Celery worker is consuming the broker and can write to the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        ping = health_ping_create()
        deadline = started + options["timeout"]
        while time.monotonic() < deadline:
            answered = HealthPing.objects.filter(pk=ping.pk, answered_at__isnull=False).first()
            if answered is not None:
                took = (time.monotonic() - started) * 1000
                self.stdout.write(f"answered by {answered.worker} in {took:.0f} ms")
                return
            time.sleep(0.1)
        raise CommandError(f"no worker answered within {options['timeout']:.0f} s")
