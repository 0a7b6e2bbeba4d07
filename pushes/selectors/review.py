"""Reads for review: the queue, approvals, revision diffs and the push timeline."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Count, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from pushes import permissions
from pushes.models import (
    Approval,
    AuditEvent,
    DeliveryAttempt,
    Membership,
    Push,
    Role,
)

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import User

    from pushes.permissions import Person


_EVENT_TITLES = {
    "push.created": (N_("Created"), ""),
    "push.submitted": (N_("Submitted for review"), "info"),
    "push.returned_to_draft": (N_("Edited: back to draft, review voided"), "warn"),
    "push.approval_added": (N_("Approval added"), "ok"),
    "push.approved": (N_("Approved"), "ok"),
    "push.rejected": (N_("Rejected"), "bad"),
    "push.cancelled": (N_("Cancelled"), ""),
    "push.cancel_requested": (N_("Cancel requested at TPNS"), "warn"),
    "push.test_sent": (N_("Test push sent"), "info"),
    "push.uploading": (N_("Uploading the account package"), "info"),
    "push.uploaded": (N_("Package uploaded"), "ok"),
    "push.sending": (N_("Sending"), "info"),
    "push.sent": (N_("Sent"), "ok"),
    "push.failed": (N_("Failed"), "bad"),
    "push.in_doubt": (N_("In doubt: outcome unknown"), "warn"),
    "push.lookup_scheduled": (N_("Looking it up in the gateway's records"), "info"),
    "push.lookup_absent": (N_("Not in the gateway's records"), "warn"),
    "push.lookup_ambiguous": (N_("The gateway's records need a person"), "warn"),
    "push.lookup_unavailable": (N_("The gateway's records are too old"), "warn"),
}

_ATTEMPT_TONES = {
    "ok": "ok",
    "transient": "warn",
    "permanent": "bad",
    "unknown": "warn",
    "pending": "info",
}


def review_queue_for_user(*, user: User) -> QuerySet[Push]:
    """Pending pushes of the apps the user reviews, oldest first, each with
    `approval_count`, `approvals_needed` and `approved_by_me` (for this submission)."""
    pushes = (
        Push.objects.filter(status=Push.Status.PENDING_REVIEW)
        .select_related("app", "created_by", "package")
        .defer(*Push.LARGE_FIELDS)
    )
    if not permissions.is_staff(user):
        reviews = Membership.objects.filter(
            user_id=user.pk, role__in=[Role.REVIEWER, Role.ADMIN]
        ).values("app_id")
        pushes = pushes.filter(app_id__in=reviews)
    # Approvals given since the current submission count (a resubmission starts over).
    mine = Approval.objects.filter(
        push_id=OuterRef("pk"), reviewer_id=user.pk, created_at__gte=OuterRef("submitted_at")
    )
    # Counted per row shown (a subquery), not by grouping every pending push's approvals.
    current = (
        Approval.objects.filter(push_id=OuterRef("pk"), created_at__gte=OuterRef("submitted_at"))
        .order_by()
        .values("push_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return pushes.annotate(
        approval_count=Coalesce(Subquery(current), 0),
        # permissions.approvals_required, in SQL.
        approvals_needed=Case(
            When(
                app__two_approvals_above__isnull=False,
                total_count__gt=F("app__two_approvals_above"),
                then=Value(2),
            ),
            default=Value(1),
        ),
        approved_by_me=Exists(mine),
    ).order_by("submitted_at", "id")


@dataclass(frozen=True)
class ReviewProgress:
    """Where the review of a push's current submission stands, for one person."""

    approvers: list[str]  # who approved it while pending, first approval first
    needed: int
    pending: bool  # the push waits for review
    mine: bool  # this person approved it
    may_approve: bool  # this person may approve (or reject) it now

    @property
    def have(self) -> int:
        return len(self.approvers)

    @property
    def waiting_for_second(self) -> bool:
        """Approved by some, not enough: the push waits for another reviewer."""
        return self.pending and 0 < self.have < self.needed


def review_progress(*, push: Push, user: Person) -> ReviewProgress:
    """The approvals of the submission waiting for review (none once it is decided)."""
    pending = push.status == Push.Status.PENDING_REVIEW
    approvals = list(current_approvals(push=push)) if pending else []
    mine = any(approval.reviewer_id == user.pk for approval in approvals)
    return ReviewProgress(
        approvers=[approval.reviewer.get_username() for approval in approvals],
        needed=permissions.approvals_required(push),
        pending=pending,
        mine=mine,
        may_approve=pending and permissions.can_review(push, user) and not mine,
    )


def current_approvals(*, push: Push) -> QuerySet[Approval]:
    revision = push.revisions.order_by("-number").first()
    if revision is None:
        return Approval.objects.none()
    return revision.approvals.select_related("reviewer").order_by("created_at")


def revision_diff(*, push: Push) -> list[str] | None:
    """Unified diff of the last two submitted versions, or None for a first submission."""
    revisions = list(push.revisions.order_by("-number")[:2])
    if len(revisions) < 2:
        return None
    new, old = revisions
    return list(
        difflib.unified_diff(
            _pretty(old.snapshot).splitlines(),
            _pretty(new.snapshot).splitlines(),
            fromfile=_("version %(number)s") % {"number": old.number},
            tofile=_("version %(number)s") % {"number": new.number},
            lineterm="",
        )
    )


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    detail: str = ""
    who: str = ""
    tone: str = ""  # ok / warn / bad / info, for the badge
    attempt: DeliveryAttempt | None = None


def push_timeline(*, push: Push) -> list[TimelineEntry]:
    """Created, submitted, reviewed, each attempt, sent: oldest first."""
    entries: list[TimelineEntry] = []
    events = AuditEvent.objects.filter(object_type="pushes.push", object_id=str(push.pk))
    for event in events.order_by("id"):
        title, tone = _EVENT_TITLES.get(event.action, (event.action, ""))
        if event.action in _EVENT_TITLES:
            title = _(title)
        title, tone = _retitle(event.action, str(event.data.get("from", ""))) or (title, tone)
        detail = str(
            event.data.get("comment") or event.data.get("err_msg") or event.data.get("note") or ""
        )
        if event.action == "push.sent" and event.data.get("push_id"):
            detail = _("push_id %(push_id)s") % {"push_id": event.data["push_id"]}
        entries.append(TimelineEntry(event.created_at, title, detail, event.actor_name, tone))
    for attempt in push.attempts.all():
        entries.append(
            TimelineEntry(
                attempt.started_at,
                f"{attempt.get_kind_display()}",
                attempt.err_msg,
                "",
                _ATTEMPT_TONES.get(attempt.outcome, ""),
                attempt,
            )
        )
    return sorted(entries, key=lambda e: e.at)


def _retitle(action: str, frm: str) -> tuple[str, str] | None:
    """Some transitions mean something else depending on where they came from."""
    if action == "push.approved" and frm == "in_doubt":
        return _("Resend decided"), "warn"
    if (action == "push.approved" and frm in {"sending", "uploading"}) or (
        action == "push.uploaded" and frm == "sending"
    ):
        return _("Temporary gateway error: will retry"), "warn"
    return None
