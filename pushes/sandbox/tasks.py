"""Sandbox background work: deliver package pushes that TPNS would hold for send_time."""

from __future__ import annotations

from celery import shared_task


@shared_task
def deliver_due_scheduled() -> int:
    from pushes.sandbox.services import deliver_due_scheduled as deliver

    return deliver()
