"""In-doubt pushes: settled only by a gateway record that is provably their own.

A push call whose outcome is unknown (read timeout, dropped connection, worker killed during
the call) leaves the push `in_doubt`; it is never resent by itself. Every push call carries a
unique marker as `group_id`, which TPNS returns as `groupId` in its push records
(tpns-api.md §3.4, §8.1). The lookup pages through every record in the push's time window,
within the app's hourly statistics budget, on a backoff schedule, and:

- settles the push as sent when a record carries its marker (or, for a package push, its own
  `upload_id`) and agrees with it (title, content, targets, upload_id), and its push_id is not
  another push's;
- proves it absent when a complete scan, made long enough after the call, holds no such record;
- stays in doubt and explains why when the evidence is contradictory or unprovable.

Records are never matched by title and content alone: identical campaigns are the normal case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pushes.audit import audit_record
from pushes.errors import Invalid, WrongState
from pushes.lifecycle import move
from pushes.models import DeliveryAttempt, Push
from pushes.notify import notify
from pushes.services import budget, results
from pushes.services.queue import DELIVER_PUSH, RECONCILE_PUSH, enqueue, enqueue_on_commit
from pushes.services.steps import attempt, credentials, finish
from pushes.tpns import client
from pushes.tpns.errors import TpnsError, describe

if TYPE_CHECKING:
    from django.contrib.auth.models import User


Status = Push.Status
State = Push.LookupState

# TPNS dates its records in Beijing time (UTC+08:00) and keeps one month of them.
TPNS_TIME = dt_timezone(timedelta(hours=8))
RECORDS_KEPT = timedelta(days=30)
PAGE_SIZE = client.MAX_PUSH_RECORD_LIMIT
# Our clock and the gateway's may differ a little; the window opens this much earlier.
CLOCK_MARGIN = timedelta(minutes=2)
# A lookup that is running holds its turn this long; a dead worker's turn then expires.
LEASE = timedelta(minutes=2)


def marker_for(push: Push) -> str:
    return f"pushdeck-{push.code.hex}"


# ---------------------------------------------------------------- scheduling


def schedule(push: Push, *, reason: str, tries: int = 0) -> None:
    """Look this in-doubt push up now, and again on the backoff schedule until settled."""
    now = timezone.now()
    Push.objects.filter(id=push.id, status=Status.IN_DOUBT).update(
        lookup_state=State.PENDING, lookup_due_at=now + LEASE, lookup_tries=tries
    )
    push.lookup_state, push.lookup_due_at = State.PENDING, now + LEASE
    audit_record(actor=None, action="push.lookup_scheduled", obj=push, data={"why": reason})
    enqueue_on_commit(RECONCILE_PUSH, push.id)


def queue_due() -> int:
    """Beat: queue the lookups whose time has come (or whose worker died holding one)."""
    now = timezone.now()
    due = Push.objects.filter(
        status=Status.IN_DOUBT, lookup_state=State.PENDING, lookup_due_at__lte=now
    ).values_list("id", flat=True)
    queued = 0
    for push_id in list(due[:100]):
        taken = Push.objects.filter(
            id=push_id, lookup_state=State.PENDING, lookup_due_at__lte=now
        ).update(lookup_due_at=now + LEASE)
        if taken and enqueue(RECONCILE_PUSH, push_id):
            queued += 1
    return queued


def _backoff(tries: int) -> timedelta:
    steps = settings.PUSH_LOOKUP_BACKOFF_SECONDS
    return timedelta(seconds=steps[min(max(tries - 1, 0), len(steps) - 1)])


# ---------------------------------------------------------------- the scan


@dataclass
class Scan:
    since: datetime
    pages: int = 0
    seen: int = 0  # records in the window
    complete: bool = False
    own: list[client.PushRecord] = field(default_factory=list)  # claim to be this push's
    same_text: list[str] = field(default_factory=list)  # push_ids with equal title/content
    stopped: str = ""  # why the scan stopped before the end


def _record_time(record: client.PushRecord) -> datetime | None:
    try:
        return datetime.strptime(record.date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=TPNS_TIME)
    except ValueError:
        return None


def _claims_to_be(push: Push, record: client.PushRecord) -> bool:
    if push.marker and record.group_id == push.marker:
        return True
    return push.upload_id is not None and record.upload_id == push.upload_id


def _scan(push: Push) -> Scan:
    """Page through every record from the call on; stop early once the (newest first)
    pages are past the window's start."""
    scan = Scan(since=(push.claimed_at or push.updated_at) - CLOCK_MARGIN)
    now = timezone.now()
    offset = 0
    while True:
        if not budget.take(app=push.app):
            scan.stopped = "budget"
            return scan
        page = client.get_push_record(
            credentials(push),
            start_date=scan.since.astimezone(TPNS_TIME).date(),
            end_date=now.astimezone(TPNS_TIME).date(),
            offset=offset,
            limit=PAGE_SIZE,
            message_type=push.message_type,
            push_type=None if push.target == Push.Target.PACKAGE else "account",
        )
        scan.pages += 1
        times = [_record_time(r) for r in page.records]
        for record, at in zip(page.records, times, strict=True):
            if at is not None and at < scan.since:
                continue
            scan.seen += 1
            if _claims_to_be(push, record):
                scan.own.append(record)
            elif record.title == push.title and record.content == push.content:
                scan.same_text.append(record.push_id)
        offset += len(page.records)
        newest_first = all(
            a is not None and b is not None and a >= b
            for a, b in zip(times, times[1:], strict=False)
        )
        past_window = bool(times) and times[-1] is not None and times[-1] < scan.since
        if not page.records or offset >= page.count or (newest_first and past_window):
            scan.complete = True
            return scan


