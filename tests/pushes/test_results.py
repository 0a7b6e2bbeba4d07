"""Delivery results: read from the gateway's statistics over real HTTP, kept, scheduled."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.utils import timezone

from pushes.errors import NotAllowed, WrongState
from pushes.models import AuditEvent, ChannelResult, Push, PushResults, ResultSample
from pushes.sandbox.models import Delivery, SandboxApp, StatisticsCalls
from pushes.services import (
    budget,
    next_refresh,
    push_approve,
    push_deliver,
    push_submit,
    results_refresh,
    results_refresh_from_gateway,
)
from pushes.services import results as results_service
from tests.factories import AppFactory, MembershipFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App, Membership
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def sent(app: App, author: User, reviewer: User, accounts: str = "alice\nbob\ncarol") -> Push:
    push = push_submit(push=make_push(app=app, author=author, accounts=accounts), by=author)
    push_deliver(push_id=push_approve(push=push, by=reviewer).id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT, push.err_msg
    return push


def certain(gateway: Gateway, *, click: float = 1.0, clear: float = 0.0) -> None:
    """Every delivery arrives at once and is clicked (or cleared) at once."""
    SandboxApp.objects.filter(access_id=gateway.app.access_id).update(
        arrival_rate=1.0,
        click_rate=click,
        clear_rate=clear,
        arrival_delay_seconds=0,
        engage_delay_seconds=0,
    )


def stat_calls(gateway: Gateway) -> int:
    return sum(
        StatisticsCalls.objects.filter(app__access_id=gateway.app.access_id).values_list(
            "calls", flat=True
        )
    )


def test_a_sent_push_keeps_the_gateways_funnel_per_channel(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    certain(gateway, click=0.0, clear=1.0)
    gateway.bind("alice", "bob")
    gateway.bind("carol", devices=2)
    push = sent(app, marketer, reviewer)
    results = PushResults.objects.get(push=push)
    assert results.next_at is not None and results.as_of is None  # queued by the send

    assert results_refresh_from_gateway(push_id=push.id) == "refreshed"

    results.refresh_from_db()
    assert results.counts() == {"planned": 3, "sent": 3, "arrived": 3, "clicked": 0, "cleared": 3}
    devices = Delivery.objects.filter(push__push_id=push.push_id).select_related("device")
    expected: dict[str, int] = {}
    for row in devices:
        expected[row.device.channel] = expected.get(row.device.channel, 0) + 1
    channels = {c.channel: c.planned for c in ChannelResult.objects.filter(results=results)}
    assert channels == expected
    assert ResultSample.objects.filter(results=results).count() == 1
    assert results.as_of is not None and results.refreshes == 1 and not results.final


def test_refreshes_follow_the_schedule_then_freeze(settings: Settings) -> None:
    settings.PUSH_RESULTS_SCHEDULE_SECONDS = [60, 300]
    settings.PUSH_RESULTS_EVERY_SECONDS = 3600
    settings.PUSH_RESULTS_FOLLOW_SECONDS = 3 * 3600
    sent_at = timezone.now()

    def after(seconds: int) -> timedelta | None:
        due = next_refresh(sent_at, sent_at + timedelta(seconds=seconds))
        return None if due is None else due - sent_at

    assert after(0) == timedelta(seconds=60)
    assert after(61) == timedelta(seconds=300)
    assert after(301) == timedelta(seconds=300 + 3600)
    assert after(300 + 3600 + 1) == timedelta(seconds=300 + 7200)
    assert after(300 + 7200 + 5) == timedelta(hours=3)  # the last one, at the end
    assert after(3 * 3600) is None


def test_the_last_refresh_freezes_the_results(
    gateway: Gateway, app: App, marketer: User, reviewer: User, settings: Settings
) -> None:
    gateway.bind("alice")
    push = sent(app, marketer, reviewer, "alice")
    Push.objects.filter(id=push.id).update(sent_at=timezone.now() - timedelta(hours=73))

    assert results_refresh_from_gateway(push_id=push.id) == "final"

    results = PushResults.objects.get(push=push)
    assert results.final and results.next_at is None and results.planned == 1


def test_no_budget_no_call(
    gateway: Gateway, app: App, marketer: User, reviewer: User, settings: Settings
) -> None:
    gateway.bind("alice")
    push = sent(app, marketer, reviewer, "alice")
    settings.TPNS_STATISTICS_CALLS_PER_HOUR = budget.used(app=app)
    before = stat_calls(gateway)

    assert results_refresh_from_gateway(push_id=push.id) == "budget"

    results = PushResults.objects.get(push=push)
    assert stat_calls(gateway) == before
    assert results.problem == "budget" and results.next_at == budget.next_hour()
    assert results.as_of is None


def test_request_too_fast_is_tried_later(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice")
    push = sent(app, marketer, reviewer, "alice")
    gateway.fault("get_push_task_stat_channel", "ret_code", ret_code=1008028)

    assert results_refresh_from_gateway(push_id=push.id) == "busy"

    results = PushResults.objects.get(push=push)
    assert results.next_at is not None
    assert timedelta(minutes=4) < results.next_at - timezone.now() <= timedelta(minutes=5)
    assert "1008028" in results.detail or "too fast" in results.detail.lower()


def test_statistics_gone_after_30_days_keep_the_last_figures(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    certain(gateway)
    gateway.bind("alice")
    push = sent(app, marketer, reviewer, "alice")
    results_refresh_from_gateway(push_id=push.id)
    gateway.fault("get_push_task_stat_channel", "ret_code", ret_code=1008015)
    Push.objects.filter(id=push.id).update(sent_at=timezone.now() - timedelta(days=31))

    assert results_refresh_from_gateway(push_id=push.id) == "expired"

    results = PushResults.objects.get(push=push)
    assert results.final and results.problem == "expired"
    assert (results.planned, results.clicked) == (1, 1)


def test_due_refreshes_take_turns_between_apps(db: None) -> None:
    busy, quiet = cast("App", AppFactory()), cast("App", AppFactory())
    now = timezone.now()
    rows = []
    for app, count, age in ((busy, 5, 600), (quiet, 2, 300)):
        author = cast("Membership", MembershipFactory(app=app)).user
        for i in range(count):
            push = make_push(app=app, author=author)
            due = now - timedelta(seconds=age - i)
            rows.append(PushResults.objects.create(push=push, next_at=due))
    queued: list[int] = []
    original = results_service.enqueue

    def record(name: str, *args: Any, **kwargs: Any) -> bool:
        queued.append(args[0])
        return True

    results_service.enqueue = record  # type: ignore[assignment]
    try:
        assert results_service.queue_due(limit=4) == 4
        assert results_service.queue_due(limit=4) == 3  # the rest; the queued ones are held
    finally:
        results_service.enqueue = original  # type: ignore[assignment]
    apps = [Push.objects.get(id=i).app_id for i in queued[:4]]
    assert apps == [busy.id, quiet.id, busy.id, quiet.id]
    assert sorted(queued) == sorted(r.push_id for r in rows)


def test_the_refresh_button_is_for_members_once_a_minute(
    gateway: Gateway, app: App, marketer: User, reviewer: User, stranger: User
) -> None:
    gateway.bind("alice")
    push = sent(app, marketer, reviewer, "alice")

    with pytest.raises(NotAllowed):
        results_refresh(user=stranger, push_id=push.id)
    results_refresh(user=reviewer, push_id=push.id)
    assert AuditEvent.objects.filter(action="push.results_refresh").count() == 1
    results_refresh_from_gateway(push_id=push.id)
    with pytest.raises(WrongState):
        results_refresh(user=reviewer, push_id=push.id)
    PushResults.objects.filter(push=push).update(as_of=timezone.now() - timedelta(minutes=2))
    results_refresh(user=marketer, push_id=push.id)
    assert PushResults.objects.get(push=push).next_at is not None
