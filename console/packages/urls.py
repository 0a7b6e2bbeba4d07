from __future__ import annotations

from django.urls import path

from console.packages import views

urlpatterns = [
    path("apps/<uuid:code>/packages/", views.package_list, name="package-list"),
    path("apps/<uuid:code>/packages/upload/", views.package_upload, name="package-upload"),
    path(
        "apps/<uuid:code>/packages/retention/",
        views.package_retention,
        name="package-retention",
    ),
    path(
        "apps/<uuid:code>/packages/<uuid:package>/",
        views.package_detail,
        name="package-detail",
    ),
    path(
        "apps/<uuid:code>/packages/<uuid:package>/status/",
        views.package_status,
        name="package-status",
    ),
    path(
        "apps/<uuid:code>/packages/<uuid:package>/report/",
        views.package_report,
        name="package-report",
    ),
    path(
        "apps/<uuid:code>/packages/<uuid:package>/valid-rows/",
        views.package_use_valid_rows,
        name="package-use-valid-rows",
    ),
]