# ---------------------------------------------------------------- deciding


def _disagreement(push: Push, record: client.PushRecord) -> str:
    """Why a record that claims to be this push's cannot be it ('' when it agrees)."""
    if record.title != push.title or record.content != push.content:
        return f"record {record.push_id} carries this push's marker but another title or content"
    if push.upload_id is not None and record.upload_id not in (0, push.upload_id):
        return f"record {record.push_id} has upload_id {record.upload_id}, not {push.upload_id}"
    if push.target == Push.Target.PACKAGE:
        if push.upload_id is None or record.upload_id != push.upload_id:
            return f"record {record.push_id} is not of this push's upload {push.upload_id}"
        foreign = record.group_id.startswith("pushdeck-") and record.group_id != push.marker
        if foreign:
            return f"record {record.push_id} has this upload but another push's marker"
    elif record.target_list and set(record.target_list) != set(push.accounts):
        return f"record {record.push_id} carries this push's marker but other accounts"
    owner = Push.objects.filter(app_id=push.app_id, push_id=record.push_id).exclude(id=push.id)
    if owner.exists():
        return f"push_id {record.push_id} already belongs to another push of this app"
    return ""


def _window_text(scan: Scan) -> str:
    since = timezone.localtime(scan.since).strftime("%Y-%m-%d %H:%M:%S")
    return f"{scan.seen} record(s) since {since} in {scan.pages} page(s)"


def push_reconcile(*, push_id: int) -> str:
    """One lookup of an in-doubt push; returns the lookup state it leaves."""
    push = Push.objects.select_related("app").get(id=push_id)
    if push.status != Status.IN_DOUBT or push.lookup_state not in (State.PENDING, ""):
        return push.lookup_state
    now = timezone.now()
    called_at = push.claimed_at or push.updated_at
    tries = push.lookup_tries + 1
    if now - called_at > RECORDS_KEPT:
        return _conclude(
            push,
            State.UNAVAILABLE,
            "The gateway keeps push records for one month and this push's call is older; "
            "a person must decide.",
        )
    row = attempt(push, DeliveryAttempt.Kind.RECORD)
    try:
        scan = _scan(push)
    except TpnsError as exc:
        finish(row, DeliveryAttempt.Outcome.TRANSIENT, exc=exc)
        return _again(push, tries, f"The lookup failed: {describe(exc)}.")
    finish(row, DeliveryAttempt.Outcome.OK, ret_code=0, err_msg=_window_text(scan))
    return _decide(push, scan, tries, called_at)


def _decide(push: Push, scan: Scan, tries: int, called_at: datetime) -> str:
    problems = [p for p in (_disagreement(push, r) for r in scan.own) if p]
    if problems:
        return _conclude(
            push, State.AMBIGUOUS, "The gateway's records are contradictory: " + "; ".join(problems)
        )
    if scan.own:
        return _settle(push, scan)
    if not push.marker and push.upload_id is None:
        same = ", ".join(scan.same_text[:10]) or "none"
        return _conclude(
            push,
            State.AMBIGUOUS,
            "This push was called before pushes carried a marker, so no record can be proven "
            f"its own. Records with the same title and content since the call: {same}.",
        )
    if scan.stopped == "budget":
        when = budget.next_hour()
        return _again(
            push,
            tries,
            f"The app's {budget.limit(budget.STATISTICS)} record lookups for this hour are "
            f"used up after {_window_text(scan)}.",
            due=when,
        )
    settled_for = timezone.now() - called_at
    if scan.complete and settled_for >= timedelta(seconds=settings.PUSH_LOOKUP_SETTLE_SECONDS):
        return _conclude(
            push,
            State.ABSENT,
            f"Not in the gateway's push records: {_window_text(scan)} checked, none carries "
            f"this push's marker {push.marker}"
            + (f" or its upload_id {push.upload_id}" if push.upload_id is not None else "")
            + ". It was not sent; a person may resend it.",
        )
    return _again(push, tries, f"Not found yet in {_window_text(scan)}.")


