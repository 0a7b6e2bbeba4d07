"""Content-Security-Policy and Permissions-Policy on every response, and templates that
need nothing the policy forbids (inline scripts, event handlers, style attributes)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from django.conf import settings
from django.urls import reverse

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

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpResponseBase
    from django.test import Client

    from pushes.models import App
    from tests.console.access import Page

pytestmark = pytest.mark.django_db

# Features whose denial matters most for a console that handles other people's accounts.
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]


def directives(response: HttpResponseBase) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_secure_headers(response: HttpResponseBase) -> None:
    policy = directives(response)
    default = policy["default-src"]
    assert default == ["'self'"]
    for kind in ("script-src", "style-src"):
        sources = policy.get(kind, default)
        assert "'unsafe-inline'" not in sources, (kind, sources)
        assert "'unsafe-eval'" not in sources, (kind, sources)
    # Only keywords: no other origin, no scheme such as data: or https: is trusted.
    for name, sources in policy.items():
        assert set(sources) <= {"'self'", "'none'"}, (name, sources)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]

    permissions = response.headers.get("Permissions-Policy", "")
    granted = dict(item.strip().split("=", 1) for item in permissions.split(","))
    for feature in DENIED_FEATURES:
        assert granted.get(feature) == "()", (feature, permissions)


# The permission matrix's rows name every console URL and how to reach it.
MATRIX = [
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
GET_PAGES = [page for page in MATRIX if page.method == "get"]


def _url(page: Page, app: App) -> str:
    from tests.console.access import console_pages

    pages = console_pages()

    pattern = next(p for p in pages if p.name == page.route)
    kwargs: dict[str, object] = dict(page.kwargs(app))
    if "code" in pattern.pattern.converters:
        kwargs.setdefault("code", app.code)
    return reverse(f"console:{page.route}", kwargs=kwargs)


def _persona_for(page: Page) -> str:
    """Someone the page lets in, so the page itself is rendered."""
    return next(p for p in ("app_admin", "marketer", "reviewer", "staff") if page.expect[p] < 400)


def test_the_matrix_names_every_console_url() -> None:
    from tests.console.access import console_pages

    pages = console_pages()

    assert {p.name for p in pages} == {page.route for page in MATRIX}


@pytest.mark.parametrize("page", GET_PAGES, ids=lambda p: p.route)
def test_every_console_page_sends_both_headers(
    page: Page,
    app: App,
    marketer: User,
    client: Client,
    request: pytest.FixtureRequest,
) -> None:
    persona = _persona_for(page)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(page, app))
    assert response.status_code == 200
    assert_secure_headers(response)


def test_redirects_after_a_post_send_both_headers(
    app: App, app_admin: User, client: Client
) -> None:
    client.force_login(app_admin)
    response = client.post(reverse("console:app-pause", kwargs={"code": app.code}), {"paused": "1"})
    assert response.status_code == 302
    assert_secure_headers(response)


@pytest.mark.parametrize(
    "path",
    ["login", "healthz", "missing"],
)
def test_pages_outside_the_console_send_both_headers(client: Client, path: str) -> None:
    url = {"login": reverse("login"), "healthz": reverse("healthz"), "missing": "/no-such-page/"}
    response = client.get(url[path])
    assert response.status_code in {200, 404}
    assert_secure_headers(response)


def test_the_sandbox_api_sends_both_headers(client: Client) -> None:
    response = client.post("/sandbox/v3/push/app", data="{}", content_type="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert_secure_headers(response)


# Templates ---------------------------------------------------------------------------

TEMPLATE_DIRS = [Path(d) for d in cast("list[Path]", settings.TEMPLATES[0]["DIRS"])]
# Event handler attributes (onclick, onsubmit, …); a bare word such as `only` inside a
# `{% if %}` has no value, so it is not mistaken for one.
HANDLER = re.compile(r"on[a-z]+")


class InlineCodeFinder(HTMLParser):
    """Collects what the Content-Security-Policy would block: `<script>` with a body
    (JSON data islands are not executed and are allowed), `<style>`, `on*=` handlers,
    `style=` attributes and `javascript:` URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self._script: tuple[int, bool] | None = None  # (line, executable)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if HANDLER.fullmatch(name) and value is not None:
                self.problems.append((line, f"inline event handler {name}="))
            elif name == "style":
                self.problems.append((line, "style attribute"))
            elif value and value.strip().lower().startswith("javascript:"):
                self.problems.append((line, f"javascript: URL in {name}="))
        if tag == "style":
            self.problems.append((line, "<style> block"))
        elif tag == "script":
            kind = (dict(attrs).get("type") or "").strip().lower()
            self._script = (line, kind != "application/json")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script and self._script[1] and data.strip():
            self.problems.append((self._script[0], "inline <script> body"))
            self._script = (self._script[0], False)  # once per script


def inline_code(source: str) -> list[tuple[int, str]]:
    finder = InlineCodeFinder()
    finder.feed(source)
    finder.close()
    return finder.problems


def test_the_finder_sees_each_kind_of_inline_code() -> None:
    source = """<p style="color: red">
<button onclick="go()">Go</button>
<script>alert(1)</script>
<script type="application/json" id="data">{"a": 1}</script>
<script src="/static/js/app.js" defer></script>
<a href="javascript:void(0)">x</a>
<style>p { color: red }</style>
<input {% if only %}hidden{% endif %}>"""
    assert [line for line, _ in inline_code(source)] == [1, 2, 3, 6, 7]


def test_templates_have_no_inline_code() -> None:
    templates = sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html"))
    assert templates
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}"
        for path in templates
        for line, what in inline_code(path.read_text(encoding="utf-8"))
    ]
    assert not found, "Content-Security-Policy blocks these; move them to static/:\n" + "\n".join(
        found
    )
