from __future__ import annotations

from django.urls import path

from console.sandbox import views

# Mounted only with SANDBOX_ENABLED; otherwise console/urls.py answers 404 under the inbox's
# name (the nav reverses it) and the page's actions do not exist.
urlpatterns = [
    path("sandbox-inbox/", views.inbox, name="sandbox-inbox"),
    path(
        "sandbox-inbox/<str:access_id>/engagement/",
        views.engagement_save,
        name="sandbox-engagement",
    ),
    path("sandbox-inbox/<str:access_id>/devices/", views.device_add, name="sandbox-device-add"),
    path(
        "sandbox-inbox/<str:access_id>/deliveries/<int:delivery_id>/open/",
        views.delivery_open,
        name="sandbox-delivery-open",
    ),
    path(
        "sandbox-inbox/<str:access_id>/deliveries/<int:delivery_id>/dismiss/",
        views.delivery_dismiss,
        name="sandbox-delivery-dismiss",
    ),
]
