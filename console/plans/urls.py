from __future__ import annotations

from django.urls import path

from console.plans import views

urlpatterns = [
    path("apps/<uuid:code>/plans/", views.plan_list, name="plan-list"),
    path("apps/<uuid:code>/plans/<uuid:plan>/", views.plan_detail, name="plan-detail"),
]
