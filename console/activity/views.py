"""The audit log and a person's notifications."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from console.access import signed_in
from console.activity.export import audit_csv
from console.activity.forms import AuditFilterForm
from console.paging import BoundedPaginator
from pushes import permissions, selectors, services

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.audit import ChainCheck
    from pushes.selectors import Target

PER_PAGE = 50

# The page of each kind of object an event can link to.
_TARGET_ROUTES = {
    "push": "console:push-detail",
    "app": "console:app-detail",
    "package": "console:package-detail",
    "plan": "console:plan-detail",
}


def _require_reader(user: User) -> None:
    """Staff, and admins of an app (they see their apps' events)."""
    if not permissions.is_staff(user) and not selectors.is_admin_somewhere(user=user):
        raise PermissionDenied


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    _require_reader(user)
    form, filters = _filters(request, user)
    events = selectors.audit_list_for_user(user=user, **filters)
    page = BoundedPaginator(events, PER_PAGE).get_page(request.GET.get("page"))
    entries = selectors.audit_entries(list(page.object_list))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(entry, _url(entry.target), _pretty(entry.data)) for entry in entries],
        "query": params.urlencode(),
        "filtered": any(filters.values()),
        "may_verify": permissions.is_staff(user),
    }
    return render(request, "console/activity/audit_list.html", context)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The log as filtered, as a CSV file written while it is read: any number of events."""
    user = signed_in(request)
    _require_reader(user)
    _form, filters = _filters(request, user)
    events = selectors.audit_list_for_user(user=user, **filters)
    response = StreamingHttpResponse(
        audit_csv(
            events,
            language=translation.get_language(),
            zone=timezone.get_current_timezone(),
        ),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Check the whole hash chain (staff only: it holds every app's events) and say so."""
    check = services.audit_chain_verify(by=signed_in(request))
    if check.intact:
        messages.success(request, _chain_message(check))
    else:
        messages.error(request, _chain_message(check))
    return redirect("console:audit-list")


def _chain_message(check: ChainCheck) -> str:
    if check.intact:
        return ngettext(
            "The chain is intact: %(count)s event checked.",
            "The chain is intact: %(count)s events checked.",
            check.checked,
        ) % {"count": number_format(check.checked, force_grouping=True)}
    assert check.broken_at_time is not None
    names = {
        "id": check.broken_at,
        "time": timezone.localtime(check.broken_at_time).strftime("%Y-%m-%d %H:%M:%S"),
        "previous": check.previous_id,
    }
    if check.problem == "hash":
        return (
            _("The chain breaks at event #%(id)s (%(time)s): its hash does not match its content.")
            % names
        )
    if check.previous_id is None:
        return (
            _(
                "The chain breaks at event #%(id)s (%(time)s): it is the first event, but its "
                "previous hash is not the start of the chain."
            )
            % names
        )
    return (
        _(
            "The chain breaks at event #%(id)s (%(time)s): its previous hash does not match "
            "event #%(previous)s."
        )
        % names
    )


def _filters(request: HttpRequest, user: User) -> tuple[AuditFilterForm, dict[str, Any]]:
    """The filter form and its valid filters (none when nothing is asked)."""
    form = AuditFilterForm(
        request.GET or None,
        apps=selectors.audit_visible_apps(user=user),
        actors=selectors.audit_actors_for_user(user=user),
        actions=selectors.audit_action_choices(),
    )
    return form, form.filters() if form.is_bound else {}


def _pretty(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _url(target: Target | None) -> str:
    if target is None:
        return ""
    if target.kind == "user":
        return reverse("console:user-detail", kwargs={"user_id": target.code})
    if target.app_code is None:
        return reverse(_TARGET_ROUTES[target.kind], kwargs={"code": target.code})
    return reverse(
        _TARGET_ROUTES[target.kind],
        kwargs={"code": target.app_code, target.kind: target.code},
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notifications_for_user(user=signed_in(request))
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    unread = [n.id for n in page.object_list if n.read_at is None]
    context = {"page": page, "unread": set(unread)}
    response = render(request, "console/activity/notification_list.html", context)
    services.notifications_mark_read(user=signed_in(request), ids=unread)
    return response
