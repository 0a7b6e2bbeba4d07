"""Create Push flow, pushes list and push record pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from console.access import AUTHORS, get_app_for_user

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse


@login_required
def push_create(request: HttpRequest, code: UUID) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=AUTHORS)
    return render(request, "console/push_create.html", {"app": app})


@login_required
def push_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/push_list.html", {})


urlpatterns = [
    path("apps/<uuid:code>/push/new/", push_create, name="push-create"),
    path("pushes/", push_list, name="push-list"),
]
