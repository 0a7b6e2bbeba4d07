"""The push domain's models, one module per aggregate."""

from __future__ import annotations

from pushes.account_types import ACCOUNT_TYPES, account_type_choices, account_type_label
from pushes.models.app import App, Gateway, Membership, Platform, Role, TestAccountsChange
from pushes.models.audit import AuditEvent
from pushes.models.base import TimestampedModel
from pushes.models.health import GatewayCallBudget, HealthPing
from pushes.models.package import AccountPackage
from pushes.models.plan import Plan
from pushes.models.preference import UserPreference
from pushes.models.push import Approval, DeliveryAttempt, Notification, Push, PushRevision
from pushes.models.reach import ReachCheck
from pushes.models.results import ChannelResult, PushResults, ResultSample

__all__ = [
    "ACCOUNT_TYPES",
    "account_type_choices",
    "account_type_label",
    "AccountPackage",
    "Approval",
    "ChannelResult",
    "DeliveryAttempt",
    "Notification",
    "Push",
    "Plan",
    "PushRevision",
    "PushResults",
    "ReachCheck",
    "ResultSample",
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
    "UserPreference",
]
