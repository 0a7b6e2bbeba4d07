"""The audit log and a person's notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.access import signed_in
from pushes import selectors, services


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff and not selectors.is_admin_somewhere(user=signed_in(request)):
        raise PermissionDenied
    events = selectors.audit_list_for_user(user=signed_in(request))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "console/activity/audit_list.html", {"page": page})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notifications_for_user(user=signed_in(request))
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    unread = [n.id for n in page.object_list if n.read_at is None]
    context = {"page": page, "unread": set(unread)}
    response = render(request, "console/activity/notification_list.html", context)
    services.notifications_mark_read(user=signed_in(request), ids=unread)
    return response
