"""Sandbox background work: deliver package pushes that TPNS would hold for send_time."""

from __future__ import annotations

from celery import shared_task

from pushes.sandbox.services import deliver_due_scheduled as deliver


@shared_task
def deliver_due_scheduled() -> int:
    return deliver()
