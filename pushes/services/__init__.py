"""Writes: the one way to change anything. Views call these; only these queue tasks, after commit.

One module per area; this package re-exports their public functions.
"""

from __future__ import annotations

from pushes.services.apps import (
    APP_FIELDS,
    app_create,
    app_set_paused,
    app_update,
    membership_remove,
    membership_set,
)
from pushes.services.budget import (
    STATISTICS,
    limit,
    next_hour,
    take,
    used,
)
from pushes.services.delivery import (
    DeliveryTimings,
    RetryLater,
    dispatch_due,
    push_cancel_at_gateway,
    push_deliver,
    push_fail_after_retries,
    push_mark_sent,
    push_reconcile,
    push_resend,
    retry_delay,
    sweep,
    timings,
)
from pushes.services.health import (
    health_ping_answer,
    health_ping_create,
)
from pushes.services.lookup import (
    CLOCK_MARGIN,
    LEASE,
    PAGE_SIZE,
    RECORDS_KEPT,
    TPNS_TIME,
    Scan,
    marker_for,
    queue_due,
    schedule,
)
from pushes.services.notifications import (
    notifications_mark_read,
)
from pushes.services.packages import (
    MAX_RETENTION_DAYS,
    MAX_STORED_ERRORS,
    MAX_UPLOAD_BYTES,
    PROGRESS_INTERVAL_SECONDS,
    STALE_CLAIM_AFTER,
    PackageTooLargeError,
    PackageUploadError,
    package_apply_retention,
    package_delete_files,
    package_requeue_stale,
    package_set_retention,
    package_upload,
    package_validate,
    too_large_message,
)
from pushes.services.plans import (
    plan_ask_gateway,
    plan_create,
    plan_register,
    plan_stats_from_gateway,
)
from pushes.services.preferences import (
    user_preference_set,
)
from pushes.services.pushes import (
    IOS_OPEN_ACTION,
    MAX_TYPED_ACCOUNTS,
    PushFields,
    parse_typed_accounts,
    push_cancel,
    push_save_draft,
    push_submit,
    validate_for_submit,
)
from pushes.services.results import (
    next_refresh,
    results_refresh,
    results_refresh_from_gateway,
)
from pushes.services.review import (
    approvals_required,
    push_approve,
    push_reject,
)
from pushes.services.trial import (
    MAX_TEST_ACCOUNTS,
    app_test_accounts_decide,
    app_test_accounts_propose,
    app_test_accounts_withdraw,
    pending_test_accounts_change,
    push_send_test,
)

__all__ = [
    "plan_ask_gateway",
    "plan_create",
    "plan_stats_from_gateway",
    "plan_register",
    "APP_FIELDS",
    "CLOCK_MARGIN",
    "DeliveryTimings",
    "IOS_OPEN_ACTION",
    "LEASE",
    "MAX_RETENTION_DAYS",
    "MAX_STORED_ERRORS",
    "MAX_TEST_ACCOUNTS",
    "MAX_TYPED_ACCOUNTS",
    "MAX_UPLOAD_BYTES",
    "PAGE_SIZE",
    "PROGRESS_INTERVAL_SECONDS",
    "PackageTooLargeError",
    "PackageUploadError",
    "PushFields",
    "RECORDS_KEPT",
    "RetryLater",
    "STALE_CLAIM_AFTER",
    "STATISTICS",
    "Scan",
    "TPNS_TIME",
    "app_create",
    "app_set_paused",
    "app_test_accounts_decide",
    "app_test_accounts_propose",
    "app_test_accounts_withdraw",
    "app_update",
    "approvals_required",
    "dispatch_due",
    "health_ping_answer",
    "health_ping_create",
    "limit",
    "marker_for",
    "membership_remove",
    "membership_set",
    "next_hour",
    "notifications_mark_read",
    "package_apply_retention",
    "package_delete_files",
    "package_requeue_stale",
    "package_set_retention",
    "package_upload",
    "package_validate",
    "parse_typed_accounts",
    "pending_test_accounts_change",
    "push_approve",
    "push_cancel",
    "push_cancel_at_gateway",
    "push_deliver",
    "push_fail_after_retries",
    "push_mark_sent",
    "push_reconcile",
    "push_reject",
    "push_resend",
    "push_save_draft",
    "push_send_test",
    "push_submit",
    "next_refresh",
    "results_refresh",
    "results_refresh_from_gateway",
    "queue_due",
    "retry_delay",
    "schedule",
    "sweep",
    "take",
    "timings",
    "too_large_message",
    "used",
    "user_preference_set",
    "validate_for_submit",
]
