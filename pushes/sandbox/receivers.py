"""The sandbox's side of the domain events (pushes/events.py): it registers the apps that
use it as their gateway, and tells the delivery counts of the pushes it accepted."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from pushes.events import app_gateway_changed, delivery_counts_requested
from pushes.sandbox import selectors, services

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


@receiver(delivery_counts_requested, dispatch_uid="sandbox-delivery-counts")
def delivery_counts(*, gateway: str, push_id: str, **_: Any) -> dict[str, int] | None:
    if gateway != SANDBOX or not push_id:
        return None
    counts = selectors.push_counts(push_id=push_id)
    if counts is None:
        return None
    return {"targeted": counts.targeted, "delivered": counts.delivered, "unbound": counts.unbound}
