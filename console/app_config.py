"""The console's AppConfig, named in INSTALLED_APPS: `console.apps` is the Apps area."""

from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
