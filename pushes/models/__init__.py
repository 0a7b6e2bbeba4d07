"""The push domain's models, one module per aggregate."""

from __future__ import annotations

from pushes.models.app import App, Gateway, Membership, Platform, Role
from pushes.models.audit import AuditEvent
from pushes.models.base import TimestampedModel
from pushes.models.health import HealthPing

__all__ = [
    "App",
    "AuditEvent",
    "Gateway",
    "HealthPing",
    "Membership",
    "Platform",
    "Role",
    "TimestampedModel",
]
