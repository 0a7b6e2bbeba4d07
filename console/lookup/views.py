"""Account lookup (TPNS's troubleshooting tool): an account's devices and the pushes that
targeted it, or the accounts bound to a token; each token's pushes today on request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.access import get_app_for_user, signed_in
from console.lookup.forms import AccountLookupForm, TokenLookupForm
from pushes import services
from pushes.models import account_type_label
from pushes.permissions import LOOKERS_UP

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import User
    from django.http import HttpRequest, HttpResponse

    from pushes.models import App

TOKENS_PER_PAGE = 10  # as TPNS's troubleshooting tool pages them
PUSHES_PER_PAGE = 20


@login_required
@require_GET
def account_lookup(request: HttpRequest, code: UUID) -> HttpResponse:
    app, _role = get_app_for_user(request, code, roles=LOOKERS_UP)
    by = signed_in(request)
    by_account = "account" in request.GET
    account_form = AccountLookupForm(
        request.GET if by_account else None,
        initial={"account_type": app.default_account_type},
    )
    token_form = TokenLookupForm(request.GET if "token" in request.GET and not by_account else None)
    context: dict[str, Any] = {
        "app": app,
        "account_form": account_form,
        "token_form": token_form,
        "nav_section": "app-lookup",
    }
    if account_form.is_bound and account_form.is_valid():
        context.update(_by_account(request, app, by, account_form.cleaned_data))
    elif token_form.is_bound and token_form.is_valid():
        context.update(_by_token(app, by, token_form.cleaned_data["token"]))
    invalid = (account_form.is_bound and account_form.errors) or (
        token_form.is_bound and token_form.errors
    )
    return render(
        request, "console/lookup/account_lookup.html", context, status=400 if invalid else 200
    )


def _by_account(
    request: HttpRequest, app: App, by: User, cleaned: dict[str, Any]
) -> dict[str, Any]:
    account, account_type = cleaned["account"], cleaned["account_type"]
    devices = services.account_devices(app=app, by=by, account=account, account_type=account_type)
    tokens = Paginator(devices.tokens, TOKENS_PER_PAGE).get_page(request.GET.get("tokens_page"))
    today_token = request.GET.get("today", "")
    today = None
    if today_token and today_token in tokens.object_list:
        today = services.token_pushes_today(app=app, by=by, token=today_token)
    found = services.pushes_to_account(app=app, by=by, account=account)
    pushes = Paginator(found.pushes, PUSHES_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({"account": devices.account, "account_type": account_type})
    return {
        "devices": devices,
        "account_type_label": account_type_label(account_type),
        "tokens": tokens,
        "token_offset": tokens.start_index() - 1 if devices.tokens else 0,
        "today": today,
        "pushes": pushes,
        "packages": found.packages,
        # Each list pages on its own, keeping the other list's page.
        "tokens_query": f"{query}&page={pushes.number}",
        "pushes_query": f"{query}&tokens_page={tokens.number}",
        "today_query": f"{query}&tokens_page={tokens.number}&page={pushes.number}",
    }


def _by_token(app: App, by: User, token: str) -> dict[str, Any]:
    bound = services.token_accounts(app=app, by=by, token=token)
    return {
        "bound": bound,
        "bound_accounts": [
            {
                "account": ref.account,
                "account_type": ref.account_type,
                "label": account_type_label(ref.account_type)
                if ref.account_type is not None
                else "",
                "query": urlencode(
                    {
                        "account": ref.account,
                        "account_type": app.default_account_type
                        if ref.account_type is None
                        else ref.account_type,
                    }
                ),
            }
            for ref in bound.accounts
        ],
        "today": services.token_pushes_today(app=app, by=by, token=token),
    }
