"""Every console URL × every persona. Grows with every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from pushes.models import Membership

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from pushes.models import App

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "stranger", "marketer", "reviewer", "app_admin", "staff"]

EVERYONE = {"stranger": 200, "marketer": 200, "reviewer": 200, "app_admin": 200, "staff": 200}
MEMBERS = {"stranger": 404, "marketer": 200, "reviewer": 200, "app_admin": 200, "staff": 200}
AUTHORS = {"stranger": 404, "marketer": 200, "reviewer": 403, "app_admin": 200, "staff": 200}
ADMINS_GET = {"stranger": 404, "marketer": 403, "reviewer": 403, "app_admin": 200, "staff": 200}
ADMINS_POST = {"stranger": 404, "marketer": 403, "reviewer": 403, "app_admin": 302, "staff": 302}
STAFF_ONLY = {"stranger": 403, "marketer": 403, "reviewer": 403, "app_admin": 403, "staff": 200}


@dataclass(frozen=True)
class Page:
    route: str
    method: str
    expect: dict[str, int]  # per signed-in persona; anonymous always goes to login


PAGES = [
    Page("app-list", "get", EVERYONE),
    Page("push-list", "get", EVERYONE),
    Page("review-queue", "get", EVERYONE),
    Page("sandbox-inbox", "get", EVERYONE),
    Page("app-create", "get", STAFF_ONLY),
    Page("audit-list", "get", {**STAFF_ONLY, "app_admin": 200}),
    Page("app-detail", "get", MEMBERS),
    Page("app-edit", "get", ADMINS_GET),
    Page("app-pause", "post", ADMINS_POST),
    # An empty member form is re-rendered with its errors.
    Page("member-set", "post", {**ADMINS_POST, "app_admin": 400, "staff": 400}),
    Page("member-remove", "post", ADMINS_POST),
    Page("push-create", "get", AUTHORS),
]


def _url(page: Page, app: App) -> str:
    from console.urls import pages

    pattern = next(p for p in pages if p.name == page.route)
    kwargs: dict[str, object] = {}
    if "code" in pattern.pattern.converters:
        kwargs["code"] = app.code
    if "member_id" in pattern.pattern.converters:
        kwargs["member_id"] = Membership.objects.filter(app=app, user__username="mia").get().id
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
    response = getattr(client, page.method)(_url(page, app))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == page.expect[persona], response.content[:300]


def test_every_console_url_is_in_the_matrix() -> None:
    from console.urls import pages

    assert {p.name for p in pages} == {page.route for page in PAGES}
