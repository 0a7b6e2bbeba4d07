from __future__ import annotations

from django.apps import AppConfig


class PushesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pushes"

    def ready(self) -> None:
        from pushes import checks  # noqa: F401  (registers the system checks)
