"""Telling people what happened to a push: a notice in the console, and e-mail when on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from pushes.models import Notification
from pushes.services.queue import EMAIL_NOTIFICATIONS, enqueue_on_commit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User

    from pushes.models import Push


def notify(*, user_ids: Iterable[int], push: Push, message: str) -> list[Notification]:
    notices = Notification.objects.bulk_create(
        [Notification(user_id=uid, push=push, message=message[:300]) for uid in set(user_ids)]
    )
    if notices and settings.NOTIFY_BY_EMAIL:
        enqueue_on_commit(EMAIL_NOTIFICATIONS, [n.id for n in notices if n.id is not None] or [])
    return notices


def notify_roles(push: Push, *, roles: tuple[str, ...], exclude: User, message: str) -> None:
    """Every member of the push's app with one of `roles`, but `exclude`."""
    members = push.app.memberships.filter(role__in=roles).exclude(user_id=exclude.pk)
    notify(user_ids=members.values_list("user_id", flat=True), push=push, message=message)


def notify_author(push: Push, message: str) -> None:
    notify(user_ids=[push.created_by_id], push=push, message=message)


def email(notification_ids: list[int]) -> int:
    from django.core.mail import send_mail

    sent = 0
    for notice in Notification.objects.filter(id__in=notification_ids).select_related(
        "user", "push", "push__app"
    ):
        if not notice.user.email:
            continue
        sent += send_mail(
            subject=f"[Pushdeck] {notice.push.app.name}: {notice.push}",
            message=f"{notice.message}\n\n{settings.PUSHDECK_BASE_URL}/pushes/{notice.push.code}/",
            from_email=None,
            recipient_list=[notice.user.email],
            fail_silently=False,
        )
    return sent
