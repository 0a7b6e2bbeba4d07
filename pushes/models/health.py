from __future__ import annotations

from django.db import models

from pushes.models.base import TimestampedModel


class HealthPing(TimestampedModel):
    """A round trip through the broker: the web queues it, a worker answers it."""

    answered_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"ping {self.pk}"


class GatewayCallBudget(models.Model):
    """Calls made to a rate-limited gateway API, per app and hour, shared by every worker.

    TPNS allows 200 statistics calls (get_push_record among them) per app and hour.
    """

    app = models.ForeignKey("pushes.App", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    hour = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["app", "kind", "hour"], name="budget_one_row_per_hour")
        ]

    def __str__(self) -> str:
        return f"{self.kind} calls of app {self.app_id} at {self.hour:%Y-%m-%d %H}:00"
