"""Reads of the audit log: the events a person may see, filtered, each told in words.

`audit_entries` turns a page (or a chunk of an export) of events into `AuditEntry` read
models with a fixed number of queries, whatever the page holds: the sentences come from the
describers of `pushes.selectors.audit_actions`, the links from one lookup per kind of object.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes import permissions
from pushes.models import AccountPackage, App, AuditEvent, Membership, Plan, Push, Role
from pushes.selectors.audit_actions import ACTIONS, GROUPS, Said, describe, label

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date
    from uuid import UUID

    from django.contrib.auth.models import User

# The actor filter's value for events of Pushdeck itself (no username can hold "~"), and
# the name those events show.
SYSTEM = "~system"
SYSTEM_NAME = "Pushdeck"
# The action filter's value for a whole group: "group:<key>".
GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class Target:
    """The page of an event's object: `kind` is push, package, plan, app or user; `code` is
    the object's code (a user's id), `app_code` its app's (packages and plans live under
    their app)."""

    kind: str
    code: UUID | int
    app_code: UUID | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str  # the username when it was recorded; "" for Pushdeck itself
    action: str
    label: str
    group: str
    sentence: str
    target: Target | None
    app: str
    data: dict[str, Any]
    object_type: str
    object_id: str
    object_repr: str


def audit_visible_apps(*, user: User) -> QuerySet[App]:
    """The apps whose events the user may read: every app for staff, else those they admin."""
    if permissions.is_staff(user):
        return App.objects.order_by("name")
    admin_of = Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).values("app_id")
    return App.objects.filter(id__in=admin_of).order_by("name")


def audit_list_for_user(
    *,
    user: User,
    app: App | None = None,
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The events the user may see, newest first: staff see all, an admin those of the
    apps they admin (never an event without an app, nor one of another app), filtered.

    `actor` is a username as recorded, or `SYSTEM`; `action` an action or `group:<key>`;
    the dates are days in the active time zone, both included.
    """
    events = AuditEvent.objects.select_related("app").order_by("-id")
    if not permissions.is_staff(user):
        admin_of = Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).values("app_id")
        events = events.filter(app_id__in=admin_of)
    if app is not None:
        events = events.filter(app_id=app.pk)
    if actor:
        events = events.filter(actor_name="" if actor == SYSTEM else actor)
    if action:
        events = events.filter(action__in=actions_in(action))
    if date_from is not None:
        events = events.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        events = events.filter(created_at__lt=_start_of(date_to + timedelta(days=1)))
    return events


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def actions_in(choice: str) -> list[str]:
    """The actions an action filter value stands for."""
    if choice.startswith(GROUP_PREFIX):
        group = choice.removeprefix(GROUP_PREFIX)
        return [kind.action for kind in ACTIONS.values() if kind.group == group]
    return [choice]


def audit_action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's choices, grouped: each group first as a whole, then its actions."""
    choices = []
    for key, name in GROUPS.items():
        kinds = sorted((k for k in ACTIONS.values() if k.group == key), key=lambda k: _(k.label))
        options = [(f"{GROUP_PREFIX}{key}", _("Any of “%(group)s”") % {"group": _(name)})]
        options += [(kind.action, _(kind.label)) for kind in kinds]
        choices.append((_(name), options))
    return choices


def audit_actors_for_user(*, user: User) -> list[tuple[str, str]]:
    """Who appears in the events the user may see: (filter value, name), Pushdeck first.

    Asked per person (an index probe each) rather than by reading every visible event for
    their distinct names; people since deleted are found among the events without an actor.
    """
    visible = audit_list_for_user(user=user).order_by()
    people = (
        get_user_model()
        ._default_manager.filter(Exists(visible.filter(actor_id=OuterRef("pk"))))
        .values_list("username", flat=True)
    )
    gone = (
        visible.filter(actor__isnull=True)
        .exclude(actor_name="")
        .values_list("actor_name", flat=True)
        .distinct()
    )
    names = sorted({*people, *gone})
    return [(SYSTEM, SYSTEM_NAME), *((name, name) for name in names)]


def audit_entries(events: Sequence[AuditEvent]) -> list[AuditEntry]:
    """The events in words, in the order given: six queries at most, however many."""
    targets = _targets(events)
    approvals = _approval_numbers(events)
    return [_entry(event, targets.get(event.pk), approvals.get(event.pk)) for event in events]


