"""Console pages: parse, check access, call pushes services or selectors, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from console.access import (
    ADMINS,
    AUTHORS,
    REVIEWERS,
    get_app_for_user,
    require_staff,
    signed_in,
)
from console.forms import AppForm, MemberForm
from pushes import selectors, services
from pushes.models import App, Membership
from pushes.services import pending_test_accounts_change

if TYPE_CHECKING:
    from uuid import UUID


@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    apps = selectors.app_list_for_user(user=signed_in(request))
    roles = selectors.roles_by_app(user=signed_in(request))
    rows = [(app, roles.get(app.id, "admin" if request.user.is_staff else "")) for app in apps]
    return render(request, "console/app_list.html", {"rows": rows})


@sensitive_post_parameters("secret_key")
@login_required
def app_create(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    form = AppForm(request.POST or None)
    form.fields["secret_key"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            app = services.app_create(by=signed_in(request), **form.cleaned_data)
        except ValidationError as exc:
            _add_model_errors(form, exc)
        else:
            messages.success(request, f"App “{app.name}” created. Add its members below.")
            return redirect("console:app-detail", code=app.code)
    return render(request, "console/app_form.html", {"form": form, "app": None})


@login_required
def app_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code)
    context = {
        "app": app,
        "role": role,
        "is_admin": role in ADMINS,
        "can_author": role in AUTHORS,
        "can_review": role in REVIEWERS,
        "test_accounts_pending": pending_test_accounts_change(app=app) is not None,
        "members": selectors.membership_list(app=app) if role in ADMINS else [],
        "member_form": MemberForm(),
    }
    return render(request, "console/app_detail.html", context)


@sensitive_post_parameters("secret_key")
@login_required
def app_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=ADMINS)
    # The form edits a copy, so the service can compare old and new values.
    form = AppForm(
        request.POST or None,
        instance=App.objects.get(pk=app.pk),
        can_move=signed_in(request).is_staff,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        secret_key = data.pop("secret_key") or None
        try:
            services.app_update(app=app, by=signed_in(request), secret_key=secret_key, **data)
        except ValidationError as exc:
            _add_model_errors(form, exc)
        else:
            messages.success(request, "App settings saved.")
            return redirect("console:app-detail", code=app.code)
    return render(request, "console/app_form.html", {"form": form, "app": app})


@login_required
@require_POST
def app_pause(request: HttpRequest, code: UUID) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=ADMINS)
    paused = request.POST.get("paused") == "1"
    services.app_set_paused(app=app, by=signed_in(request), paused=paused)
    if paused:
        messages.warning(request, f"“{app.name}” is paused: none of its pushes will be sent.")
    else:
        messages.success(request, f"“{app.name}” resumed: queued pushes will be sent.")
    return redirect("console:app-detail", code=app.code)


@login_required
@require_POST
def member_set(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code, roles=ADMINS)
    form = MemberForm(request.POST)
    if form.is_valid():
        user = form.cleaned_data["username"]
        services.membership_set(
            app=app, by=signed_in(request), user=user, role=form.cleaned_data["role"]
        )
        messages.success(
            request, f"{user.get_username()} is now {form.cleaned_data['role']} of {app.name}."
        )
        return redirect("console:app-detail", code=app.code)
    context = {
        "app": app,
        "role": role,
        "is_admin": True,
        "can_author": True,
        "members": selectors.membership_list(app=app),
        "member_form": form,
    }
    return render(request, "console/app_detail.html", context, status=400)


@login_required
@require_POST
def member_remove(request: HttpRequest, code: UUID, member_id: int) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=ADMINS)
    membership = get_object_or_404(Membership, id=member_id, app=app)
    try:
        services.membership_remove(membership=membership, by=signed_in(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user.get_username()} removed from {app.name}.")
    return redirect("console:app-detail", code=app.code)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff and not selectors.is_admin_somewhere(user=signed_in(request)):
        raise PermissionDenied
    events = selectors.audit_list_for_user(user=signed_in(request))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "console/audit_list.html", {"page": page})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notifications_for_user(user=signed_in(request))
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    unread = [n.id for n in page.object_list if n.read_at is None]
    context = {"page": page, "unread": set(unread)}
    response = render(request, "console/notification_list.html", context)
    services.notifications_mark_read(user=signed_in(request), ids=unread)
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def _add_model_errors(form: AppForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
