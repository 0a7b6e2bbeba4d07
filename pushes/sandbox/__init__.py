"""The built-in TPNS-compatible sandbox gateway, served under /sandbox/ (tpns-api.md §14).

- `views`: the v3 endpoints (push/app, push/package/upload, push/cancel_timing_task,
  device/account/batchoperate, device/account/query, statistics/get_push_record).
- `auth`: Basic and AccessId/TimeStamp/Sign, ±SANDBOX_CLOCK_SKEW_SECONDS, checked as far as
  the headers allow before any of the body is read; `throttle` refuses an AccessID and client
  address after SANDBOX_AUTH_FAILURE_LIMIT failures in SANDBOX_AUTH_FAILURE_WINDOW_SECONDS.
- `uploads`: package uploads refused from Content-Length when too large, never spooled past
  the 100 MB limit, and deleted from the temporary folder once answered.
- `validation`: the §14.3 check order; `delivery`: who receives a push.
- `services` (writes) and `selectors` (reads), also used by the console and seed_demo.
- `faults`: scripted misbehaviour for tests (FaultPlan), only when SANDBOX_FAULTS_ENABLED
  (default: DEBUG).

Served only when SANDBOX_ENABLED (default: DEBUG); console/urls.py mounts it. Other settings:
SANDBOX_FAULTS_ENABLED (DEBUG) and SANDBOX_AUTH_FAILURE_STATUS (200; 403 makes auth failures
look like §1.2's HTTP 403).
Wire times (send_time, loop_param, get_push_record dates) are China Standard Time, like
pushes.tpns.schema.
"""

from __future__ import annotations
