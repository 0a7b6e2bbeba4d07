from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from console import views

pages = [
    path("", views.app_list, name="app-list"),
]

urlpatterns = [
    path("", include((pages, "console"))),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("sandbox/", include("pushes.sandbox.urls")),
]
