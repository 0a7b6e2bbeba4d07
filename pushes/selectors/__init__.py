"""Reads: everything a page shows that is more than one line.

One module per area; this package re-exports their public functions.
"""

from __future__ import annotations

from pushes.selectors.apps import (
    app_list_for_user,
    audit_list_for_user,
    is_admin_somewhere,
    membership_list,
    notifications_for_user,
    roles_by_app,
    unread_notification_count,
)
from pushes.selectors.dashboard import (
    DASHBOARD_WINDOWS,
    Dashboard,
    DayFigures,
    Figures,
    TopPush,
    app_dashboard,
)
from pushes.selectors.packages import (
    package_get_for_app,
    package_list_for_app,
    package_list_valid,
)
from pushes.selectors.pushes import (
    CONTENT_LIMITS,
    MAX_EXPIRE_TIME,
    MAX_MESSAGE_BYTES,
    TITLE_LIMITS,
    AccountsCheck,
    Duplicate,
    accounts_check,
    apps_for_push_list,
    apps_user_can_push,
    channel_warnings,
    package_for_app,
    preview_hash,
    preview_request,
    push_authors_for_user,
    push_list_for_user,
    recent_test_pushes,
    submit_problems,
)
from pushes.selectors.results import (
    ChannelRow,
    Results,
    Step,
    channel_row,
    funnel_steps,
    push_results,
    rate,
)
from pushes.selectors.review import (
    TimelineEntry,
    current_approvals,
    push_timeline,
    review_queue_for_user,
    revision_diff,
)

__all__ = [
    "DASHBOARD_WINDOWS",
    "Dashboard",
    "DayFigures",
    "Figures",
    "TopPush",
    "app_dashboard",
    "ChannelRow",
    "Results",
    "Step",
    "channel_row",
    "funnel_steps",
    "push_results",
    "rate",
    "AccountsCheck",
    "CONTENT_LIMITS",
    "Duplicate",
    "MAX_EXPIRE_TIME",
    "MAX_MESSAGE_BYTES",
    "TITLE_LIMITS",
    "TimelineEntry",
    "accounts_check",
    "app_list_for_user",
    "apps_for_push_list",
    "apps_user_can_push",
    "audit_list_for_user",
    "channel_warnings",
    "current_approvals",
    "is_admin_somewhere",
    "membership_list",
    "notifications_for_user",
    "package_for_app",
    "package_get_for_app",
    "package_list_for_app",
    "package_list_valid",
    "preview_hash",
    "preview_request",
    "push_authors_for_user",
    "push_list_for_user",
    "push_timeline",
    "recent_test_pushes",
    "review_queue_for_user",
    "revision_diff",
    "roles_by_app",
    "submit_problems",
    "unread_notification_count",
]
