"""Permission-matrix rows for the reachability preflight's pages.

The push in each row is a package push by “mia”, the app's marketer: she (its author) and the
app's reviewers and admins may see its checks and check again; strangers get 404.
"""

from __future__ import annotations

from typing import Any

from pushes.models import App, Push, ReachCheck
from pushes.selectors.preflight import reach_target_hash
from tests.console.access import MEMBERS, Page
from tests.factories import PackageFactory, make_push

MEMBERS_REDIRECT = {**MEMBERS, **dict.fromkeys(("marketer", "reviewer", "app_admin", "staff"), 302)}


def _package_push(app: App) -> Push:
    author = app.memberships.get(user__username="mia").user
    package = PackageFactory(app=app, uploaded_by=author)
    return make_push(app=app, author=author, accounts="", source="package", package=package)


def _checked(app: App) -> dict[str, Any]:
    """A finished check that found one unbound account."""
    push = _package_push(app)
    check = ReachCheck.objects.create(
        push=push,
        target_hash=reach_target_hash(push),
        gateway=app.gateway,
        total=3,
        sample_size=3,
        exact=True,
        checked=3,
        bound=2,
        devices=2,
        unbound=["carol"],
        status=ReachCheck.Status.DONE,
    )
    return {"code": push.code, "check": check.pk}


def _unchecked(app: App) -> dict[str, Any]:
    return {"code": _package_push(app).code}


PAGES: list[Page] = [
    Page("push-reach-status", "get", MEMBERS, kwargs=_checked),
    Page("push-reach-unbound", "get", MEMBERS, kwargs=_checked),
    Page(
        "push-reach-recheck",
        "post",
        MEMBERS_REDIRECT,
        kwargs=_unchecked,
        data={"place": "preview"},
        done=lambda app, kw: ReachCheck.objects.filter(push__code=kw["code"]).exists(),
    ),
]
