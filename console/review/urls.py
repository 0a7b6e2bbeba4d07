from __future__ import annotations

from django.urls import path

from console.review import views

urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("review/<uuid:code>/", views.review_detail, name="review-detail"),
    path("review/<uuid:code>/approve/", views.review_approve, name="review-approve"),
    path("review/<uuid:code>/reject/", views.review_reject, name="review-reject"),
    path("pushes/<uuid:code>/mark-sent/", views.push_mark_sent, name="push-mark-sent"),
    path("pushes/<uuid:code>/resend/", views.push_resend, name="push-resend"),
]
