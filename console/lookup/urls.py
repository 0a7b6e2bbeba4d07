from __future__ import annotations

from django.urls import path

from console.lookup import views

urlpatterns = [
    path("apps/<uuid:code>/account-lookup/", views.account_lookup, name="account-lookup"),
]
