from __future__ import annotations

from django.urls import path

from console.sandbox import views

# Mounted only with SANDBOX_ENABLED; console/urls.py answers 404 under the same name otherwise.
urlpatterns = [
    path("sandbox-inbox/", views.inbox, name="sandbox-inbox"),
]
