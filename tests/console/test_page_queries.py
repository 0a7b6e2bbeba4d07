"""No console page's query count grows with the data: each page is loaded with a few rows,
then again after the app has many more pushes (of every status, with results, revisions,
approvals and audit events), packages and events, and must make the same queries, within
a fixed bound."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pushes.models import Push, Role
from pushes.services import push_approve, push_submit
from tests.factories import (
    AppFactory,
    MembershipFactory,
    PackageFactory,
    UserFactory,
    make_push,
    make_sent_push,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from pushes.models import App

pytestmark = pytest.mark.django_db

# page → (path for the app and a sent push of it, the most queries it may make).
PAGES: dict[str, tuple[Callable[[App, Push, User], str], int]] = {
    "apps list": (lambda app, push, user: "/", 10),
    "pushes list": (lambda app, push, user: "/pushes/", 12),
    "pushes list, status": (lambda app, push, user: "/pushes/?status=sent", 12),
    "pushes list, app": (lambda app, push, user: f"/pushes/?app={app.code}", 13),
    "pushes list, author": (lambda app, push, user: f"/pushes/?author={user.username}", 13),
    "pushes list, search": (lambda app, push, user: "/pushes/?q=sale", 13),
    "push record": (lambda app, push, user: f"/pushes/{push.code}/", 32),
    "review queue": (lambda app, push, user: "/review/", 8),
    "Create Push form": (lambda app, push, user: f"/apps/{app.code}/push/new/", 12),
    "packages list": (lambda app, push, user: f"/apps/{app.code}/packages/", 12),
    "audit log": (lambda app, push, user: "/audit/", 15),
}


def grow(app: App, author: User, reviewer: User, *, pushes: int) -> None:
    """`pushes` more pushes of the app: sent ones with results, pending and approved ones
    with revisions and approvals (and their audit events), drafts, and packages."""
    now = timezone.now()
    for n in range(pushes):
        make_sent_push(app=app, author=author, at=now - timedelta(hours=n), title=f"Sale {n}")
    for n in range(3):
        pending = push_submit(
            push=make_push(app=app, author=author, title=f"Pending {n}"), by=author
        )
        if n:
            push_approve(push=pending, by=reviewer)
        make_push(app=app, author=author, title=f"Draft {n}")
        PackageFactory(app=app, uploaded_by=author)


@pytest.fixture
def people(app: App) -> tuple[User, User]:
    """An admin who writes pushes (and reads the audit log) and a reviewer, of the app and of
    a second app, so lists span apps."""
    author = cast("User", UserFactory(username="writer"))
    reviewer = cast("User", UserFactory(username="checker"))
    other = cast("App", AppFactory(name="Second shop"))
    for each in (app, other):
        MembershipFactory(app=each, user=author, role=Role.ADMIN)
        MembershipFactory(app=each, user=reviewer, role=Role.REVIEWER)
    return author, reviewer


def queries(client: Client, path: str) -> int:
    client.get(path)  # what is cached per process (translations, the form's lists) warms up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("page", list(PAGES))
def test_the_pages_query_count_does_not_grow_with_the_data(
    client: Client,
    app: App,
    people: tuple[User, User],
    page: str,
    django_assert_max_num_queries: Callable[..., CaptureQueriesContext],
) -> None:
    author, reviewer = people
    path_for, bound = PAGES[page]
    grow(app, author, reviewer, pushes=2)
    sent = Push.objects.filter(app=app, status=Push.Status.SENT).first()
    assert sent is not None
    path = path_for(app, sent, author)
    viewer = reviewer if page == "review queue" else author
    client.force_login(viewer)
    few = queries(client, path)
    grow(app, author, reviewer, pushes=30)
    with django_assert_max_num_queries(bound):
        assert client.get(path).status_code == 200
    assert queries(client, path) == few, f"{page}: {few} queries with few rows, more with many"
