"""Every URL × every persona. Grows with every page.

The console's pages, GET and POST (with what each POST did, or that it changed nothing),
then the pages around them: login and logout, the health check, the Django admin and the
sandbox's TPNS endpoints.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from pushes.sandbox import services as sandbox
from pushes.sandbox.models import SandboxApp
from pushes.tpns import codes, signing
from tests.console import (
    access_core,
    access_lookup,
    access_packages,
    access_plans,
    access_preflight,
    access_pushes,
    access_review,
    access_sandbox,
    access_users,
)
from tests.console.access import PERSONAS, Page, console_pages, db_state

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db

PAGES = [
    *access_core.PAGES,
    *access_lookup.PAGES,
    *access_packages.PAGES,
    *access_plans.PAGES,
    *access_preflight.PAGES,
    *access_pushes.PAGES,
    *access_review.PAGES,
    *access_sandbox.PAGES,
    *access_users.PAGES,
]

SIGNED_IN = [persona for persona in PERSONAS if persona != "anonymous"]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def _private_media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def client_for(
    client: Client, app: App, marketer: User, request: pytest.FixtureRequest
) -> Callable[[str], Client]:
    def login(persona: str) -> Client:
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))
        return client

    return login


def _signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# The console -------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(page: Page, persona: str, app: App, client_for: Callable[[str], Client]) -> None:
    client = client_for(persona)
    url, kwargs = page.url(app)
    body = page.body(app, kwargs)
    writes = page.method == "post" and page.done is not None and page.lets_in(persona)
    # A GET that is let in may write (reading notifications marks them read).
    unchanged = not writes and (page.method == "post" or not page.lets_in(persona))
    before = db_state() if unchanged else {}
    if page.done is not None:
        assert not page.done(app, kwargs), "the row's change is there before the POST"

    response = getattr(client, page.method)(url, body)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == page.expect[persona], response.content[:300]
    if writes:
        assert page.done is not None
        assert page.done(app, kwargs), f"{persona}'s POST did not do what it is for"
    elif unchanged:
        assert db_state() == before, f"{persona}'s request changed the database"


def test_every_console_url_is_in_the_matrix() -> None:
    pages = console_pages()

    assert {p.name for p in pages} == {page.route for page in PAGES}


def test_every_post_row_says_what_it_does_or_that_it_only_reads() -> None:
    reads_only = {page.route for page in PAGES if page.method == "post" and page.done is None}

    assert reads_only == {"push-check-accounts"}


# Login and logout --------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_login_page_is_for_anonymous_users(
    persona: str, client_for: Callable[[str], Client]
) -> None:
    response = client_for(persona).get(reverse("login"))

    if persona == "anonymous":
        assert response.status_code == 200
        assert b'name="password"' in response.content
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("console:app-list")


@pytest.mark.parametrize("persona", PERSONAS)
def test_login_signs_in_anonymous_users_only(
    persona: str, client_for: Callable[[str], Client], marketer: User
) -> None:
    client = client_for(persona)
    was = _signed_in_as(client)

    response = client.post(reverse("login"), {"username": "mia", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("console:app-list")
    # Someone signed in stays who they are; nobody becomes mia by posting her password.
    assert _signed_in_as(client) == (str(marketer.pk) if persona == "anonymous" else was)


def test_login_with_a_wrong_password_signs_nobody_in(client: Client, marketer: User) -> None:
    response = client.post(reverse("login"), {"username": "mia", "password": "wrong"})

    assert response.status_code == 200
    assert _signed_in_as(client) is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_logout_signs_out_on_post(persona: str, client_for: Callable[[str], Client]) -> None:
    client = client_for(persona)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert _signed_in_as(client) is None


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_logout_is_not_a_get(persona: str, client_for: Callable[[str], Client]) -> None:
    client = client_for(persona)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert _signed_in_as(client) is not None


# Health check ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_healthz_is_public_and_tells_nothing(
    persona: str, client_for: Callable[[str], Client], app: App
) -> None:
    response = client_for(persona).get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"ok": True}


# Django admin ------------------------------------------------------------------------


def _admin_login_redirect(response: Response, url: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('admin:login')}?next={url}"
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_lets_in_staff_only(persona: str, client_for: Callable[[str], Client]) -> None:
    url = reverse("admin:index")

    response = client_for(persona).get(url)

    if persona == "staff":
        assert response.status_code == 200
    else:
        assert _admin_login_redirect(response, url)


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_model_pages_need_staff_and_a_model_permission(
    persona: str, client_for: Callable[[str], Client]
) -> None:
    url = reverse("admin:sandbox_sandboxapp_changelist")

    response = client_for(persona).get(url)

    if persona == "staff":
        assert response.status_code == 403  # staff, but without the model permission
    else:
        assert _admin_login_redirect(response, url)


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_adds_nothing_for_anyone_without_the_permission(
    persona: str, client_for: Callable[[str], Client]
) -> None:
    client = client_for(persona)
    url = reverse("admin:sandbox_sandboxapp_add")
    before = db_state()

    response = client.post(url, {"access_id": "1700000001", "name": "Sneaky"})

    if persona == "staff":
        assert response.status_code == 403
    else:
        assert _admin_login_redirect(response, url)
    assert db_state() == before


@pytest.mark.parametrize(("username", "admitted"), [("mia", False), ("root", True)])
def test_django_admin_login_admits_staff_only(
    username: str, admitted: bool, client: Client, marketer: User, staff: User
) -> None:
    response = client.post(reverse("admin:login"), {"username": username, "password": PASSWORD})

    assert response.status_code == (302 if admitted else 200)
    assert (_signed_in_as(client) is not None) == admitted


# Sandbox gateway ---------------------------------------------------------------------

# Called by servers with TPNS credentials: a console session and CSRF play no part.
SANDBOX_ENDPOINTS = [
    "push-app",
    "package-upload",
    "cancel-timing-task",
    "add-plan-push",
    "account-batchoperate",
    "account-query",
    "get-push-list-by-token",
    "get-push-record",
    "get-push-task-stat-channel",
    "get-push-group-stat-channel",
]


@pytest.fixture
def sandbox_app(app: App, private_cache: None) -> SandboxApp:
    return sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)


def _ret_code(response: Response) -> int:
    body = response.json()
    code: int = body["ret_code"] if "ret_code" in body else body["retCode"]
    return code


@pytest.mark.parametrize("credentials", ["none", "wrong secret"])
@pytest.mark.parametrize("endpoint", SANDBOX_ENDPOINTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_sandbox_answers_the_tpns_auth_error_whoever_is_signed_in(
    persona: str,
    endpoint: str,
    credentials: str,
    request: pytest.FixtureRequest,
    sandbox_app: SandboxApp,
) -> None:
    client = Client(enforce_csrf_checks=True)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    headers = {}
    if credentials == "wrong secret":
        wrong = signing.basic_authorization(sandbox_app.access_id, "not-the-secret-key")
        headers["Authorization"] = wrong
    before = db_state()

    response = client.post(
        reverse(f"sandbox:{endpoint}"), "{}", content_type="application/json", headers=headers
    )

    assert response.status_code == settings.SANDBOX_AUTH_FAILURE_STATUS
    assert response["Content-Type"] == "application/json"
    assert _ret_code(response) == codes.AUTH_FAILURE
    assert db_state() == before


@pytest.mark.parametrize("endpoint", SANDBOX_ENDPOINTS)
@pytest.mark.parametrize("persona", ["anonymous", "staff"])
def test_sandbox_endpoints_are_post_only(
    persona: str, endpoint: str, client_for: Callable[[str], Client]
) -> None:
    response = client_for(persona).get(reverse(f"sandbox:{endpoint}"))

    assert response.status_code == 405
    assert response["Allow"] == "POST"


# Coverage ----------------------------------------------------------------------------


def test_every_url_is_in_a_matrix_here() -> None:
    from console.urls import urlpatterns
    from pushes.sandbox.urls import urlpatterns as sandbox_urls

    def name(entry: object) -> str | None:
        if isinstance(entry, URLResolver):
            return entry.namespace
        assert isinstance(entry, URLPattern)
        return entry.name

    assert {name(entry) for entry in urlpatterns} == {
        "console",  # test_access
        "login",
        "logout",
        "password-set",  # tests/console/test_users.py: a one-time link's page, for anyone
        "healthz",
        "set-language",  # tests/console/test_i18n.py: anyone, signed in or not
        "javascript-catalog",  # tests/console/test_i18n.py
        "preferences",  # tests/console/test_i18n.py: each person's own
        "admin",  # the whole site: staff only
        "sandbox",
    }
    assert [entry.name for entry in sandbox_urls] == SANDBOX_ENDPOINTS
