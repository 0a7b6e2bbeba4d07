"""One access rule for every page: 404 if not a member of the app, 403 if the role can't."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from pushes import permissions
from pushes.models import App, Push
from pushes.permissions import ADMINS, AUTHORS, REVIEWERS

if TYPE_CHECKING:
    from collections.abc import Iterable
    from uuid import UUID

    from django.contrib.auth.models import User
    from django.http import HttpRequest

__all__ = ["ADMINS", "AUTHORS", "REVIEWERS"]


def get_app_for_user(
    request: HttpRequest, code: UUID, *, roles: Iterable[str] | None = None
) -> tuple[App, str]:
    app = get_object_or_404(App, code=code)
    role = app.role_of(request.user)
    if role is None:
        raise Http404("No such app")
    if roles is not None and role not in roles:
        raise PermissionDenied
    return app, role


def get_push_for_user(
    request: HttpRequest, code: UUID, *, roles: Iterable[str] | None = None
) -> Push:
    """The push, if the user is a member of its app (404) with one of `roles` (403)."""
    push = get_object_or_404(Push.objects.select_related("app", "package", "created_by"), code=code)
    role = push.app.role_of(request.user)
    if role is None:
        raise Http404("No such push")
    if roles is not None and role not in roles:
        raise PermissionDenied
    return push


def get_push_for_author(request: HttpRequest, code: UUID) -> Push:
    push = get_push_for_user(request, code)
    if not permissions.is_author(push, request.user):
        raise PermissionDenied
    return push


def get_push_for_canceller(request: HttpRequest, code: UUID) -> Push:
    """Whoever may cancel it (pushes/permissions.py: its author or an admin of the app)."""
    push = get_push_for_user(request, code)
    if not permissions.may_cancel(push, request.user):
        raise PermissionDenied
    return push


def signed_in(request: HttpRequest) -> User:
    """The request's user, where login_required has already turned anonymous users away."""
    return cast("User", request.user)


def require_staff(request: HttpRequest) -> None:
    if not permissions.is_staff(request.user):
        raise PermissionDenied
