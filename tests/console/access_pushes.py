"""Permission-matrix rows for the console's pushes pages.

The push in each row is a draft by “mia”, the app's marketer: she and the app's admins
may change it; every member may see it; strangers get 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from pushes import snapshot
from pushes.models import App, Push, PushResults, TestAccountsChange
from tests.console.access import ADMINS_POST, AUTHORS, MEMBERS, REVIEWERS, Page
from tests.factories import make_push

MEMBERS_REDIRECT = {**MEMBERS, **dict.fromkeys(("marketer", "reviewer", "app_admin", "staff"), 302)}
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


def _sent(app: App) -> dict[str, Any]:
    """A sent push whose results have not been asked for yet."""
    kwargs = _draft(app)
    push = Push.objects.get(code=kwargs["code"])
    Push.objects.filter(pk=push.pk).update(status=Push.Status.SENT, push_id="1234")
    PushResults.objects.create(push=push)
    return kwargs


def _draft_with_test_accounts(app: App) -> dict[str, Any]:
    App.objects.filter(pk=app.pk).update(test_accounts=["qa-1"])
    return _draft(app)


def _proposal(app: App) -> dict[str, Any]:
    other = User.objects.create(username="olga")
    change = TestAccountsChange.objects.create(app=app, accounts=["qa-1"], proposed_by=other)
    return {"code": app.code, "change_id": change.pk}


def _previewed(app: App, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What Confirm posts: the hash of the content the preview showed."""
    push = Push.objects.get(code=kwargs["code"])
    return {"preview_hash": snapshot.content_hash(snapshot.snapshot(push))}


def _status(kwargs: dict[str, Any]) -> str:
    return Push.objects.get(code=kwargs["code"]).status


PAGES: list[Page] = [
    Page(
        "push-create",
        "post",
        AUTHORS_REDIRECT,
        data={**FORM, "title": "Created here"},
        done=lambda app, kw: app.pushes.filter(title="Created here").exists(),
    ),
    # The live check of typed accounts reads only.
    Page("push-check-accounts", "post", AUTHORS, data={"accounts_text": "alice"}),
    # Reviewers see the list and its proposals (they approve them); admins propose.
    Page("app-test-accounts", "get", REVIEWERS),
    Page(
        "app-test-accounts",
        "post",
        ADMINS_POST,
        data={"test_accounts": "qa-1"},
        done=lambda app, kw: app.test_account_changes.filter(
            accounts=["qa-1"], status=TestAccountsChange.Status.PENDING
        ).exists(),
    ),
    Page(
        "app-test-accounts-decide",
        "post",
        REVIEWERS_REDIRECT,
        kwargs=_proposal,
        data={"decision": "approve"},
        done=lambda app, kw: App.objects.get(pk=app.pk).test_accounts == ["qa-1"],
    ),
    Page("push-detail", "get", MEMBERS, kwargs=_draft),
    Page("push-status", "get", MEMBERS, kwargs=_draft),
    Page("push-edit", "get", AUTHOR_ONLY, kwargs=_draft),
    Page(
        "push-edit",
        "post",
        AUTHOR_ONLY_REDIRECT,
        kwargs=_draft,
        data={**FORM, "title": "Edited here"},
        done=lambda app, kw: Push.objects.get(code=kw["code"]).title == "Edited here",
    ),
    Page("push-preview", "get", AUTHOR_ONLY, kwargs=_draft),
    Page(
        "push-confirm",
        "post",
        AUTHOR_ONLY_REDIRECT,
        kwargs=_draft,
        data=_previewed,
        done=lambda app, kw: _status(kw) == Push.Status.PENDING_REVIEW,
    ),
    Page(
        "push-test",
        "post",
        AUTHOR_ONLY_REDIRECT,
        kwargs=_draft_with_test_accounts,
        done=lambda app, kw: app.pushes.filter(is_test=True).exists(),
    ),
    Page(
        "push-results-refresh",
        "post",
        MEMBERS_REDIRECT,
        kwargs=_sent,
        done=lambda app, kw: PushResults.objects.filter(
            push__code=kw["code"], next_at__isnull=False
        ).exists(),
    ),
    Page(
        "push-cancel",
        "post",
        AUTHORS_REDIRECT,
        kwargs=_draft,
        done=lambda app, kw: _status(kw) == Push.Status.CANCELLED,
    ),
]
