"""CSRF on every state-changing POST, with the checks a browser gets switched on.

The console's list is the POST rows of the permission matrix, so a new row is checked here
too; a view that takes a POST without such a row fails
`test_every_page_without_a_post_row_ignores_or_refuses_a_post`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pushes.sandbox import services as sandbox
from pushes.tpns import codes, signing
from tests.console.access import Page, console_pages, db_state
from tests.console.test_permissions import PAGES, SANDBOX_ENDPOINTS

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

POSTS = [page for page in PAGES if page.method == "post"]
POSTED_ROUTES = {page.route for page in POSTS}
PROBES = [page for page in PAGES if page.method == "get" and page.route not in POSTED_ROUTES]
# Who tries each row: the first of these the row lets in.
ACTORS = ("marketer", "app_admin", "reviewer", "staff")
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def _actor(page: Page) -> str:
    return next(persona for persona in ACTORS if page.lets_in(persona))


@pytest.fixture(autouse=True)
def _private_media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def browser_for(
    app: App, marketer: User, request: pytest.FixtureRequest
) -> Callable[[str], Client]:
    """A signed-in client that checks CSRF as the server does for a browser."""

    def login(persona: str) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(request.getfixturevalue(persona))
        return client

    return login


def _token(client: Client, url: str) -> str:
    """The token a page hands out, as the browser keeps it in its cookie."""
    response = client.get(url)
    assert response.status_code == 200
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def _app_page(app: App) -> str:
    return reverse("console:app-detail", kwargs={"code": app.code})


# The console -------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["none", "another browser's"])
@pytest.mark.parametrize("page", POSTS, ids=lambda p: p.id)
def test_post_without_this_browsers_token_is_refused_and_changes_nothing(
    page: Page, token: str, app: App, browser_for: Callable[[str], Client]
) -> None:
    client = browser_for(_actor(page))
    _token(client, _app_page(app))  # the browser has its cookie; the forged form lacks it
    url, kwargs = page.url(app)
    body = page.body(app, kwargs)
    if token == "another browser's":
        body["csrfmiddlewaretoken"] = _token(browser_for(_actor(page)), _app_page(app))
    before = db_state()

    response = client.post(url, body)

    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert db_state() == before


@pytest.mark.parametrize("via", ["form field", "header"])
@pytest.mark.parametrize("page", POSTS, ids=lambda p: p.id)
def test_post_with_the_token_of_the_page_does_what_it_is_for(
    page: Page, via: str, app: App, browser_for: Callable[[str], Client]
) -> None:
    actor = _actor(page)
    client = browser_for(actor)
    token = _token(client, _app_page(app))
    url, kwargs = page.url(app)
    body = page.body(app, kwargs)
    before = db_state()

    if via == "header":
        response = client.post(url, body, headers={"X-CSRFToken": token})
    else:
        response = client.post(url, {**body, "csrfmiddlewaretoken": token})

    assert response.status_code == page.expect[actor], response.content[:300]
    if page.done is not None:
        assert page.done(app, kwargs)
    else:
        assert db_state() == before


@pytest.mark.parametrize("page", PROBES, ids=lambda p: p.id)
def test_every_page_without_a_post_row_ignores_or_refuses_a_post(
    page: Page, app: App, client: Client, request: pytest.FixtureRequest, marketer: User
) -> None:
    persona = next(p for p in (*ACTORS, "stranger") if page.lets_in(p))
    client.force_login(request.getfixturevalue(persona))
    url, _ = page.url(app)
    shown = client.get(url)
    before = db_state()

    # Not empty: views that bind a form to `request.POST or None` would take it for a GET.
    response = client.post(url, {"probe": "1"})

    assert response.status_code in (405, shown.status_code), (
        f"{page.route} handles a POST: give it a POST row in the matrix"
    )
    assert db_state() == before


def test_every_console_url_is_in_the_csrf_table_or_probed() -> None:
    pages = console_pages()

    assert len(POSTS) == len(POSTED_ROUTES)
    assert POSTED_ROUTES | {page.route for page in PROBES} == {p.name for p in pages}


# Login and logout --------------------------------------------------------------------


def test_login_needs_the_token_of_the_login_page(marketer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    credentials = {"username": "mia", "password": PASSWORD}

    forged = client.post(reverse("login"), credentials)
    assert forged.status_code == 403
    assert "_auth_user_id" not in client.session

    token = _token(client, reverse("login"))
    response = client.post(reverse("login"), {**credentials, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(marketer.pk)


def test_logout_needs_the_token_of_a_page(app: App, browser_for: Callable[[str], Client]) -> None:
    client = browser_for("marketer")
    token = _token(client, _app_page(app))

    forged = client.post(reverse("logout"))
    assert forged.status_code == 403
    assert "_auth_user_id" in client.session

    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_django_admin_login_needs_the_token_of_its_page(staff: User) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# Sandbox gateway ---------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", SANDBOX_ENDPOINTS)
def test_sandbox_takes_a_servers_post_without_a_csrf_token(
    endpoint: str, app: App, private_cache: None, browser_for: Callable[[str], Client]
) -> None:
    sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)
    # Even with a console session in the same client, CSRF plays no part here.
    client = browser_for("marketer")
    auth = signing.basic_authorization(app.access_id, app.secret_key)

    response = client.post(
        reverse(f"sandbox:{endpoint}"),
        "{}",
        content_type="application/json",
        headers={"Authorization": auth},
    )

    assert response.status_code == 200
    body = response.json()
    code = body["ret_code"] if "ret_code" in body else body["retCode"]
    # Past authentication: the empty request itself is what the endpoint refuses.
    assert code not in (codes.OK, codes.AUTH_FAILURE, codes.WRONG_ACCESS_ID_OR_DOMAIN)
