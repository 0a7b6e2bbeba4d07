"""Shared pieces of the permission matrix (tests/console/test_permissions.py).

Each area of the console lists its pages in its own `access_<area>.py` module as `PAGES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pushes.models import App

EVERYONE = {"stranger": 200, "marketer": 200, "reviewer": 200, "app_admin": 200, "staff": 200}
MEMBERS = {"stranger": 404, "marketer": 200, "reviewer": 200, "app_admin": 200, "staff": 200}
AUTHORS = {"stranger": 404, "marketer": 200, "reviewer": 403, "app_admin": 200, "staff": 200}
REVIEWERS = {"stranger": 404, "marketer": 403, "reviewer": 200, "app_admin": 200, "staff": 200}
ADMINS_GET = {"stranger": 404, "marketer": 403, "reviewer": 403, "app_admin": 200, "staff": 200}
ADMINS_POST = {"stranger": 404, "marketer": 403, "reviewer": 403, "app_admin": 302, "staff": 302}
STAFF_ONLY = {"stranger": 403, "marketer": 403, "reviewer": 403, "app_admin": 403, "staff": 200}


@dataclass(frozen=True)
class Page:
    """One console URL name, how to call it, and the status each persona gets.

    `kwargs(app)` builds the URL arguments other than the app `code` (which is filled in
    when the route has one). The fixtures `app` (“Demo Shop”) and `marketer` (“mia”, a
    marketer of it) exist when `kwargs` runs. `data` is the POST body.
    """

    route: str
    method: str
    expect: dict[str, int]  # per signed-in persona; anonymous always goes to login
    kwargs: Callable[[App], dict[str, Any]] = field(default=lambda app: {})
    data: dict[str, Any] = field(default_factory=dict)
