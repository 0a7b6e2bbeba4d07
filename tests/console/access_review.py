"""Permission-matrix rows for the review pages and in-doubt resolution."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pushes.models import App, Push
from pushes.services import push_submit
from tests.console.access import ADMINS_POST, EVERYONE, REVIEWERS, Page
from tests.factories import make_push


def _pending(app: App) -> dict[str, Any]:
    push = make_push(app=app, author=app.memberships.get(user__username="mia").user)
    return {"code": push_submit(push=push, by=push.created_by).code}


def _in_doubt(app: App) -> dict[str, Any]:
    """In doubt, and just looked up without being found: it may be resent at once."""
    code = _pending(app)["code"]
    Push.objects.filter(code=code).update(
        status=Push.Status.IN_DOUBT, lookup_state="", lookup_finished_at=timezone.now()
    )
    return {"code": code}


def _reviewed(app: App, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What Approve posts: the hash of the content the reviewer saw."""
    return {"content_hash": Push.objects.get(code=kwargs["code"]).content_hash}


def _status(kwargs: dict[str, Any]) -> str:
    return Push.objects.get(code=kwargs["code"]).status


REVIEWERS_REDIRECT = {**REVIEWERS, "reviewer": 302, "app_admin": 302, "staff": 302}

PAGES: list[Page] = [
    Page("review-queue", "get", EVERYONE),
    Page("review-detail", "get", REVIEWERS, kwargs=_pending),
    Page(
        "review-approve",
        "post",
        REVIEWERS_REDIRECT,
        kwargs=_pending,
        data=_reviewed,
        done=lambda app, kw: _status(kw) == Push.Status.APPROVED,
    ),
    Page(
        "review-reject",
        "post",
        REVIEWERS_REDIRECT,
        kwargs=_pending,
        data={"comment": "no"},
        done=lambda app, kw: _status(kw) == Push.Status.REJECTED,
    ),
    Page(
        "push-mark-sent",
        "post",
        ADMINS_POST,
        kwargs=_in_doubt,
        done=lambda app, kw: _status(kw) == Push.Status.SENT,
    ),
    Page(
        "push-resend",
        "post",
        ADMINS_POST,
        kwargs=_in_doubt,
        done=lambda app, kw: _status(kw) == Push.Status.APPROVED,
    ),
]
