"""The sandbox's side of the domain events (pushes/events.py): it registers the apps that
use it as their gateway. Everything else reaches it over the TPNS protocol."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from pushes.events import app_gateway_changed
from pushes.sandbox import services

SANDBOX = "sandbox"


@receiver(app_gateway_changed, dispatch_uid="sandbox-app-gateway-changed")
def sync_app(
    *,
    gateway: str,
    access_id: str,
    secret_key: str,
    name: str,
    previous_gateway: str | None,
    previous_access_id: str | None,
    **_: Any,
) -> None:
    moved_away = previous_gateway == SANDBOX and (
        gateway != SANDBOX or previous_access_id != access_id
    )
    if moved_away and previous_access_id:
        # The old AccessID no longer belongs to this app: its old key stops working here.
        services.deactivate_app(access_id=previous_access_id)
    if gateway == SANDBOX:
        services.ensure_app(access_id=access_id, secret_key=secret_key, name=name)
