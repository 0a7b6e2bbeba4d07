"""Push plans: the app's plans with their summed results, one plan's pushes and funnel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.access import AUTHORS, get_app_for_user, signed_in
from console.plans.forms import PlanForm
from pushes import selectors
from pushes.errors import Invalid, WrongState
from pushes.services import plan_ask_gateway, plan_create

if TYPE_CHECKING:
    from uuid import UUID


@login_required
def plan_list(request: HttpRequest, code: UUID) -> HttpResponse:
    app, role = get_app_for_user(request, code)
    can_author = role in AUTHORS
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        if not can_author:
            get_app_for_user(request, code, roles=AUTHORS)  # 403
        if form.is_valid():
            try:
                plan = plan_create(app=app, by=signed_in(request), **form.cleaned_data)
            except Invalid as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Plan “%(name)s” created; it is being registered with the gateway.")
                    % {"name": plan.name},
                )
                return redirect("console:plan-list", code=app.code)
    context = {
        "app": app,
        "can_author": can_author,
        "form": form,
        "plans": selectors.plans_for_app(app),
        "nav_section": "app-plans",
    }
    return render(
        request, "console/plans/plan_list.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def plan_ask_gateway_view(request: HttpRequest, code: UUID, plan: UUID) -> HttpResponse:
    app, _role = get_app_for_user(request, code)
    found = selectors.plan_get_for_app(app, plan)
    if found is None:
        raise Http404("No such plan")
    try:
        plan_ask_gateway(user=signed_in(request), plan=found)
    except WrongState as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("Asked the gateway for the plan's figures."))
    return redirect("console:plan-detail", code=app.code, plan=found.code)


@login_required
def plan_detail(request: HttpRequest, code: UUID, plan: UUID) -> HttpResponse:
    app, _role = get_app_for_user(request, code)
    found = selectors.plan_get_for_app(app, plan)
    if found is None:
        raise Http404("No such plan")
    context = {"app": app, "detail": selectors.plan_detail(found), "nav_section": "app-plans"}
    return render(request, "console/plans/plan_detail.html", context)
