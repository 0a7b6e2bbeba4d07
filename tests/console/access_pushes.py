"""Permission-matrix rows for the console's pushes pages.

The push in each row is a draft by “mia”, the app's marketer: she and the app's admins
may change it; every member may see it; strangers get 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.console.access import ADMINS_POST, AUTHORS, MEMBERS, REVIEWERS, Page
from tests.factories import make_push

if TYPE_CHECKING:
    from pushes.models import App

AUTHORS_REDIRECT = {**AUTHORS, "marketer": 302, "app_admin": 302, "staff": 302}
REVIEWERS_REDIRECT = {**REVIEWERS, "reviewer": 302, "app_admin": 302, "staff": 302}
# A push is edited and submitted by its author alone (here mia, the marketer): whoever
# changed it could otherwise approve what they wrote. Admins may still cancel it.
AUTHOR_ONLY = {**AUTHORS, "app_admin": 403, "staff": 403}
AUTHOR_ONLY_REDIRECT = {**AUTHOR_ONLY, "marketer": 302}

FORM = {
    "source": "manual",
    "accounts_text": "alice\nbob",
    "account_type": "0",
    "account_push_type": "0",
    "message_type": "notify",
    "title": "Spring sale",
    "content": "20% off today",
    "open_action": "app",
    "action": "preview",
}


def _draft(app: App) -> dict[str, Any]:
    author = app.memberships.get(user__username="mia").user
    return {"code": make_push(app=app, author=author).code}


def _proposal(app: App) -> dict[str, Any]:
    from pushes.models import TestAccountsChange
    from tests.factories import UserFactory

    other = UserFactory(username="olga")
    change = TestAccountsChange.objects.create(app=app, accounts=["qa-1"], proposed_by=other)
    return {"code": app.code, "change_id": change.pk}


PAGES: list[Page] = [
    Page("push-create", "post", AUTHORS_REDIRECT, data=FORM),
    Page("push-check-accounts", "post", AUTHORS, data={"accounts_text": "alice"}),
    # Reviewers see the list and its proposals (they approve them); admins propose.
    Page("app-test-accounts", "get", REVIEWERS),
    Page("app-test-accounts", "post", ADMINS_POST, data={"test_accounts": "qa-1"}),
    Page(
        "app-test-accounts-decide",
        "post",
        REVIEWERS_REDIRECT,
        kwargs=_proposal,
        data={"decision": "approve"},
    ),
    Page("push-detail", "get", MEMBERS, kwargs=_draft),
    Page("push-status", "get", MEMBERS, kwargs=_draft),
    Page("push-edit", "get", AUTHOR_ONLY, kwargs=_draft),
    Page("push-edit", "post", AUTHOR_ONLY_REDIRECT, kwargs=_draft, data=FORM),
    Page("push-preview", "get", AUTHOR_ONLY, kwargs=_draft),
    # Without the preview's hash Confirm goes back to the preview.
    Page("push-confirm", "post", AUTHOR_ONLY_REDIRECT, kwargs=_draft),
    # No test accounts: refused with a message, back to the preview.
    Page("push-test", "post", AUTHOR_ONLY_REDIRECT, kwargs=_draft),
    Page("push-cancel", "post", AUTHORS_REDIRECT, kwargs=_draft),
]
