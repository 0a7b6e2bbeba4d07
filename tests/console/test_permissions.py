"""Every console URL × every persona. Grows with every page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from pushes.models import Membership
from tests.console import access_packages, access_pushes, access_review
from tests.console.access import (
    ADMINS_GET,
    ADMINS_POST,
    AUTHORS,
    EVERYONE,
    MEMBERS,
    STAFF_ONLY,
    Page,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from pushes.models import App

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "stranger", "marketer", "reviewer", "app_admin", "staff"]

CORE = [
    Page("app-list", "get", EVERYONE),
    Page("push-list", "get", EVERYONE),
    Page("sandbox-inbox", "get", EVERYONE),
    Page("app-create", "get", STAFF_ONLY),
    Page("notification-list", "get", EVERYONE),
    Page("audit-list", "get", {**STAFF_ONLY, "app_admin": 200}),
    Page("app-detail", "get", MEMBERS),
    Page("app-edit", "get", ADMINS_GET),
    Page("app-pause", "post", ADMINS_POST),
    # An empty member form is re-rendered with its errors.
    Page("member-set", "post", {**ADMINS_POST, "app_admin": 400, "staff": 400}),
    Page(
        "member-remove",
        "post",
        ADMINS_POST,
        kwargs=lambda app: {"member_id": Membership.objects.get(app=app, user__username="mia").id},
    ),
    Page("push-create", "get", AUTHORS),
]
PAGES = [*CORE, *access_packages.PAGES, *access_pushes.PAGES, *access_review.PAGES]


def _url(page: Page, app: App) -> str:
    from console.urls import pages

    pattern = next(p for p in pages if p.name == page.route)
    kwargs: dict[str, object] = dict(page.kwargs(app))
    if "code" in pattern.pattern.converters:
        kwargs.setdefault("code", app.code)
    return reverse(f"console:{page.route}", kwargs=kwargs)


@pytest.fixture
def client_for(
    client: Client, app: App, marketer: User, request: pytest.FixtureRequest
) -> Callable[[str], Client]:
    def login(persona: str) -> Client:
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))
        return client

    return login


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.route)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(page: Page, persona: str, app: App, client_for: Callable[[str], Client]) -> None:
    client = client_for(persona)
    response = getattr(client, page.method)(_url(page, app), page.data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == page.expect[persona], response.content[:300]


def test_every_console_url_is_in_the_matrix() -> None:
    from console.urls import pages

    assert {p.name for p in pages} == {page.route for page in PAGES}
