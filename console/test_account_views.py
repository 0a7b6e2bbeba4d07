"""An app's test accounts: an admin proposes a list, another admin or reviewer approves it.

Test pushes skip review, so the list that receives them has four eyes of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from console.access import ADMINS, REVIEWERS, get_app_for_user, signed_in
from console.push_forms import TestAccountsForm
from pushes import services
from pushes.errors import PushdeckError
from pushes.models import TestAccountsChange
from pushes.services import MAX_TEST_ACCOUNTS, pending_test_accounts_change

if TYPE_CHECKING:
    from uuid import UUID

    from django.http import HttpRequest, HttpResponse


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
                    messages.info(request, "That is the current list: nothing to approve.")
                else:
                    messages.success(
                        request,
                        f"Proposed {len(change.accounts)} test account(s). They take effect when "
                        "another admin or reviewer of the app approves them.",
                    )
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
        request, "console/push_test_accounts.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def app_test_accounts_decision(request: HttpRequest, code: UUID, change_id: int) -> HttpResponse:
    app, _ = get_app_for_user(request, code, roles=REVIEWERS)
    change = get_object_or_404(TestAccountsChange, app=app, pk=change_id)
    decision = request.POST.get("decision", "")
    try:
        if decision == "withdraw":
            services.app_test_accounts_withdraw(change=change, by=signed_in(request))
            messages.success(request, "Proposal withdrawn.")
        else:
            approve = decision == "approve"
            services.app_test_accounts_decide(
                change=change,
                by=signed_in(request),
                approve=approve,
                comment=request.POST.get("comment", ""),
            )
            messages.success(
                request, "Approved: test pushes now go to this list." if approve else "Rejected."
            )
    except PushdeckError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:app-test-accounts", code=app.code)


urlpatterns = [
    path("apps/<uuid:code>/test-accounts/", app_test_accounts, name="app-test-accounts"),
    path(
        "apps/<uuid:code>/test-accounts/<int:change_id>/decide/",
        app_test_accounts_decision,
        name="app-test-accounts-decide",
    ),
]
