"""Reads that are more than one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from pushes.models import App, AuditEvent, Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def app_list_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[App]:
    apps = App.objects.annotate(member_count=Count("memberships", distinct=True))
    if getattr(user, "is_staff", False):
        return apps.order_by("name")
    return apps.filter(memberships__user_id=user.pk).order_by("name")


def roles_by_app(*, user: AbstractBaseUser | AnonymousUser) -> dict[int, str]:
    return dict(Membership.objects.filter(user_id=user.pk).values_list("app_id", "role"))


def membership_list(*, app: App) -> QuerySet[Membership]:
    return app.memberships.select_related("user").order_by("user__username")


def audit_list_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("app").order_by("-id")
    if getattr(user, "is_staff", False):
        return events
    admin_of = Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).values("app_id")
    return events.filter(Q(app_id__in=admin_of))


def is_admin_somewhere(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    return Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).exists()
