"""Who may do what, in one place. Services enforce these rules (raising `NotAllowed`); views
use the same predicates to show only the actions a person may take, and translate refusals
into 404 (not a member of the app) or 403 (a member whose role cannot).

Roles are per app: admins do everything on their app, marketers author pushes, reviewers
approve them. Staff administrators act as admins of every app and alone create apps or move
one to another gateway or AccessID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from pushes.errors import NotAllowed
from pushes.models import App, Approval, Push, Role

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import QuerySet

    Person = AbstractBaseUser | AnonymousUser

ADMINS: tuple[str, ...] = (Role.ADMIN,)
AUTHORS: tuple[str, ...] = (Role.ADMIN, Role.MARKETER)
REVIEWERS: tuple[str, ...] = (Role.ADMIN, Role.REVIEWER)


def is_staff(user: Person) -> bool:
    return bool(getattr(user, "is_staff", False)) and user.is_authenticated


def role_on(app: App, user: Person) -> str | None:
    """The user's role on the app (staff: admin), or None when not a member."""
    return app.role_of(user)


def has_role(app: App, user: Person, roles: Iterable[str]) -> bool:
    role = role_on(app, user)
    return role is not None and role in roles


def require(allowed: bool, reason: str) -> None:
    if not allowed:
        raise NotAllowed(reason)


def require_role(app: App, user: Person, roles: Iterable[str], reason: str = "") -> None:
    require(has_role(app, user, roles), reason or _("Your role on this app does not allow this."))


LOOKERS_UP: tuple[str, ...] = (Role.ADMIN, Role.MARKETER, Role.REVIEWER)


def can_look_up_accounts(app: App, user: Person) -> bool:
    """The account lookup (an account's devices and the pushes that targeted it) is for
    every role of the app: marketers, reviewers and admins all troubleshoot delivery."""
    return has_role(app, user, LOOKERS_UP)


def visible_apps(user: Person) -> QuerySet[App]:
    """The apps a user sees: every app for staff, else the apps they are a member of."""
    if is_staff(user):
        return App.objects.all()
    if not user.is_authenticated:
        return App.objects.none()
    return App.objects.filter(memberships__user_id=int(user.pk))


# ---------------------------------------------------------------- pushes


_LOOK_UP = "look up"


def is_author(push: Push, user: Person, *, role: str | None = _LOOK_UP) -> bool:
    """Only the author edits and submits a push, while still allowed to author on its app:
    a second person who changed it could otherwise approve what they wrote. Pass `role`
    when it is known already (lists), to spare a query per push."""
    if role == _LOOK_UP:
        role = role_on(push.app, user)
    return push.created_by_id == user.pk and role in AUTHORS


def can_edit(push: Push, user: Person, *, role: str | None = _LOOK_UP) -> bool:
    return is_author(push, user, role=role) and push.is_editable and not push.is_test


def can_submit(push: Push, user: Person) -> bool:
    submittable = push.status in {Push.Status.DRAFT, Push.Status.REJECTED}
    return is_author(push, user) and submittable and not push.is_test


def is_cancellable(push: Push) -> bool:
    """Before it is sent; or a package push TPNS holds for its scheduled time."""
    held_by_gateway = (
        push.status == Push.Status.SENT
        and push.target == Push.Target.PACKAGE
        and push.send_time is not None
        and push.send_time > timezone.now()
    )
    return push.status in Push.CANCELLABLE or held_by_gateway


def may_cancel(push: Push, user: Person) -> bool:
    """Whoever may cancel a push at all: its author or an admin of its app."""
    return is_author(push, user) or has_role(push.app, user, ADMINS)


def can_cancel(push: Push, user: Person) -> bool:
    return may_cancel(push, user) and is_cancellable(push)


def can_review(push: Push, user: Person) -> bool:
    """Reviewers and admins of the app, never the push's own author."""
    return has_role(push.app, user, REVIEWERS) and push.created_by_id != user.pk


def approvals_required(push: Push) -> int:
    """An app may ask for two approvals of pushes to more accounts than its threshold."""
    limit = push.app.two_approvals_above
    return 2 if limit is not None and push.total_count > limit else 1


def has_approved(push: Push, user: Person) -> bool:
    """Whether the user approved the push's current submission (a resubmission starts over)."""
    if not user.is_authenticated:
        return False
    current = push.revisions.order_by("-number").values("id")[:1]
    return Approval.objects.filter(revision_id__in=current, reviewer_id=user.pk).exists()


def can_resolve(push: Push, user: Person) -> bool:
    """Deciding an in-doubt push (mark as sent, resend) is for admins of the app."""
    return has_role(push.app, user, ADMINS)


@dataclass(frozen=True)
class PushActions:
    """What a person may do with a push now: the record page shows exactly these."""

    can_edit: bool
    can_submit: bool
    can_cancel: bool
    can_review: bool
    can_resolve: bool


def push_actions(push: Push, user: Person) -> PushActions:
    return PushActions(
        can_edit=can_edit(push, user),
        can_submit=can_submit(push, user),
        can_cancel=can_cancel(push, user),
        can_review=has_role(push.app, user, REVIEWERS)
        and push.status == Push.Status.PENDING_REVIEW
        and not has_approved(push, user),
        can_resolve=can_resolve(push, user),
    )
