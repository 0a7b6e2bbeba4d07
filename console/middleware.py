"""Response headers that Django and django-csp do not set, and each person's language and
time zone."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone, translation

from pushes.models import UserPreference

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponseBase


def permissions_policy_header(features: dict[str, list[str]]) -> str:
    """`{"camera": []}` → `camera=()`; an allowlist such as `["self"]` → `camera=(self)`."""
    return ", ".join(f"{name}=({' '.join(allow)})" for name, allow in features.items())


class PermissionsPolicyMiddleware:
    """Sets Permissions-Policy from settings.PERMISSIONS_POLICY on every response.

    The console needs none of these browser features, so denying them keeps injected or
    framed content from using them. A header a view set itself is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class UserPreferenceMiddleware:
    """Activates a signed-in person's stored language and time zone for their request.

    Sits after AuthenticationMiddleware (it needs the user) and after LocaleMiddleware,
    whose choice from the language cookie or Accept-Language it overrides: what a person
    chose in the console follows them to every browser. Without a stored choice the
    browser's language stands and times are shown in settings.TIME_ZONE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language, zone = stored_preference(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            # The time zone is per thread; the next request on it may be someone else's.
            timezone.deactivate()


def stored_preference(request: HttpRequest) -> tuple[str, zoneinfo.ZoneInfo | None]:
    """The signed-in person's language and time zone, each only if still a valid one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "", None
    found = (
        UserPreference.objects.filter(user_id=user.pk).values_list("language", "time_zone").first()
    )
    if found is None:
        return "", None
    language, time_zone = found
    if language not in dict(settings.LANGUAGES):
        language = ""
    return language, _zone(time_zone)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
