from __future__ import annotations

from django.urls import path

from console.activity import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("notifications/", views.notification_list, name="notification-list"),
]
