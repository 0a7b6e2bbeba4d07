"""The app dashboard: what an app's sent pushes did, per day over the last 30 or 90 days.

Days are the console's days: a push sent at 23:30 UTC counts for the next day in Beijing.
Everything is summed in the database (one grouped query for the days, one for the top
pushes), so the page costs the same for a quiet app as for a busy one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pushes.models import Push
from pushes.selectors.results import rate

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import tzinfo
    from uuid import UUID

    from django.db.models import QuerySet

    from pushes.models import App

# The windows the page offers, in days (today included).
DASHBOARD_WINDOWS = (30, 90)
TOP_PUSHES = 10
# A push ranks by click rate only once it reached this many devices: a rate of nothing
# says nothing.
TOP_MIN_REACHED = 1

# The sums per day, named apart from Push's own fields (it has `accounts`).
_SUMS = {
    "n_accounts": "total_count",
    "n_planned": "results__planned",
    "n_sent": "results__sent",
    "n_arrived": "results__arrived",
    "n_clicked": "results__clicked",
}


@dataclass(frozen=True, kw_only=True)
class Figures:
    """Pushes sent, the accounts they targeted and their devices' funnel (summed)."""

    pushes: int = 0
    accounts: int = 0
    planned: int = 0
    sent: int = 0
    arrived: int = 0
    clicked: int = 0

    @property
    def reach_rate(self) -> float | None:
        """Reached devices as a share of those sent to, in percent."""
        return rate(self.arrived, self.sent)

    @property
    def click_rate(self) -> float | None:
        """Clicked devices as a share of those reached, in percent."""
        return rate(self.clicked, self.arrived)


@dataclass(frozen=True, kw_only=True)
class DayFigures(Figures):
    day: date


@dataclass(frozen=True, kw_only=True)
class TopPush(Figures):
    code: UUID
    title: str
    sent_at: datetime | None  # never None here: the window is a range of sent_at


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    days: int  # the window's length
    first: date
    last: date  # today, in the console's time zone
    per_day: list[DayFigures]
    totals: Figures
    top: list[TopPush] = field(default_factory=list)
    # False until the app sent its first push (an empty state rather than zeros).
    sent_anything: bool = True

    def chart(self) -> dict[str, Any]:
        """What the dashboard's charts draw; the tables beside them show the same figures."""
        return {
            "days": [formats.date_format(d.day, "MONTH_DAY_FORMAT") for d in self.per_day],
            "pushes": [d.pushes for d in self.per_day],
            "accounts": [d.accounts for d in self.per_day],
            "reach": [d.reach_rate for d in self.per_day],
            "click": [d.click_rate for d in self.per_day],
            "labels": {
                "pushes": str(_("Pushes sent")),
                "accounts": str(_("Accounts targeted")),
                "reach": str(_("Reach rate")),
                "click": str(_("Click rate")),
                "percent": str(_("Rate (%)")),
            },
        }


def app_dashboard(
    *, app: App, days: int = 30, tz: tzinfo | None = None, now: datetime | None = None
) -> Dashboard:
    """The app's sent pushes over the last `days` days (today included) in `tz`, which is
    the console's current time zone unless given. Test pushes are left out."""
    if days not in DASHBOARD_WINDOWS:
        raise ValueError(f"days must be one of {DASHBOARD_WINDOWS}, not {days!r}")
    tz = tz or timezone.get_current_timezone()
    last = (now or timezone.now()).astimezone(tz).date()
    first = last - timedelta(days=days - 1)
    pushes = _sent(app).filter(
        sent_at__gte=_midnight(first, tz), sent_at__lt=_midnight(last + timedelta(days=1), tz)
    )
    per_day = _per_day(pushes, tz, first, days)
    totals = Figures(
        **{name: sum(getattr(d, name) for d in per_day) for name in Figures.__dataclass_fields__}
    )
    return Dashboard(
        days=days,
        first=first,
        last=last,
        per_day=per_day,
        totals=totals,
        top=_top(pushes) if totals.pushes else [],
        sent_anything=bool(totals.pushes) or _sent(app).exists(),
    )


def _sent(app: App) -> QuerySet[Push]:
    return Push.objects.filter(app=app, status=Push.Status.SENT, is_test=False)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), tz)


def _per_day(pushes: QuerySet[Push], tz: tzinfo, first: date, days: int) -> list[DayFigures]:
    """One row per day of the window, days with nothing sent as zeros."""
    rows = (
        pushes.annotate(sent_day=TruncDate("sent_at", tzinfo=tz))
        .values("sent_day")
        .annotate(
            n_pushes=Count("id"),
            **{name: Coalesce(Sum(source), 0) for name, source in _SUMS.items()},
        )
        .order_by("sent_day")
    )
    found = {row["sent_day"]: row for row in rows}
    per_day = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = found.get(day)
        per_day.append(DayFigures(day=day, **_figures(row)) if row else DayFigures(day=day))
    return per_day


def _figures(row: Mapping[str, Any]) -> dict[str, int]:
    return {
        "pushes": row["n_pushes"],
        "accounts": row["n_accounts"],
        "planned": row["n_planned"],
        "sent": row["n_sent"],
        "arrived": row["n_arrived"],
        "clicked": row["n_clicked"],
    }


def _top(pushes: QuerySet[Push]) -> list[TopPush]:
    """The best click rates among pushes that reached someone; ties go to the wider reach."""
    rows = (
        pushes.filter(results__arrived__gte=TOP_MIN_REACHED)
        .annotate(
            share=Cast(F("results__clicked"), FloatField())
            / Cast(F("results__arrived"), FloatField())
        )
        .order_by("-share", "-results__arrived", "-sent_at", "-id")
        .values(
            "code",
            "title",
            "sent_at",
            "total_count",
            "results__planned",
            "results__sent",
            "results__arrived",
            "results__clicked",
        )[:TOP_PUSHES]
    )
    return [
        TopPush(
            code=row["code"],
            title=row["title"],
            sent_at=row["sent_at"],
            pushes=1,
            accounts=row["total_count"],
            planned=row["results__planned"],
            sent=row["results__sent"],
            arrived=row["results__arrived"],
            clicked=row["results__clicked"],
        )
        for row in rows
    ]
