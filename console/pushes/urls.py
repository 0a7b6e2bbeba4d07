from __future__ import annotations

from django.urls import path

from console.pushes import reach, views

urlpatterns = [
    path("apps/<uuid:code>/push/new/", views.push_create, name="push-create"),
    path(
        "apps/<uuid:code>/push/check-accounts/",
        views.push_check_accounts,
        name="push-check-accounts",
    ),
    path("pushes/", views.push_list, name="push-list"),
    path("pushes/export.csv", views.push_export, name="push-export"),
    path("pushes/<uuid:code>/", views.push_detail, name="push-detail"),
    path("pushes/<uuid:code>/status/", views.push_status, name="push-status"),
    path("pushes/<uuid:code>/edit/", views.push_edit, name="push-edit"),
    path("pushes/<uuid:code>/preview/", views.push_preview, name="push-preview"),
    path("pushes/<uuid:code>/confirm/", views.push_confirm, name="push-confirm"),
    path("pushes/<uuid:code>/test/", views.push_test, name="push-test"),
    path("pushes/<uuid:code>/reach/", reach.push_reach_recheck, name="push-reach-recheck"),
    path(
        "pushes/<uuid:code>/reach/<int:check>/",
        reach.push_reach_status,
        name="push-reach-status",
    ),
    path(
        "pushes/<uuid:code>/reach/<int:check>/unbound.csv",
        reach.push_reach_unbound,
        name="push-reach-unbound",
    ),
    path("pushes/<uuid:code>/cancel/", views.push_cancel_view, name="push-cancel"),
    path(
        "pushes/<uuid:code>/results/refresh/",
        views.push_results_refresh_view,
        name="push-results-refresh",
    ),
]
