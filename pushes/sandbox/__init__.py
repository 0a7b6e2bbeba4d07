"""The built-in TPNS-compatible sandbox gateway, served under /sandbox/ (tpns-api.md §14).

- `views`: the v3 endpoints (push/app, push/package/upload, push/cancel_timing_task,
  device/account/batchoperate, device/account/query, statistics/get_push_record).
- `auth`: Basic and AccessId/TimeStamp/Sign, ±SANDBOX_CLOCK_SKEW_SECONDS.
- `validation`: the §14.3 check order; `delivery`: who receives a push.
- `services` (writes) and `selectors` (reads), also used by the console and seed_demo.
- `faults`: scripted misbehaviour for tests (FaultPlan), only when SANDBOX_FAULTS_ENABLED
  (default: DEBUG).

Optional settings, read with defaults: SANDBOX_FAULTS_ENABLED (DEBUG) and
SANDBOX_AUTH_FAILURE_STATUS (200; 403 makes auth failures look like §1.2's HTTP 403).
Wire times (send_time, loop_param, get_push_record dates) are China Standard Time, like
pushes.tpns.schema.
"""

from __future__ import annotations