def _entry(
    event: AuditEvent, target: Target | None, approval: tuple[int, int] | None
) -> AuditEntry:
    app_name = event.app.name if event.app is not None else ""
    said = Said(
        event=event,
        actor=event.actor_name or SYSTEM_NAME,
        name=event.object_repr,
        app=app_name or event.object_repr,
        data=event.data if isinstance(event.data, dict) else {"value": event.data},
        approval=approval,
    )
    kind = ACTIONS.get(event.action)
    return AuditEntry(
        id=event.pk,
        at=event.created_at,
        actor=event.actor_name,
        action=event.action,
        label=label(event.action),
        group=kind.group if kind is not None else "",
        sentence=describe(said),
        target=target,
        app=app_name,
        data=said.data,
        object_type=event.object_type,
        object_id=event.object_id,
        object_repr=event.object_repr,
    )


def _ids(events: Iterable[AuditEvent], object_type: str) -> set[int]:
    return {
        int(e.object_id) for e in events if e.object_type == object_type and e.object_id.isdigit()
    }


def _targets(events: Sequence[AuditEvent]) -> dict[int, Target]:
    """The page of each event's object that still exists: one query per kind of object."""
    found: dict[tuple[str, str], Target] = {}
    pushes = Push.objects.filter(id__in=_ids(events, "pushes.push")).values_list("id", "code")
    found |= {("pushes.push", str(i)): Target("push", code) for i, code in pushes}
    packages = AccountPackage.objects.filter(id__in=_ids(events, "pushes.accountpackage"))
    for i, code, app_code in packages.values_list("id", "code", "app__code"):
        found[("pushes.accountpackage", str(i))] = Target("package", code, app_code)
    plans = Plan.objects.filter(id__in=_ids(events, "pushes.plan"))
    for i, code, app_code in plans.values_list("id", "code", "app__code"):
        found[("pushes.plan", str(i))] = Target("plan", code, app_code)
    users = get_user_model()._default_manager.filter(id__in=_ids(_user_events(events), "auth.user"))
    found |= {("auth.user", str(i)): Target("user", i) for i in users.values_list("id", flat=True)}
    targets = {}
    for event in events:
        if event.object_type == "auth.user" and not event.action.startswith("user."):
            continue  # a person as the subject of something else (the chain check)
        target = found.get((event.object_type, event.object_id))
        if target is None and event.app is not None and event.object_type in _APP_PAGES:
            target = Target("app", event.app.code)
        if target is not None:
            targets[event.pk] = target
    return targets


def _user_events(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    return [e for e in events if e.action.startswith("user.")]


# Objects shown on their app's page.
_APP_PAGES = {"pushes.app", "pushes.membership", "pushes.testaccountschange"}


def _approval_numbers(events: Sequence[AuditEvent]) -> dict[int, tuple[int, int]]:
    """For each approval on the page: which approval of its submission it was, of how many.

    Counted from the chain itself: a submission starts the count again. How many were
    needed follows the app's threshold for the accounts of that submission.
    """
    approvals = [e for e in events if e.action == "push.approval_added"]
    if not approvals:
        return {}
    push_ids = {e.object_id for e in approvals}
    history = AuditEvent.objects.filter(
        object_type="pushes.push",
        object_id__in=push_ids,
        action__in=["push.submitted", "push.approval_added"],
        id__lte=max(e.pk for e in approvals),
    ).order_by("id")
    limits = dict(
        Push.objects.filter(id__in=_ids(approvals, "pushes.push")).values_list(
            "id", "app__two_approvals_above"
        )
    )
    counted: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = {}
    numbers = {}
    for event_id, push_id, action, data in history.values_list("id", "object_id", "action", "data"):
        data = data if isinstance(data, dict) else {}
        if action == "push.submitted":
            counted[push_id], totals[push_id] = 0, int(data.get("total_count") or 0)
            continue
        counted[push_id] += 1
        needed = _needed(limits.get(int(push_id)), totals.get(push_id, 0))
        numbers[event_id] = (counted[push_id], max(needed, counted[push_id]))
    return numbers


def _needed(limit: int | None, total: int) -> int:
    return 2 if limit is not None and total > limit else 1
