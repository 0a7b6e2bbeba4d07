"""Delivery results as the pages show them: the funnel with rates, the channels, the line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pushes.models import PushResults

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from pushes.models import Push
    from pushes.models.results import Funnel

# The funnel's steps in order, with the words the TPNS console uses for them.
STEPS: tuple[tuple[str, Promise], ...] = (
    ("planned", _("Planned")),
    ("sent", _("Sent")),
    ("arrived", _("Reached")),
    ("clicked", _("Clicked")),
    ("cleared", _("Cleared")),
)
CHANNEL_NAMES: dict[str, Promise] = {
    "xg": _("TPNS channel"),
    "hw": _("Huawei"),
    "xm": _("Xiaomi"),
    "mz": _("Meizu"),
    "oppo": _("OPPO"),
    "vivo": _("vivo"),
    "apns": _("APNs"),
    "fcm": _("FCM"),
    "rog": _("ROG"),
    "honor": _("Honor"),
}
# The reach-over-time line covers the first hours after sending.
LINE_HOURS = 24


def rate(part: int, whole: int) -> float | None:
    """part / whole as a percentage with one decimal, None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Step:
    key: str
    label: Promise
    count: int
    rate: float | None  # of the planned devices


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    name: str
    planned: int
    sent: int
    arrived: int
    clicked: int
    cleared: int
    reach_rate: float | None  # reached / sent
    click_rate: float | None  # clicked / reached


@dataclass(frozen=True)
class Point:
    minutes: int  # after sending
    at: datetime
    arrived: int
    clicked: int


@dataclass(frozen=True)
class Results:
    as_of: datetime | None
    final: bool
    next_at: datetime | None
    problem: str  # in words, empty when the last refresh worked
    steps: list[Step]
    channels: list[ChannelRow]
    line: list[Point]
    can_refresh: bool  # the Refresh button's rate limit allows it now

    @property
    def reach_rate(self) -> float | None:
        return rate(self.steps[2].count, self.steps[1].count)

    @property
    def click_rate(self) -> float | None:
        return rate(self.steps[3].count, self.steps[2].count)

    def chart(self) -> dict[str, object]:
        """What the record page's charts draw (the tables show the same figures)."""
        return {
            "steps": [{"label": str(s.label), "count": s.count} for s in self.steps],
            "line": [
                {"x": p.minutes, "arrived": p.arrived, "clicked": p.clicked} for p in self.line
            ],
            "labels": {
                "devices": str(_("Devices")),
                "minutes": str(_("Minutes after sending")),
                "reached": str(_("Reached")),
                "clicked": str(_("Clicked")),
            },
        }


def push_results(push: Push) -> Results | None:
    """A sent push's results, or None before it was sent."""
    results = PushResults.objects.filter(push=push).first()
    if results is None:
        return None
    now = timezone.now()
    wait = timedelta(seconds=settings.PUSH_RESULTS_MANUAL_MIN_SECONDS)
    return Results(
        as_of=results.as_of,
        final=results.final,
        next_at=results.next_at,
        problem=str(results.get_problem_display()) if results.problem else "",
        steps=funnel_steps(results),
        channels=[channel_row(c) for c in results.channels.all()],
        line=_line(results, push),
        can_refresh=results.as_of is None or now - results.as_of >= wait,
    )


def funnel_steps(funnel: Funnel) -> list[Step]:
    planned = funnel.planned
    return [
        Step(key, label, getattr(funnel, key), rate(getattr(funnel, key), planned))
        for key, label in STEPS
    ]


def channel_row(funnel: Funnel) -> ChannelRow:
    channel: str = getattr(funnel, "channel", "all")
    return ChannelRow(
        channel=channel,
        name=str(CHANNEL_NAMES.get(channel, channel)),
        planned=funnel.planned,
        sent=funnel.sent,
        arrived=funnel.arrived,
        clicked=funnel.clicked,
        cleared=funnel.cleared,
        reach_rate=rate(funnel.arrived, funnel.sent),
        click_rate=rate(funnel.clicked, funnel.arrived),
    )


def _line(results: PushResults, push: Push) -> list[Point]:
    sent_at = push.sent_at or results.as_of
    if sent_at is None:
        return []
    until = sent_at + timedelta(hours=LINE_HOURS)
    samples = results.samples.filter(taken_at__lte=until).order_by("taken_at")
    start = [Point(0, sent_at, 0, 0)]
    return start + [
        Point(int((s.taken_at - sent_at).total_seconds() // 60), s.taken_at, s.arrived, s.clicked)
        for s in samples
    ]
