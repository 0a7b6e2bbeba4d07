"""Push plans as their pages show them: each plan's pushes and their summed results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum

from pushes.models import ChannelResult, Plan, Push, PushResults
from pushes.selectors.results import ChannelRow, Step, channel_row, funnel_steps, rate

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from django.db.models import QuerySet

    from pushes.models import App

STEPS = ("planned", "sent", "arrived", "clicked", "cleared")


@dataclass(frozen=True)
class Totals:
    """Summed funnel of several pushes (duck-types the results models for the read models)."""

    planned: int = 0
    sent: int = 0
    arrived: int = 0
    clicked: int = 0
    cleared: int = 0
    channel: str = "all"


@dataclass(frozen=True)
class PlanSummary:
    plan: Plan
    pushes: int
    sent_pushes: int
    totals: Totals

    @property
    def reach_rate(self) -> float | None:
        return rate(self.totals.arrived, self.totals.sent)

    @property
    def click_rate(self) -> float | None:
        return rate(self.totals.clicked, self.totals.arrived)


@dataclass(frozen=True)
class GatewayFigures:
    """The plan as the gateway counts it (devices, its pushes of the last 7 days)."""

    as_of: datetime | None
    problem: str
    steps: list[Step]
    channels: list[ChannelRow]


@dataclass(frozen=True)
class PlanDetail:
    summary: PlanSummary
    steps: list[Step]
    channels: list[ChannelRow]
    pushes: QuerySet[Push]
    gateway: GatewayFigures


def _gateway_figures(plan: Plan) -> GatewayFigures:
    rows = plan.gateway_stats.get("channels") if isinstance(plan.gateway_stats, dict) else None
    funnels = [Totals(**row) for row in rows or [] if isinstance(row, dict)]
    total = next((f for f in funnels if f.channel == "all"), None)
    return GatewayFigures(
        as_of=plan.gateway_stats_at,
        problem=plan.gateway_stats_problem,
        steps=funnel_steps(total) if total else [],  # type: ignore[arg-type]
        channels=[channel_row(f) for f in funnels if f.channel != "all"],  # type: ignore[arg-type]
    )


def _sums(prefix: str = "") -> dict[str, Sum]:
    return {step: Sum(f"{prefix}{step}", default=0) for step in STEPS}


def plans_for_app(app: App) -> list[PlanSummary]:
    """The app's plans, newest first, with their pushes counted and results summed."""
    plans = (
        Plan.objects.filter(app=app)
        .select_related("created_by")
        .annotate(
            n_pushes=Count("pushes"),
            n_sent=Count("pushes", filter=Q(pushes__status=Push.Status.SENT)),
            **{f"t_{step}": Sum(f"pushes__results__{step}", default=0) for step in STEPS},
        )
        .order_by("-created_at", "-id")
    )
    return [
        PlanSummary(
            plan=plan,
            pushes=plan.n_pushes,
            sent_pushes=plan.n_sent,
            totals=Totals(**{step: getattr(plan, f"t_{step}") for step in STEPS}),
        )
        for plan in plans
    ]


def plan_detail(plan: Plan) -> PlanDetail:
    totals = Totals(**PushResults.objects.filter(push__plan=plan).aggregate(**_sums()))
    pushes = plan.pushes.select_related("results", "created_by").order_by("-created_at", "-id")
    counts = pushes.aggregate(n=Count("id"), sent=Count("id", filter=Q(status=Push.Status.SENT)))
    channels = (
        ChannelResult.objects.filter(results__push__plan=plan)
        .values("channel")
        .annotate(**_sums())
        .order_by("channel")
    )
    return PlanDetail(
        summary=PlanSummary(plan, counts["n"], counts["sent"], totals),
        steps=funnel_steps(totals),  # type: ignore[arg-type]
        channels=[channel_row(Totals(**row)) for row in channels],  # type: ignore[arg-type]
        pushes=pushes,
        gateway=_gateway_figures(plan),
    )


def plan_get_for_app(app: App, code: UUID) -> Plan | None:
    return Plan.objects.filter(app=app, code=code).first()


def plan_choices(app: App) -> QuerySet[Plan]:
    return Plan.objects.filter(app=app).order_by("-created_at", "-id")
