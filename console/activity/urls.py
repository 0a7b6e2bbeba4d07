from __future__ import annotations

from django.urls import path

from console.activity import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("notifications/", views.notification_list, name="notification-list"),
]
