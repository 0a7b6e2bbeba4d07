"""Reads of apps, members and notifications (the audit log: pushes.selectors.audit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from pushes import permissions
from pushes.models import (
    App,
    Membership,
    Notification,
    Role,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def app_list_for_user(*, user: User) -> QuerySet[App]:
    apps = App.objects.annotate(member_count=Count("memberships", distinct=True))
    if permissions.is_staff(user):
        return apps.order_by("name")
    return apps.filter(memberships__user_id=user.pk).order_by("name")


def roles_by_app(*, user: User) -> dict[int, str]:
    return dict(Membership.objects.filter(user_id=user.pk).values_list("app_id", "role"))


def membership_list(*, app: App) -> QuerySet[Membership]:
    return app.memberships.select_related("user").order_by("user__username")


def is_admin_somewhere(*, user: User) -> bool:
    return Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).exists()


def can_review_somewhere(*, user: User) -> bool:
    """Whether the user reviews pushes of any app: staff, or a reviewer or admin of one."""
    if permissions.is_staff(user):
        return True
    return Membership.objects.filter(user_id=user.pk, role__in=permissions.REVIEWERS).exists()


@dataclass(frozen=True)
class NavRights:
    """Which of the menu's role-bound pages the user can use: one query for both."""

    review: bool  # the review queue: staff, or a reviewer or admin of an app
    audit: bool  # the audit log: staff, or an admin of an app


def nav_rights(*, user: User) -> NavRights:
    if permissions.is_staff(user):
        return NavRights(review=True, audit=True)
    roles = set(Membership.objects.filter(user_id=user.pk).values_list("role", flat=True))
    return NavRights(
        review=bool(roles & set(permissions.REVIEWERS)),
        audit=bool(roles & set(permissions.ADMINS)),
    )


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk).select_related("push", "push__app")
