"""Account package pages: upload with progress, live validation, error report, list."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
