from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pushes.sandbox"
    label = "sandbox"
    verbose_name = "TPNS sandbox"

    def ready(self) -> None:
        from pushes.sandbox import receivers  # noqa: F401  (connects to the domain events)
