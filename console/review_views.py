"""Review queue and review pages: Approve / Reject exactly what will be sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "console/review_queue.html", {})


urlpatterns = [
    path("review/", review_queue, name="review-queue"),
]
