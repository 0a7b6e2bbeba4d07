"""Shared pieces of the permission matrix (tests/console/test_permissions.py).

Each area of the console lists its pages in its own `access_<area>.py` module as `PAGES`.
A POST row names what it is for (`done`): the matrix checks that it happened for every
persona the row lets in, and that nothing at all changed in the database for the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, reverse

if TYPE_CHECKING:
    from pushes.models import App


def console_pages() -> list[URLPattern]:
    """Every page of the `console` namespace, through the areas' includes."""
    from console.urls import pages

    def flatten(entries: list[URLPattern | URLResolver]) -> list[URLPattern]:
        found: list[URLPattern] = []
        for entry in entries:
            if isinstance(entry, URLResolver):
                found.extend(flatten(entry.url_patterns))
            else:
                found.append(entry)
        return found

    return flatten(pages)


# “stranger” is a marketer of another app, “other_admin” an admin of another app.
PERSONAS = ["anonymous", "stranger", "other_admin", "marketer", "reviewer", "app_admin", "staff"]

EVERYONE = {
    "stranger": 200,
    "other_admin": 200,
    "marketer": 200,
    "reviewer": 200,
    "app_admin": 200,
    "staff": 200,
}
MEMBERS = {**EVERYONE, "stranger": 404, "other_admin": 404}
AUTHORS = {**MEMBERS, "reviewer": 403}
REVIEWERS = {**MEMBERS, "marketer": 403}
ADMINS_GET = {**MEMBERS, "marketer": 403, "reviewer": 403}
ADMINS_POST = {**ADMINS_GET, "app_admin": 302, "staff": 302}
STAFF_ONLY = {persona: 403 for persona in EVERYONE} | {"staff": 200}

Kwargs = Callable[["App"], dict[str, Any]]
Body = Callable[["App", dict[str, Any]], dict[str, Any]]
Done = Callable[["App", dict[str, Any]], bool]


@dataclass(frozen=True)
class Page:
    """One console URL name, how to call it, and the status each persona gets.

    `kwargs(app)` builds the URL arguments other than the app `code` (which is filled in
    when the route has one); it may also set up what the row needs. The fixtures `app`
    (“Demo Shop”) and `marketer` (“mia”, a marketer of it) exist when `kwargs` runs.
    `data` is the POST body, or builds it from the app and the URL arguments. `done`
    tells, from the database, whether the change a POST row is for happened; a POST row
    without it changes nothing for anyone.
    """

    route: str
    method: str
    expect: dict[str, int]  # per signed-in persona; anonymous always goes to login
    kwargs: Kwargs = field(default=lambda app: {})
    data: dict[str, Any] | Body = field(default_factory=dict)
    done: Done | None = None

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.route}"

    def url(self, app: App) -> tuple[str, dict[str, Any]]:
        """The URL and its arguments (for `data` and `done`)."""
        pattern = next(p for p in console_pages() if p.name == self.route)
        kwargs: dict[str, Any] = dict(self.kwargs(app))
        if "code" in pattern.pattern.converters:
            kwargs.setdefault("code", app.code)
        return reverse(f"console:{self.route}", kwargs=kwargs), kwargs

    def body(self, app: App, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.data(app, kwargs) if callable(self.data) else dict(self.data)

    def lets_in(self, persona: str) -> bool:
        return persona != "anonymous" and self.expect[persona] < 400


# Sessions and login throttling change on every request, and nothing grants permissions
# at run time; everything else is data.
WATCHED_APPS = {"auth", "admin", "pushes", "sandbox"}
# The sandbox's rate counters record refused requests too (failed authentications).
UNWATCHED_MODELS = {"auth.Permission", "sandbox.RateWindow"}


def db_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the console could change, to show that a refused request changed none."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label in WATCHED_APPS and model._meta.label not in UNWATCHED_MODELS
    }
