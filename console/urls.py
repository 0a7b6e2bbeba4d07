from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.urls import include, path
from django.views.defaults import page_not_found

from console import (
    package_views,
    push_views,
    review_views,
    sandbox_views,
    test_account_views,
    views,
)

pages = [
    path("", views.app_list, name="app-list"),
    path("apps/new/", views.app_create, name="app-create"),
    path("apps/<uuid:code>/", views.app_detail, name="app-detail"),
    path("apps/<uuid:code>/edit/", views.app_edit, name="app-edit"),
    path("apps/<uuid:code>/pause/", views.app_pause, name="app-pause"),
    path("apps/<uuid:code>/members/", views.member_set, name="member-set"),
    path(
        "apps/<uuid:code>/members/<int:member_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("audit/", views.audit_list, name="audit-list"),
    path("notifications/", views.notification_list, name="notification-list"),
    # Without SANDBOX_ENABLED the inbox answers 404 but keeps its name: the nav reverses it.
    path("sandbox-inbox/", sandbox_views.inbox, name="sandbox-inbox")
    if settings.SANDBOX_ENABLED
    else path("sandbox-inbox/", page_not_found, {"exception": Http404()}, name="sandbox-inbox"),
    *package_views.urlpatterns,
    *push_views.urlpatterns,
    *review_views.urlpatterns,
    *test_account_views.urlpatterns,
]

urlpatterns = [
    path("", include((pages, "console"))),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    *([path("sandbox/", include("pushes.sandbox.urls"))] if settings.SANDBOX_ENABLED else []),
    *([path("django-admin/", admin.site.urls)] if settings.DJANGO_ADMIN_ENABLED else []),
]
