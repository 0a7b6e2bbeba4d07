from __future__ import annotations

from django.urls import path

from console.plans import views

urlpatterns = [
    path("apps/<uuid:code>/plans/", views.plan_list, name="plan-list"),
    path("apps/<uuid:code>/plans/<uuid:plan>/", views.plan_detail, name="plan-detail"),
    path(
        "apps/<uuid:code>/plans/<uuid:plan>/ask-gateway/",
        views.plan_ask_gateway_view,
        name="plan-ask-gateway",
    ),
]
