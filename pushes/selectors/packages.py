"""Reads of account packages for the console."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch

from pushes.models import AccountPackage, Push

if TYPE_CHECKING:
    from uuid import UUID

    from django.db.models import QuerySet

    from pushes.models import App


def package_list_for_app(*, app: App) -> QuerySet[AccountPackage]:
    """Every package of the app, newest first, with the pushes that used each one."""
    pushes = Push.objects.only("id", "code", "title", "status", "package_id").order_by(
        "-created_at"
    )
    return (
        app.packages.select_related("uploaded_by")
        .prefetch_related(Prefetch("pushes", queryset=pushes, to_attr="used_by"))
        .order_by("-created_at", "-id")
    )


def package_list_valid(*, app: App) -> QuerySet[AccountPackage]:
    """Packages a push can use: valid, uploaded by a person, file still stored."""
    return app.packages.filter(
        status=AccountPackage.Status.VALID, is_generated=False, file_deleted_at__isnull=True
    ).order_by("-created_at", "-id")


def package_get_for_app(*, app: App, code: UUID | str) -> AccountPackage | None:
    return (
        app.packages.select_related("uploaded_by", "app")
        .prefetch_related(
            Prefetch(
                "pushes",
                queryset=Push.objects.only("id", "code", "title", "status", "package_id"),
                to_attr="used_by",
            )
        )
        .filter(code=code)
        .first()
    )
