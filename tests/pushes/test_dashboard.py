"""The app dashboard's figures: per day in the console's time zone, summed in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import pytest

from pushes.models import Push
from pushes.selectors import app_dashboard
from tests.factories import AppFactory, make_sent_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App
    from pushes.selectors import DayFigures

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sent_push(app: App, author: User, at: datetime, **fields: Any) -> Push:
    return make_sent_push(app=app, author=author, at=at, **fields)


def day(figures: list[DayFigures], when: date) -> DayFigures:
    (found,) = [d for d in figures if d.day == when]
    return found


def test_it_sums_each_day_and_the_window(app: App, marketer: User) -> None:
    sent_push(app, marketer, NOW - timedelta(hours=1), accounts=10, funnel=(10, 8, 6, 3))
    sent_push(app, marketer, NOW - timedelta(hours=2), accounts=5, funnel=(5, 4, 2, 1))
    sent_push(app, marketer, NOW - timedelta(days=3), accounts=100, funnel=(90, 80, 40, 4))

    dashboard = app_dashboard(app=app, days=30, tz=UTC, now=NOW)

    assert (dashboard.first, dashboard.last) == (date(2026, 2, 9), date(2026, 3, 10))
    today = day(dashboard.per_day, date(2026, 3, 10))
    assert (today.pushes, today.accounts) == (2, 15)
    assert (today.planned, today.sent, today.arrived, today.clicked) == (15, 12, 8, 4)
    earlier = day(dashboard.per_day, date(2026, 3, 7))
    assert (earlier.pushes, earlier.accounts, earlier.sent, earlier.arrived) == (1, 100, 80, 40)
    totals = dashboard.totals
    assert (totals.pushes, totals.accounts, totals.planned) == (3, 115, 105)
    assert (totals.sent, totals.arrived, totals.clicked) == (92, 48, 8)


def test_every_day_of_the_window_is_there_with_zeros_when_nothing_was_sent(
    app: App, marketer: User
) -> None:
    sent_push(app, marketer, NOW - timedelta(days=5))

    for days in (30, 90):
        dashboard = app_dashboard(app=app, days=days, tz=UTC, now=NOW)
        assert [d.day for d in dashboard.per_day] == [
            date(2026, 3, 10) - timedelta(days=days - 1 - n) for n in range(days)
        ]
        quiet = day(dashboard.per_day, date(2026, 3, 4))
        counts = (quiet.pushes, quiet.accounts, quiet.planned, quiet.sent, quiet.arrived)
        assert counts == (0, 0, 0, 0, 0) and quiet.clicked == 0
        assert quiet.reach_rate is None and quiet.click_rate is None


def test_the_window_counts_today_and_the_days_before_it(app: App, marketer: User) -> None:
    first_of_30 = datetime(2026, 2, 9, 0, 0, tzinfo=UTC)
    sent_push(app, marketer, first_of_30, accounts=1)
    sent_push(app, marketer, first_of_30 - timedelta(seconds=1), accounts=2)  # 31st day back
    sent_push(app, marketer, NOW + timedelta(days=1), accounts=4)  # tomorrow: not yet

    assert app_dashboard(app=app, days=30, tz=UTC, now=NOW).totals.accounts == 1
    assert app_dashboard(app=app, days=90, tz=UTC, now=NOW).totals.accounts == 3


def test_days_are_the_consoles_days(app: App, marketer: User) -> None:
    # 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai (UTC+8).
    sent_push(app, marketer, datetime(2026, 3, 1, 16, 30, tzinfo=UTC), accounts=7)
    # 15:59 UTC is still 1 March there.
    sent_push(app, marketer, datetime(2026, 3, 1, 15, 59, tzinfo=UTC), accounts=3)

    in_utc = app_dashboard(app=app, days=30, tz=UTC, now=NOW).per_day
    assert day(in_utc, date(2026, 3, 1)).accounts == 10
    assert day(in_utc, date(2026, 3, 2)).accounts == 0

    in_shanghai = app_dashboard(app=app, days=30, tz=SHANGHAI, now=NOW).per_day
    assert day(in_shanghai, date(2026, 3, 1)).accounts == 3
    assert day(in_shanghai, date(2026, 3, 2)).accounts == 7


def test_the_window_ends_at_midnight_in_the_consoles_time_zone(app: App, marketer: User) -> None:
    # 18:00 UTC on 10 March is already 11 March in Shanghai: today there, tomorrow in UTC.
    late = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    sent_push(app, marketer, late, accounts=9)

    in_shanghai = app_dashboard(app=app, days=30, tz=SHANGHAI, now=late)
    assert in_shanghai.last == date(2026, 3, 11)
    assert day(in_shanghai.per_day, date(2026, 3, 11)).accounts == 9
    in_utc = app_dashboard(app=app, days=30, tz=UTC, now=late)
    assert in_utc.last == date(2026, 3, 10)
    assert day(in_utc.per_day, date(2026, 3, 10)).accounts == 9
    # Seen from Shanghai before its midnight, the push is tomorrow's: not counted yet.
    before = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert app_dashboard(app=app, days=30, tz=SHANGHAI, now=before).totals.accounts == 0


def test_the_current_time_zone_is_the_default(app: App, marketer: User) -> None:
    from django.utils import timezone

    sent_push(app, marketer, datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    with timezone.override(SHANGHAI):
        dashboard = app_dashboard(app=app, days=30, now=NOW)
    assert day(dashboard.per_day, date(2026, 3, 2)).pushes == 1


def test_rates_are_reached_of_sent_and_clicked_of_reached(app: App, marketer: User) -> None:
    sent_push(app, marketer, NOW, funnel=(10, 8, 6, 3))
    sent_push(app, marketer, NOW - timedelta(days=1), funnel=(4, 0, 0, 0))
    sent_push(app, marketer, NOW - timedelta(days=2), funnel=None)  # no figures yet

    dashboard = app_dashboard(app=app, days=30, tz=UTC, now=NOW)

    today = day(dashboard.per_day, date(2026, 3, 10))
    assert (today.reach_rate, today.click_rate) == (75.0, 50.0)
    nothing_sent = day(dashboard.per_day, date(2026, 3, 9))
    assert nothing_sent.planned == 4
    assert (nothing_sent.reach_rate, nothing_sent.click_rate) == (None, None)
    waiting = day(dashboard.per_day, date(2026, 3, 8))
    assert (waiting.pushes, waiting.accounts, waiting.sent) == (1, 10, 0)
    assert (dashboard.totals.reach_rate, dashboard.totals.click_rate) == (75.0, 50.0)


def test_only_this_apps_sent_pushes_count(app: App, marketer: User) -> None:
    other = cast("App", AppFactory(name="Other Shop"))
    sent_push(app, marketer, NOW, accounts=1, title="Ours")
    sent_push(other, marketer, NOW, accounts=1000, title="Theirs")
    sent_push(app, marketer, NOW, accounts=50, is_test=True, title="A test")
    for status in (Push.Status.FAILED, Push.Status.IN_DOUBT, Push.Status.SENDING):
        sent_push(app, marketer, NOW, accounts=200, status=status, title=str(status))

    dashboard = app_dashboard(app=app, days=30, tz=UTC, now=NOW)

    assert (dashboard.totals.pushes, dashboard.totals.accounts) == (1, 1)
    assert [p.title for p in dashboard.top] == ["Ours"]


def test_top_pushes_rank_by_click_rate_then_reach(app: App, marketer: User) -> None:
    sent_push(app, marketer, NOW, title="Half of ten", funnel=(10, 10, 10, 5))
    sent_push(app, marketer, NOW, title="Half of two", funnel=(2, 2, 2, 1))
    sent_push(app, marketer, NOW, title="All of one", funnel=(1, 1, 1, 1))
    sent_push(app, marketer, NOW, title="None of four", funnel=(4, 4, 4, 0))
    sent_push(app, marketer, NOW, title="Reached nobody", funnel=(5, 5, 0, 0))
    sent_push(app, marketer, NOW, title="No figures yet", funnel=None)
    sent_push(app, marketer, NOW - timedelta(days=40), title="Too old", funnel=(1, 1, 1, 1))

    top = app_dashboard(app=app, days=30, tz=UTC, now=NOW).top

    assert [p.title for p in top] == ["All of one", "Half of ten", "Half of two", "None of four"]
    assert [p.click_rate for p in top] == [100.0, 50.0, 50.0, 0.0]
    assert top[1].arrived == 10 and top[1].accounts == 10


def test_top_pushes_are_ten_at_most(app: App, marketer: User) -> None:
    for n in range(12):
        sent_push(app, marketer, NOW, title=f"Push {n}", funnel=(20, 20, 20, n))

    top = app_dashboard(app=app, days=30, tz=UTC, now=NOW).top

    assert [p.title for p in top] == [f"Push {n}" for n in range(11, 1, -1)]


def test_the_queries_do_not_grow_with_days_or_pushes(
    app: App, marketer: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(40):
        sent_push(app, marketer, NOW - timedelta(days=n * 2, hours=n), funnel=(9, 8, 7, n % 7))

    for days in (30, 90):
        with django_assert_max_num_queries(2):
            dashboard = app_dashboard(app=app, days=days, tz=SHANGHAI, now=NOW)
        assert len(dashboard.per_day) == days
        assert dashboard.totals.pushes == sum(d.pushes for d in dashboard.per_day) > 0


def test_an_app_that_never_sent_has_no_dashboard_yet(
    app: App, marketer: User, django_assert_max_num_queries: Any
) -> None:
    sent_push(app, marketer, NOW, status=Push.Status.PENDING_REVIEW)
    with django_assert_max_num_queries(2):
        dashboard = app_dashboard(app=app, days=30, tz=UTC, now=NOW)
    assert not dashboard.sent_anything
    assert dashboard.totals.pushes == 0 and dashboard.top == []


def test_an_app_quiet_for_the_window_has_zeros(app: App, marketer: User) -> None:
    sent_push(app, marketer, NOW - timedelta(days=60))

    quiet = app_dashboard(app=app, days=30, tz=UTC, now=NOW)
    assert quiet.sent_anything
    assert quiet.totals.pushes == 0 and len(quiet.per_day) == 30
    assert app_dashboard(app=app, days=90, tz=UTC, now=NOW).totals.pushes == 1


def test_only_the_offered_windows(app: App) -> None:
    with pytest.raises(ValueError, match="days"):
        app_dashboard(app=app, days=7, tz=UTC, now=NOW)


def test_the_chart_data_lines_up_with_the_days(app: App, marketer: User) -> None:
    sent_push(app, marketer, NOW, accounts=3, funnel=(3, 2, 1, 1))

    chart = app_dashboard(app=app, days=30, tz=UTC, now=NOW).chart()

    assert len(chart["days"]) == len(chart["pushes"]) == len(chart["reach"]) == 30
    assert chart["days"][-1] == "March 10"
    assert (chart["pushes"][-1], chart["accounts"][-1]) == (1, 3)
    assert (chart["reach"][-1], chart["click"][-1], chart["reach"][0]) == (50.0, 100.0, None)
    assert chart["labels"]["pushes"] == "Pushes sent"
    assert all(isinstance(label, str) for label in chart["labels"].values())
