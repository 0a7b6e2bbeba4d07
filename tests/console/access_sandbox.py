"""Permission-matrix rows for the Sandbox page's actions.

Every member of an app sees its sandbox (access_core's `sandbox-inbox` row); its admins and
staff alone change it: the engagement model, new devices, Open and Dismiss.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pushes.models import App
from pushes.sandbox import services as sandbox
from pushes.sandbox.models import AccountBinding, Delivery, Device, SandboxApp, SandboxPush
from tests.console.access import ADMINS_POST, Page


def _sandbox_app(app: App) -> SandboxApp:
    return sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)


def _on_sandbox(app: App) -> dict[str, Any]:
    return {"access_id": _sandbox_app(app).access_id}


def _delivery(app: App) -> dict[str, Any]:
    sandbox_app = _sandbox_app(app)
    device = sandbox.register_device(app=sandbox_app, label="Matrix phone")
    push = SandboxPush.objects.create(
        app=sandbox_app, push_id="1000001", audience_type="token", send_time=timezone.now()
    )
    delivery = Delivery.objects.create(
        push=push, device=device, title="Matrix", delivered_at=timezone.now()
    )
    return {"access_id": sandbox_app.access_id, "delivery_id": delivery.pk}


ENGAGEMENT = {
    "engagement-arrival_rate": "90",
    "engagement-click_rate": "20",
    "engagement-clear_rate": "10",
    "engagement-arrival_delay_seconds": "1",
    "engagement-engage_delay_seconds": "60",
}
DEVICE = {
    "device-platform": "ios",
    "device-token": "",
    "device-label": "Matrix tablet",
    "device-account": "matrix",
    "device-account_type": "0",
}

PAGES: list[Page] = [
    Page(
        "sandbox-engagement",
        "post",
        ADMINS_POST,
        kwargs=_on_sandbox,
        data=ENGAGEMENT,
        done=lambda app, kw: SandboxApp.objects.get(access_id=kw["access_id"]).click_rate == 0.2,
    ),
    Page(
        "sandbox-device-add",
        "post",
        ADMINS_POST,
        kwargs=_on_sandbox,
        data=DEVICE,
        done=lambda app, kw: (
            AccountBinding.objects.filter(
                account="matrix", device__label="Matrix tablet", device__platform="ios"
            ).exists()
            and Device.objects.filter(label="Matrix tablet").count() == 1
        ),
    ),
    Page(
        "sandbox-delivery-open",
        "post",
        ADMINS_POST,
        kwargs=_delivery,
        done=lambda app, kw: Delivery.objects.get(pk=kw["delivery_id"]).clicked_at is not None,
    ),
    Page(
        "sandbox-delivery-dismiss",
        "post",
        ADMINS_POST,
        kwargs=_delivery,
        done=lambda app, kw: Delivery.objects.get(pk=kw["delivery_id"]).cleared_at is not None,
    ),
]
