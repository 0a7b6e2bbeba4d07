from __future__ import annotations

from django.urls import path

from console.users import views

urlpatterns = [
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:user_id>/", views.user_detail, name="user-detail"),
    path("users/<int:user_id>/active/", views.user_set_active, name="user-set-active"),
    path(
        "users/<int:user_id>/password-link/",
        views.user_password_link,
        name="user-password-link",
    ),
    path("preferences/password/", views.password_change, name="password-change"),
]
