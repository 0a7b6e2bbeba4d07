"""Delivery results: each sent push's statistics, read from its gateway and kept.

After a push is sent its results are refreshed on a backoff schedule (by default 1, 5, 15 and
60 minutes after sending, then every 6 hours) for 72 hours, when a last refresh freezes them.
Every call is paid from the app's hourly statistics budget (budget.py), shared with in-doubt
lookups and by every worker; the beat hands out due refreshes oldest first, taking turns
between apps, so one busy app cannot starve the others. What the gateway said last is kept
per push and channel, with a sample at each refresh, so results outlive TPNS's 30 days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import chain, zip_longest
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes.audit import audit_record
from pushes.errors import NotAllowed, WrongState
from pushes.models import ChannelResult, Push, PushResults, ResultSample
from pushes.permissions import is_staff, role_on
from pushes.services import budget
from pushes.services.queue import REFRESH_RESULTS, enqueue, enqueue_on_commit
from pushes.services.steps import credentials
from pushes.tpns import client, codes
from pushes.tpns.errors import PermanentTpnsError, TpnsError, TransientTpnsError, describe

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Problem = PushResults.Problem
FunnelT = TypeVar("FunnelT", PushResults, ChannelResult)
# A queued refresh holds its turn this long; a dead worker's turn then expires.
LEASE = timedelta(minutes=2)
# TPNS keeps a push's statistics this long.
KEPT_BY_GATEWAY = timedelta(days=30)
BUSY_RETRY = timedelta(minutes=5)


# ---------------------------------------------------------------- the schedule


def next_refresh(sent_at: datetime, now: datetime) -> datetime | None:
    """When to ask next, after a refresh at `now`; None once the last one is done."""
    follow_until = sent_at + timedelta(seconds=settings.PUSH_RESULTS_FOLLOW_SECONDS)
    if now >= follow_until:
        return None
    steps = [sent_at + timedelta(seconds=s) for s in settings.PUSH_RESULTS_SCHEDULE_SECONDS]
    upcoming = [step for step in steps if step > now]
    if upcoming:
        return min(upcoming[0], follow_until)
    every = timedelta(seconds=settings.PUSH_RESULTS_EVERY_SECONDS)
    last = steps[-1] if steps else sent_at
    periods = (now - last) // every + 1
    return min(last + periods * every, follow_until)


def start(push: Push) -> None:
    """A push was sent: fetch its first results now, then on the schedule."""
    _, created = PushResults.objects.get_or_create(
        push=push, defaults={"next_at": timezone.now() + LEASE, "claimed_until": None}
    )
    if created:
        enqueue_on_commit(REFRESH_RESULTS, push.id)


def queue_due(*, limit: int = 100) -> int:
    """Beat: queue due refreshes, oldest first, taking turns between apps."""
    now = timezone.now()
    due = (
        PushResults.objects.filter(next_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_at", "push_id")
        .values_list("push_id", "push__app_id")[: limit * 5]
    )
    queued = 0
    for push_id in _take_turns(list(due))[:limit]:
        taken = (
            PushResults.objects.filter(push_id=push_id, next_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + LEASE)
        )
        if taken and enqueue(REFRESH_RESULTS, push_id):
            queued += 1
    return queued


def _take_turns(due: list[tuple[int, int]]) -> list[int]:
    """Push ids, each app's oldest first, one app after another in turn."""
    by_app: dict[int, list[int]] = defaultdict(list)
    for push_id, app_id in due:
        by_app[app_id].append(push_id)
    rounds = zip_longest(*by_app.values())
    return [push_id for push_id in chain.from_iterable(rounds) if push_id is not None]


# ---------------------------------------------------------------- one refresh


