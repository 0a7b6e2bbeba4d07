"""Push plans: a named group of an app's pushes whose results are looked at together (the
TPNS console's 推送计划). The gateway gives each plan its id (`add_plan_push`), which the
plan's pushes carry as `plan_id`: a worker registers a new plan at once, and delivery
registers it first if that has not happened yet."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pushes.models.app import App

MAX_NAME_CHARS = 60
MAX_DESCRIPTION_CHARS = 300


class Plan(models.Model):
    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(_("plan name"), max_length=MAX_NAME_CHARS)
    description = models.CharField(_("description"), max_length=MAX_DESCRIPTION_CHARS)
    plan_id = models.CharField(max_length=32, blank=True)  # the gateway's; blank until known
    problem = models.CharField(max_length=300, blank=True)  # why registering it failed
    # The gateway's own figures for the plan (get_push_group_stat_channel, its pushes of the
    # last 7 days): {"channels": [{"channel", "planned", "sent", "arrived", "clicked",
    # "cleared"}, …]} with "all" last, as of `gateway_stats_at`.
    gateway_stats = models.JSONField(default=dict, blank=True)
    gateway_stats_at = models.DateTimeField(null=True, blank=True)
    gateway_stats_problem = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["app", "plan_id"],
                condition=~models.Q(plan_id=""),
                name="plan_id_unique_per_app",
            ),
            models.UniqueConstraint(fields=["app", "name"], name="plan_name_unique_per_app"),
        ]

    def __str__(self) -> str:
        return self.name
