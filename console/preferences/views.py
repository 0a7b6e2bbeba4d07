"""A person's own settings: the language switcher of the top bar (for everyone, signed in or
not) and the preferences page (language and time zone).

A signed-in person's choice is stored on their profile (it then wins over the browser's
Accept-Language on every device); the language cookie carries it for the login page and
for people who are not signed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from console.access import signed_in
from console.preferences.forms import LanguageForm, PreferencesForm
from pushes import services

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    response = redirect(_next_url(request))
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_preference_set(user=signed_in(request), language=language)
    _remember(response, request, language)
    return response


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    stored = getattr(user, "preference", None)
    initial = {
        "language": getattr(stored, "language", ""),
        "time_zone": getattr(stored, "time_zone", ""),
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        services.user_preference_set(
            user=user, language=language, time_zone=form.cleaned_data["time_zone"]
        )
        response = redirect("preferences")
        if language:
            _remember(response, request, language)
        else:  # the browser's language again, not this browser's last choice
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH
            )
        messages.success(request, gettext("Preferences saved."))
        return response
    return render(request, "console/preferences/preferences.html", {"form": form})


def _remember(response: HttpResponse, request: HttpRequest, language: str) -> None:
    """Speak `language` from here on, and keep it in the cookie for this browser."""
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _next_url(request: HttpRequest) -> str:
    """Back to the page the switch was made on, if it is one of ours.

    The page is told by the Referer (sent for same-origin requests under Django's
    same-origin Referrer-Policy), not by a field holding the page's URL: pages must not
    echo what was asked for (a 404 page would repeat another app's id).
    """
    wanted = request.headers.get("Referer", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("console:app-list")
