from __future__ import annotations

from django.urls import path

from console.apps import views

urlpatterns = [
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
    path("apps/<uuid:code>/test-accounts/", views.app_test_accounts, name="app-test-accounts"),
    path(
        "apps/<uuid:code>/test-accounts/<int:change_id>/decide/",
        views.app_test_accounts_decision,
        name="app-test-accounts-decide",
    ),
]
