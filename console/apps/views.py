"""Apps and their members, and an app's test accounts.

Test accounts: an admin proposes a list, another admin or reviewer approves it. Test
pushes skip review, so the list that receives them has four eyes of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
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
from console.apps.forms import AppForm, MemberForm, TestAccountsForm
from pushes import selectors, services
from pushes.errors import PushdeckError
from pushes.models import App, Membership, Role, TestAccountsChange
from pushes.services import MAX_TEST_ACCOUNTS, pending_test_accounts_change

if TYPE_CHECKING:
    from uuid import UUID


@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    apps = selectors.app_list_for_user(user=signed_in(request))
    roles = selectors.roles_by_app(user=signed_in(request))
    rows = []
    for app in apps:
        role = roles.get(app.id, "admin" if request.user.is_staff else "")
        rows.append((app, role, _role_label(role)))
    return render(request, "console/apps/app_list.html", {"rows": rows})


def _role_label(role: str | None) -> str:
    """The role's name in the reader's language ("" for none)."""
    return str(Role(role).label) if role in Role.values else ""


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
            messages.success(
                request,
                gettext("App “%(name)s” created. Add its members below.") % {"name": app.name},
            )
            return redirect("console:app-detail", code=app.code)
    return render(request, "console/apps/app_form.html", {"form": form, "app": None})


@login_required
def app_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code)
    context = {
        "app": app,
        "role": role,
        "role_label": _role_label(role),
        "is_admin": role in ADMINS,
        "can_author": role in AUTHORS,
        "can_review": role in REVIEWERS,
        "test_accounts_pending": pending_test_accounts_change(app=app) is not None,
        "members": selectors.membership_list(app=app) if role in ADMINS else [],
        "member_form": MemberForm(app=app, by=signed_in(request)) if role in ADMINS else None,
        **_dashboard(request, app),
    }
    return render(request, "console/apps/app_detail.html", context)


def _dashboard(request: HttpRequest, app: App) -> dict[str, object]:
    """The app's dashboard over the window the page asks for (`?days=90`), else 30 days."""
    windows = selectors.DASHBOARD_WINDOWS
    asked = request.GET.get("days", "")
    days = int(asked) if asked in {str(n) for n in windows} else windows[0]
    dashboard = selectors.app_dashboard(app=app, days=days, tz=timezone.get_current_timezone())
    return {
        "dashboard": dashboard,
        "dashboard_chart": dashboard.chart() if dashboard.sent_anything else None,
        "dashboard_windows": windows,
    }


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
            messages.success(request, gettext("App settings saved."))
            return redirect("console:app-detail", code=app.code)
    return render(request, "console/apps/app_form.html", {"form": form, "app": app})


@login_required
@require_POST
def app_pause(request: HttpRequest, code: UUID) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=ADMINS)
    paused = request.POST.get("paused") == "1"
    services.app_set_paused(app=app, by=signed_in(request), paused=paused)
    if paused:
        messages.warning(
            request,
            gettext("“%(name)s” is paused: none of its pushes will be sent.") % {"name": app.name},
        )
    else:
        messages.success(
            request, gettext("“%(name)s” resumed: queued pushes will be sent.") % {"name": app.name}
        )
    return redirect("console:app-detail", code=app.code)


@login_required
@require_POST
def member_set(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code, roles=ADMINS)
    form = MemberForm(request.POST, app=app, by=signed_in(request))
    if form.is_valid():
        user = form.cleaned_data["username"]
        services.membership_set(
            app=app, by=signed_in(request), user=user, role=form.cleaned_data["role"]
        )
        messages.success(
            request,
            gettext("%(user)s is now %(role)s of %(app)s.")
            % {
                "user": user.get_username(),
                "role": _role_label(form.cleaned_data["role"]).lower(),
                "app": app.name,
            },
        )
        return redirect("console:app-detail", code=app.code)
    context = {
        "app": app,
        "role": role,
        "role_label": _role_label(role),
        "is_admin": True,
        "can_author": True,
        "members": selectors.membership_list(app=app),
        "member_form": form,
        **_dashboard(request, app),
    }
    return render(request, "console/apps/app_detail.html", context, status=400)


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
        messages.success(
            request,
            gettext("%(user)s removed from %(app)s.")
            % {"user": membership.user.get_username(), "app": app.name},
        )
    return redirect("console:app-detail", code=app.code)


def _add_model_errors(form: AppForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# Test accounts ----------------------------------------------------------------------


@login_required
def app_test_accounts(request: HttpRequest, code: UUID) -> HttpResponse:
    """Admins propose; admins and reviewers see the list, the proposal and its history."""
    app, role = get_app_for_user(request, code, roles=REVIEWERS)
    pending = pending_test_accounts_change(app=app)
    shown = pending.accounts if pending is not None else app.test_accounts
    form = TestAccountsForm(request.POST or None, initial={"test_accounts": "\n".join(shown)})
    if request.method == "POST":
        if role not in ADMINS:
            raise PermissionDenied
        if form.is_valid():
            try:
                change = services.app_test_accounts_propose(
                    app=app, by=signed_in(request), text=form.cleaned_data["test_accounts"]
                )
            except ValidationError as exc:
                form.add_error("test_accounts", exc.message_dict["test_accounts"])
            except PushdeckError as exc:
                messages.error(request, str(exc))
            else:
                if change is None:
                    messages.info(request, gettext("That is the current list: nothing to approve."))
                else:
                    messages.success(request, _proposed_message(len(change.accounts)))
                return redirect("console:app-test-accounts", code=app.code)
    context = {
        "app": app,
        "form": form,
        "pending": pending,
        "can_propose": role in ADMINS,
        "can_decide": pending is not None and pending.proposed_by_id != request.user.pk,
        "history": app.test_account_changes.select_related("proposed_by", "decided_by")[:10],
        "max_test_accounts": MAX_TEST_ACCOUNTS,
        "added": [a for a in shown if a not in app.test_accounts] if pending else [],
        "removed": [a for a in app.test_accounts if a not in shown] if pending else [],
    }
    return render(
        request, "console/apps/push_test_accounts.html", context, status=400 if form.errors else 200
    )


def _proposed_message(count: int) -> str:
    return ngettext(
        "Proposed %(count)d test account. It takes effect when another admin or reviewer of "
        "the app approves it.",
        "Proposed %(count)d test accounts. They take effect when another admin or reviewer "
        "of the app approves them.",
        count,
    ) % {"count": count}


@login_required
@require_POST
def app_test_accounts_decision(request: HttpRequest, code: UUID, change_id: int) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=REVIEWERS)
    change = get_object_or_404(TestAccountsChange, app=app, pk=change_id)
    decision = request.POST.get("decision", "")
    try:
        if decision == "withdraw":
            services.app_test_accounts_withdraw(change=change, by=signed_in(request))
            messages.success(request, gettext("Proposal withdrawn."))
        else:
            approve = decision == "approve"
            services.app_test_accounts_decide(
                change=change,
                by=signed_in(request),
                approve=approve,
                comment=request.POST.get("comment", ""),
            )
            messages.success(
                request,
                gettext("Approved: test pushes now go to this list.")
                if approve
                else gettext("Rejected."),
            )
    except PushdeckError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:app-test-accounts", code=app.code)
