from __future__ import annotations

from django.db import models

from pushes.models.base import TimestampedModel


class HealthPing(TimestampedModel):
    """A round trip through the broker: the web queues it, a worker answers it."""

    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"ping {self.pk}"
