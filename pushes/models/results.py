"""Delivery results of sent pushes, as their gateway's statistics tell them (tpns-api.md §8.2).

TPNS forgets a push's statistics after 30 days; Pushdeck keeps the last figures it read for as
long as it keeps the push: the funnel in total, per channel, and a sample at each refresh for
the reach-over-time line.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes.models.push import Push


class Funnel(models.Model):
    """The five steps TPNS counts, in devices."""

    planned = models.PositiveIntegerField(_("planned"), default=0)  # pushActiveUv
    sent = models.PositiveIntegerField(_("sent"), default=0)  # pushOnlineUv
    arrived = models.PositiveIntegerField(_("reached"), default=0)  # arrivalUv
    clicked = models.PositiveIntegerField(_("clicked"), default=0)  # clickUv
    cleared = models.PositiveIntegerField(_("cleared"), default=0)  # cleanupUv

    class Meta:
        abstract = True

    STEPS = ("planned", "sent", "arrived", "clicked", "cleared")

    def counts(self) -> dict[str, int]:
        return {step: getattr(self, step) for step in self.STEPS}


class PushResults(Funnel):
    """A sent push's latest totals ("all" channels) and its refresh schedule."""

    class Problem(models.TextChoices):
        NONE = "", _("none")
        BUDGET = "budget", _("This hour's statistics calls for the app are used up.")
        BUSY = "busy", _("The gateway asked to try later.")
        EXPIRED = "expired", _("The gateway keeps statistics for 30 days only.")
        GATEWAY = "gateway", _("The gateway could not give the statistics.")

    push = models.OneToOneField(
        Push, primary_key=True, on_delete=models.CASCADE, related_name="results"
    )
    as_of = models.DateTimeField(null=True, blank=True)  # when the gateway last answered
    # When to ask again; null once the figures are final (or will never come).
    next_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    refreshes = models.PositiveIntegerField(default=0)
    final = models.BooleanField(default=False)
    # Why the last refresh brought nothing, and the gateway's words for it.
    problem = models.CharField(max_length=8, choices=Problem, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            # The beat's due refreshes, oldest first.
            models.Index(fields=["next_at"], name="push_results_due"),
        ]

    def __str__(self) -> str:
        return f"{self.push_id}: {self.arrived}/{self.planned} reached"


class ChannelResult(Funnel):
    """The same funnel for one vendor channel (xg, hw, xm, oppo, vivo, apns, fcm, …)."""

    results = models.ForeignKey(PushResults, on_delete=models.CASCADE, related_name="channels")
    channel = models.CharField(max_length=16)

    class Meta:
        ordering = ["channel"]
        constraints = [
            models.UniqueConstraint(fields=["results", "channel"], name="channel_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.results_id} {self.channel}"


class ResultSample(Funnel):
    """The totals at one refresh: the points of the reach-over-time line."""

    results = models.ForeignKey(PushResults, on_delete=models.CASCADE, related_name="samples")
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["taken_at"]
        indexes = [models.Index(fields=["results", "taken_at"], name="result_sample_time")]

    def __str__(self) -> str:
        return f"{self.results_id} @ {self.taken_at:%Y-%m-%d %H:%M}"
