"""Permission-matrix rows for the Users pages (staff only) and everyone's password change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model

from pushes.models import AuditEvent
from tests.console.access import EVERYONE, STAFF_ONLY, Page
from tests.factories import UserFactory

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

NEW_USER = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "first_name": "New",
    "last_name": "Comer",
    "is_staff": "",
}
NEW_PASSWORD = "a-fresh-passphrase-42"
PASSWORD_CHANGE = {
    "old_password": "correct-horse-battery",  # tests.factories.UserFactory
    "new_password1": NEW_PASSWORD,
    "new_password2": NEW_PASSWORD,
}
STAFF_POST = {**STAFF_ONLY, "staff": 302}


def _nina(app: App) -> dict[str, Any]:
    return {"user_id": cast("User", UserFactory(username="nina")).pk}


def _nina_active() -> bool:
    return bool(get_user_model()._default_manager.get(username="nina").is_active)


def _someone_has_the_new_password() -> bool:
    return any(
        user.check_password(NEW_PASSWORD) for user in get_user_model()._default_manager.all()
    )


PAGES: list[Page] = [
    Page("user-list", "get", STAFF_ONLY),
    Page("user-create", "get", STAFF_ONLY),
    Page(
        "user-create",
        "post",
        STAFF_POST,
        data=NEW_USER,
        done=lambda app, kw: get_user_model()._default_manager.filter(username="newcomer").exists(),
    ),
    Page("user-detail", "get", STAFF_ONLY, kwargs=_nina),
    Page(
        "user-set-active",
        "post",
        STAFF_POST,
        kwargs=_nina,
        data={"active": "0"},
        done=lambda app, kw: not _nina_active(),
    ),
    Page(
        "user-password-link",
        "post",
        STAFF_POST,
        kwargs=_nina,
        data={"delivery": "show"},
        done=lambda app, kw: AuditEvent.objects.filter(action="user.password_link").exists(),
    ),
    Page("password-change", "get", EVERYONE),
    Page(
        "password-change",
        "post",
        {persona: 302 for persona in EVERYONE},
        data=PASSWORD_CHANGE,
        done=lambda app, kw: _someone_has_the_new_password(),
    ),
]
