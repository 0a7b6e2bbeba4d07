"""Permission-matrix rows for the review pages and in-doubt resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pushes.models import Push
from pushes.services.pushes import push_submit
from tests.console.access import EVERYONE, REVIEWERS, Page
from tests.factories import make_push

if TYPE_CHECKING:
    from pushes.models import App


def _pending(app: App) -> dict[str, Any]:
    push = make_push(app=app, author=app.memberships.get(user__username="mia").user)
    return {"code": push_submit(push=push, by=push.created_by).code}


def _in_doubt(app: App) -> dict[str, Any]:
    code = _pending(app)["code"]
    Push.objects.filter(code=code).update(status=Push.Status.IN_DOUBT)
    return {"code": code}


ADMINS_REDIRECT = {
    "stranger": 404,
    "marketer": 403,
    "reviewer": 403,
    "app_admin": 302,
    "staff": 302,
}
REVIEWERS_REDIRECT = {**REVIEWERS, "reviewer": 302, "app_admin": 302, "staff": 302}

PAGES: list[Page] = [
    Page("review-queue", "get", EVERYONE),
    Page("review-detail", "get", REVIEWERS, kwargs=_pending),
    Page("review-approve", "post", REVIEWERS_REDIRECT, kwargs=_pending),
    Page("review-reject", "post", REVIEWERS_REDIRECT, kwargs=_pending, data={"comment": "no"}),
    Page("push-mark-sent", "post", ADMINS_REDIRECT, kwargs=_in_doubt),
    Page("push-resend", "post", ADMINS_REDIRECT, kwargs=_in_doubt),
]
