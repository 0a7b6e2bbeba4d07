"""Reachability preflight: how many of a push's accounts have a device bound, as checked
at the gateway (device/account/query) before the push is confirmed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes.models.base import TimestampedModel
from pushes.models.push import Push

# Unbound accounts kept per check, for the download: a whole sample, or the first ones of
# an exact check of a large package.
MAX_UNBOUND_KEPT = 10_000


class ReachCheck(TimestampedModel):
    """One check of one push's target (its accounts or package, account type and gateway).

    `target_hash` says which target was checked: a push edited since has another, and its
    old checks no longer describe it. The newest check of the current target is the figure
    the author saw and the reviewer sees.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Checking")
        DONE = "done", _("Checked")
        NOT_CHECKED = "not_checked", _("Not checked")

    class Reason(models.TextChoices):
        TIMEOUT = "timeout", _("The gateway did not answer in time")
        GATEWAY = "gateway", _("The gateway answered with an error")
        NO_FILE = "no_file", _("The account package file is no longer stored")
        NO_WORKER = "no_worker", _("The task queue could not be reached")
        FAILED = "failed", _("The check failed unexpectedly")
        CHANGED = "changed", _("The push changed before the check ran")

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="reach_checks")
    target_hash = models.CharField(max_length=64)
    gateway = models.CharField(max_length=16)
    account_type = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.QUEUED)
    reason = models.CharField(max_length=12, choices=Reason, blank=True)
    detail = models.TextField(blank=True)  # the gateway's own words, as data
    # Accounts in the target; accounts to query (all of them, or the sample's size).
    total = models.PositiveIntegerField(default=0)
    sample_size = models.PositiveIntegerField(default=0)
    exact = models.BooleanField(default=False)
    # Progress: accounts read from the package (drawing a sample), accounts queried so far.
    read = models.PositiveIntegerField(default=0)
    checked = models.PositiveIntegerField(default=0)
    bound = models.PositiveIntegerField(default=0)
    devices = models.PositiveIntegerField(default=0)
    unbound = models.JSONField(default=list, blank=True)  # at most MAX_UNBOUND_KEPT
    started_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["push", "target_hash"], name="reach_check_target")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bound__lte=models.F("checked")), name="reach_bound_lte_checked"
            ),
        ]

    def __str__(self) -> str:
        return f"reach check {self.pk} of push {self.push_id}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.NOT_CHECKED}

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def unbound_count(self) -> int:
        return self.checked - self.bound

    @property
    def nobody_reachable(self) -> bool:
        """Checked, and not one account (of the sample) has a device: 0% reachable."""
        return self.is_done and self.checked > 0 and self.bound == 0

    @property
    def progress_percent(self) -> int:
        """Reading the package (drawing a sample) is most of the work; then the queries."""
        if self.is_finished:
            return 100
        to_query = self.sample_size or self.total
        if not to_query:
            return 0
        queried = self.checked / to_query
        if self.exact or not self.total:
            return min(99, int(queried * 100))
        drawn = min(1.0, self.read / self.total)
        return min(99, int(drawn * 80 + queried * 20))
