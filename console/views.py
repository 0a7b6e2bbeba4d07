from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    return render(request, "console/app_list.html", {})


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})
