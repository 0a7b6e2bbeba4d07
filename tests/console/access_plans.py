"""Permission-matrix rows for the console's push plan pages (a worker registers a new
plan at the gateway; the page only keeps it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from pushes.models import App, AuditEvent, Plan
from tests.console.access import AUTHORS, MEMBERS, Page

AUTHORS_REDIRECT = {**AUTHORS, "marketer": 302, "app_admin": 302, "staff": 302}
MEMBERS_REDIRECT = {**MEMBERS, **dict.fromkeys(("marketer", "reviewer", "app_admin", "staff"), 302)}


def _plan(app: App) -> dict[str, Any]:
    author = User.objects.get(username="mia")
    plan = Plan.objects.create(
        app=app, name="Double 11", description="The sale", plan_id="7", created_by=author
    )
    return {"plan": plan.code}


PAGES = [
    Page("plan-list", "get", MEMBERS),
    Page(
        "plan-list",
        "post",
        AUTHORS_REDIRECT,
        data={"name": "Welcome", "description": "New users"},
        done=lambda app, kw: app.plans.filter(name="Welcome").exists(),
    ),
    Page("plan-detail", "get", MEMBERS, kwargs=_plan),
    Page(
        "plan-ask-gateway",
        "post",
        MEMBERS_REDIRECT,
        kwargs=_plan,
        done=lambda app, kw: AuditEvent.objects.filter(action="plan.stats_requested").exists(),
    ),
]
