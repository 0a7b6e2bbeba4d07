"""Writes, one module per aggregate. Views call these; only these queue tasks, after commit."""

from __future__ import annotations

from pushes.services.apps import (
    app_create,
    app_set_paused,
    app_update,
    health_ping_answer,
    health_ping_create,
    membership_remove,
    membership_set,
    notifications_mark_read,
)

__all__ = [
    "app_create",
    "app_set_paused",
    "app_update",
    "health_ping_answer",
    "health_ping_create",
    "membership_remove",
    "membership_set",
    "notifications_mark_read",
]
