"""Permission-matrix rows for the apps, members, audit, notifications and sandbox pages."""

from __future__ import annotations

from typing import Any

from pushes.models import App, AuditEvent, Membership
from tests.console.access import (
    ADMINS_GET,
    ADMINS_POST,
    AUTHORS,
    EVERYONE,
    MEMBERS,
    STAFF_ONLY,
    Page,
)
from tests.factories import UserFactory

NEW_APP = {
    "name": "Brand New Shop",
    "platform": "android",
    "gateway": "sandbox",
    "access_id": "1600000001",
    "default_account_type": "0",
    "two_approvals_above": "",
    "secret_key": "0123456789abcdef0123456789abcdef",
}


def _app_form(app: App, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Renamed Shop",
        "platform": app.platform,
        "gateway": app.gateway,
        "access_id": app.access_id,
        "default_account_type": str(app.default_account_type),
        "two_approvals_above": "",
        "secret_key": "",
    }


def _fresh(app: App) -> App:
    return App.objects.get(pk=app.pk)


def _newcomer(app: App) -> dict[str, Any]:
    UserFactory(username="nina")
    return {}


def _mia_membership(app: App) -> dict[str, Any]:
    return {"member_id": Membership.objects.get(app=app, user__username="mia").id}


PAGES: list[Page] = [
    Page("app-list", "get", EVERYONE),
    Page("push-list", "get", EVERYONE),
    Page("push-export", "get", EVERYONE),
    Page("sandbox-inbox", "get", EVERYONE),
    Page("app-create", "get", STAFF_ONLY),
    Page(
        "app-create",
        "post",
        {**STAFF_ONLY, "staff": 302},
        data=NEW_APP,
        done=lambda app, kw: App.objects.filter(name=NEW_APP["name"]).exists(),
    ),
    Page("notification-list", "get", EVERYONE),
    # Admins see the events of their own apps (an admin of another app, of that app).
    Page("audit-list", "get", {**STAFF_ONLY, "app_admin": 200, "other_admin": 200}),
    Page("audit-export", "get", {**STAFF_ONLY, "app_admin": 200, "other_admin": 200}),
    # The chain holds every app's events: only staff check it (and the check is recorded).
    Page(
        "audit-verify",
        "post",
        {**STAFF_ONLY, "staff": 302},
        done=lambda app, kw: AuditEvent.objects.filter(action="audit.verified").exists(),
    ),
    Page("app-detail", "get", MEMBERS),
    Page("app-edit", "get", ADMINS_GET),
    Page(
        "app-edit",
        "post",
        ADMINS_POST,
        data=_app_form,
        done=lambda app, kw: _fresh(app).name == "Renamed Shop",
    ),
    Page(
        "app-pause",
        "post",
        ADMINS_POST,
        data={"paused": "1"},
        done=lambda app, kw: _fresh(app).is_paused,
    ),
    Page(
        "member-set",
        "post",
        ADMINS_POST,
        kwargs=_newcomer,
        data={"username": "nina", "role": "reviewer"},
        done=lambda app, kw: app.memberships.filter(user__username="nina").exists(),
    ),
    Page(
        "member-remove",
        "post",
        ADMINS_POST,
        kwargs=_mia_membership,
        done=lambda app, kw: not Membership.objects.filter(id=kw["member_id"]).exists(),
    ),
    Page("push-create", "get", AUTHORS),
]