def results_refresh_from_gateway(*, push_id: int) -> str:
    """Ask the gateway for one push's statistics and keep them. Returns what happened."""
    results = PushResults.objects.select_related("push__app").get(push_id=push_id)
    push, now = results.push, timezone.now()
    if not push.push_id:
        return _stop(results, now)
    if not budget.take(app=push.app):
        return _later(results, budget.next_hour(now), Problem.BUDGET)
    try:
        stat = client.get_push_task_stat_channel(credentials(push), push.push_id.split(",")[0])
    except TransientTpnsError as exc:
        return _later(results, now + BUSY_RETRY, Problem.BUSY, describe(exc))
    except PermanentTpnsError as exc:
        if exc.ret_code == codes.PUSH_ID_NOT_EXIST and _sent_long_ago(push, now):
            return _stop(results, now, Problem.EXPIRED)
        return _later(results, _next_or_retry(push, now), Problem.GATEWAY, describe(exc))
    except TpnsError as exc:
        return _later(results, now + BUSY_RETRY, Problem.GATEWAY, describe(exc))
    _store(results, stat, now)
    return "final" if results.final else "refreshed"


def _sent_long_ago(push: Push, now: datetime) -> bool:
    return push.sent_at is not None and now - push.sent_at >= KEPT_BY_GATEWAY


def _next_or_retry(push: Push, now: datetime) -> datetime:
    return next_refresh(push.sent_at or now, now) or now + timedelta(
        seconds=settings.PUSH_RESULTS_EVERY_SECONDS
    )


def _later(results: PushResults, when: datetime, problem: str, detail: str = "") -> str:
    PushResults.objects.filter(pk=results.pk).update(
        next_at=when, claimed_until=None, problem=problem, detail=detail[:300]
    )
    return problem


def _stop(results: PushResults, now: datetime, problem: str = "") -> str:
    """No more refreshes: the figures kept are the last ones there will be."""
    PushResults.objects.filter(pk=results.pk).update(
        next_at=None, claimed_until=None, final=True, problem=problem
    )
    return problem or "final"


@transaction.atomic
def _store(results: PushResults, stat: client.PushStat, now: datetime) -> None:
    channels = [c for c in stat.channels if c.channel != "all"]
    total = stat.total or _sum(channels)
    sent_at = results.push.sent_at or now
    results.next_at = next_refresh(sent_at, now)
    results.final = results.next_at is None
    results.as_of, results.claimed_until = now, None
    results.refreshes += 1
    results.problem, results.detail = "", ""
    _copy(total, results)
    results.save()
    ChannelResult.objects.bulk_create(
        [_copy(row, ChannelResult(results=results, channel=row.channel[:16])) for row in channels],
        update_conflicts=True,
        unique_fields=["results", "channel"],
        update_fields=list(ChannelResult.STEPS),
    )
    ResultSample.objects.create(results=results, taken_at=now, **results.counts())


def _copy(row: client.ChannelStat, funnel: FunnelT) -> FunnelT:
    funnel.planned, funnel.sent, funnel.arrived = row.planned, row.sent, row.arrived
    funnel.clicked, funnel.cleared = row.clicked, row.cleared
    return funnel


def _sum(channels: list[client.ChannelStat]) -> client.ChannelStat:
    def total(name: str) -> int:
        return sum(getattr(c, name) for c in channels)

    names = ("planned", "sent", "arrived", "verify_svc", "callback_verify_svc", "displayed")
    return client.ChannelStat("all", *(total(n) for n in (*names, "clicked", "cleared")))


# ---------------------------------------------------------------- asked by a person


def results_refresh(*, user: User, push_id: int) -> None:
    """The Refresh button: ask again now, at most once a minute per push."""
    results = PushResults.objects.select_related("push__app").filter(push_id=push_id).first()
    if results is None:
        raise WrongState(_("This push has no results to refresh."))
    if not (is_staff(user) or role_on(results.push.app, user) is not None):
        raise NotAllowed(_("You are not a member of this app."))
    now = timezone.now()
    wait = timedelta(seconds=settings.PUSH_RESULTS_MANUAL_MIN_SECONDS)
    if results.as_of is not None and now - results.as_of < wait:
        raise WrongState(_("These results are less than a minute old; refresh again later."))
    PushResults.objects.filter(pk=results.pk).update(next_at=now, claimed_until=now + LEASE)
    audit_record(actor=user, action="push.results_refresh", obj=results.push, data={})
    enqueue_on_commit(REFRESH_RESULTS, push_id)
