"""TPNS v3 paths, served under /sandbox/ (e.g. POST /sandbox/v3/push/app)."""

from __future__ import annotations

from django.urls import path

from pushes.sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("v3/push/app", views.push_app, name="push-app"),
    path("v3/push/package/upload", views.package_upload, name="package-upload"),
    path("v3/push/cancel_timing_task", views.cancel_timing_task, name="cancel-timing-task"),
    path("v3/push/plan/add_plan_push", views.add_plan_push, name="add-plan-push"),
    path("v3/device/account/batchoperate", views.account_batchoperate, name="account-batchoperate"),
    path("v3/device/account/query", views.account_query, name="account-query"),
    path(
        "v3/toolbox/getPushListByToken",
        views.get_push_list_by_token,
        name="get-push-list-by-token",
    ),
    path("v3/statistics/get_push_record", views.get_push_record, name="get-push-record"),
    path(
        "v3/statistics/get_push_task_stat_channel",
        views.get_push_task_stat_channel,
        name="get-push-task-stat-channel",
    ),
    path(
        "v3/statistics/get_push_group_stat_channel",
        views.get_push_group_stat_channel,
        name="get-push-group-stat-channel",
    ),
]