def _settle(push: Push, scan: Scan) -> str:
    record, *others = sorted(scan.own, key=lambda r: (r.date, r.push_id))
    note = f"Found in the gateway's push records: push_id {record.push_id} carries this push's " + (
        f"marker {push.marker}."
        if record.group_id == push.marker
        else f"upload_id {push.upload_id}."
    )
    if others:
        note += " Also recorded: " + ", ".join(r.push_id for r in others) + "."
    now = timezone.now()
    try:
        moved = move(
            push,
            Status.IN_DOUBT,
            Status.SENT,
            push_id=record.push_id,
            err_msg=note,
            sent_at=now,
            finished_at=now,
            lookup_state=State.FOUND,
            lookup_note=note,
            lookup_due_at=None,
            lookup_finished_at=now,
        )
    except IntegrityError:
        # Another push took this push_id between our check and our write.
        return _conclude(
            push, State.AMBIGUOUS, f"push_id {record.push_id} already belongs to another push."
        )
    if moved:
        results.start(push)
        notify(user_ids=[push.created_by_id], push=push, message=f"“{push}” was sent. {note}"[:300])
    return State.FOUND


def _again(push: Push, tries: int, note: str, *, due: datetime | None = None) -> str:
    due = due or timezone.now() + _backoff(tries)
    when = timezone.localtime(due).strftime("%Y-%m-%d %H:%M:%S")
    Push.objects.filter(id=push.id, status=Status.IN_DOUBT).update(
        lookup_state=State.PENDING,
        lookup_due_at=due,
        lookup_tries=tries,
        lookup_note=f"{note} Next lookup at {when}.",
    )
    return State.PENDING


def _conclude(push: Push, state: str, note: str) -> str:
    with transaction.atomic():
        done = Push.objects.filter(id=push.id, status=Status.IN_DOUBT).update(
            lookup_state=state,
            lookup_due_at=None,
            lookup_tries=push.lookup_tries + 1,
            lookup_note=note,
            lookup_finished_at=timezone.now(),
        )
        if done:
            push.lookup_state, push.lookup_note = state, note
            audit_record(
                actor=None, action=f"push.lookup_{state}", obj=push, data={"note": note[:500]}
            )
    if done:
        notify(
            user_ids=[push.created_by_id],
            push=push,
            message=f"“{push}” is still in doubt and needs a person: {note}"[:300],
        )
    return state


# ---------------------------------------------------------------- people


@transaction.atomic
def push_mark_sent(*, push: Push, by: User, push_id: str = "") -> Push:
    """A person confirmed (e.g. on devices or in the TPNS console) that it went out."""
    push_id = push_id.strip()
    if push_id and not (
        len(push_id) <= 64
        and push_id.replace(",", "").isascii()
        and push_id.replace(",", "").isdigit()
    ):
        raise Invalid(
            {"push_id": "A push_id is the number TPNS gave the push, e.g. 1328245138690125824."}
        )
    owner = Push.objects.filter(app_id=push.app_id, push_id=push_id).exclude(id=push.id)
    if push_id and owner.exists():
        raise Invalid(
            {"push_id": f"push_id {push_id} already belongs to another push of this app."}
        )
    if not move(
        push,
        Status.IN_DOUBT,
        Status.SENT,
        actor=by,
        push_id=push_id or push.push_id,
        err_msg=f"Marked as sent by {by.get_username()}.",
        finished_at=timezone.now(),
        lookup_due_at=None,
    ):
        raise WrongState("Only a push in doubt can be marked as sent.")
    return push


def push_resend(*, push: Push, by: User) -> Push:
    """A person decided it did not go out: send it again, on the record — but only once a
    fresh lookup has finished without finding it."""
    push.refresh_from_db()
    if push.status != Status.IN_DOUBT:
        raise WrongState("Only a push in doubt can be resent.")
    if push.lookup_state == State.PENDING:
        raise WrongState(
            "Pushdeck is still looking this push up in the gateway's records; "
            "resend it once the lookup has finished."
        )
    fresh = timedelta(seconds=settings.PUSH_LOOKUP_FRESH_SECONDS)
    finished = push.lookup_finished_at
    if finished is None or timezone.now() - finished > fresh:
        with transaction.atomic():
            schedule(push, reason="resend requested", tries=push.lookup_tries)
        raise WrongState(
            "Pushdeck is looking this push up in the gateway's records first, so it is not "
            "sent twice; resend it once the lookup has finished."
        )
    with transaction.atomic():
        if not move(
            push,
            Status.IN_DOUBT,
            Status.APPROVED,
            actor=by,
            queued_at=timezone.now(),
            lookup_state="",
            lookup_due_at=None,
        ):
            raise WrongState("Only a push in doubt can be resent.")
        enqueue_on_commit(DELIVER_PUSH, push.id)
    return push
