"""Reads of people: the staff's Users list, and whom an app admin may pick as a member."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q

from pushes import permissions
from pushes.models import App, Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

USER_STATUSES = ("active", "inactive", "all")


def user_list(*, q: str = "", status: str = "active", staff_only: bool = False) -> QuerySet[User]:
    """Accounts by username, each with its memberships (and their apps) prefetched."""
    users = (
        get_user_model()
        ._default_manager.order_by("username")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("app").order_by("app__name"),
            )
        )
    )
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    if staff_only:
        users = users.filter(is_staff=True)
    q = q.strip()
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    return users


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("app").order_by("app__name")


def member_suggestions(*, app: App, by: User) -> list[str]:
    """Usernames an admin of `app` may pick when adding a member, not members already.

    Staff see every active account. An app admin sees the people of the apps they
    administer, whose member lists they see anyway: the form tells nobody else which
    usernames exist.
    """
    users = get_user_model()._default_manager.filter(is_active=True)
    if not permissions.is_staff(by):
        admin_of = Membership.objects.filter(user_id=by.pk, role=Role.ADMIN).values("app_id")
        users = users.filter(memberships__app_id__in=admin_of)
    users = users.exclude(memberships__app=app)
    return list(users.order_by("username").values_list("username", flat=True).distinct())
