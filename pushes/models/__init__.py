"""The push domain's models, one module per aggregate."""

from __future__ import annotations

from pushes.account_types import ACCOUNT_TYPES, account_type_label
from pushes.models.app import App, Gateway, Membership, Platform, Role, TestAccountsChange
from pushes.models.audit import AuditEvent
from pushes.models.base import TimestampedModel
from pushes.models.health import GatewayCallBudget, HealthPing
from pushes.models.package import AccountPackage
from pushes.models.push import Approval, DeliveryAttempt, Notification, Push, PushRevision

__all__ = [
    "ACCOUNT_TYPES",
    "account_type_label",
    "AccountPackage",
    "Approval",
    "DeliveryAttempt",
    "Notification",
    "Push",
    "PushRevision",
    "App",
    "AuditEvent",
    "Gateway",
    "GatewayCallBudget",
    "HealthPing",
    "Membership",
    "Platform",
    "Role",
    "TestAccountsChange",
    "TimestampedModel",
]
