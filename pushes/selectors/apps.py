"""Reads of apps, members, the audit log and notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from pushes import permissions
from pushes.models import (
    App,
    AuditEvent,
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


def audit_list_for_user(*, user: User) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("app").order_by("-id")
    if permissions.is_staff(user):
        return events
    admin_of = Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).values("app_id")
    return events.filter(Q(app_id__in=admin_of))


def is_admin_somewhere(*, user: User) -> bool:
    return Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).exists()


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk).select_related("push", "push__app")
