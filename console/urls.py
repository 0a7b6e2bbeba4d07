from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from django.views.i18n import JavaScriptCatalog

from console.preferences import views as preferences
from console.users import views as users

# Each area holds full paths, so the pages keep their URLs and their `console:` names.
pages = [
    path("", include("console.apps.urls")),
    path("", include("console.activity.urls")),
    # Without SANDBOX_ENABLED the inbox answers 404 but keeps its name: the nav reverses it.
    path("", include("console.sandbox.urls"))
    if settings.SANDBOX_ENABLED
    else path("sandbox-inbox/", page_not_found, {"exception": Http404()}, name="sandbox-inbox"),
    path("", include("console.packages.urls")),
    path("", include("console.plans.urls")),
    path("", include("console.lookup.urls")),
    path("", include("console.pushes.urls")),
    path("", include("console.review.urls")),
    path("", include("console.users.urls")),
]


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


urlpatterns = [
    path("", include((pages, "console"))),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Where a one-time set-password link leads: for people not signed in (yet).
    path("password/set/<uidb64>/<token>/", users.password_set, name="password-set"),
    path("healthz", healthz, name="healthz"),
    # The language switcher of the top bar, for everyone (the login page has it too).
    path("language/", preferences.set_language, name="set-language"),
    path("preferences/", preferences.preferences, name="preferences"),
    # The page scripts' translations, served as a same-origin script file (the CSP allows
    # no inline code). Only the project's own catalog: Django's admin strings stay out.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["console"]),
        name="javascript-catalog",
    ),
    *([path("sandbox/", include("pushes.sandbox.urls"))] if settings.SANDBOX_ENABLED else []),
    *([path("django-admin/", admin.site.urls)] if settings.DJANGO_ADMIN_ENABLED else []),
]
