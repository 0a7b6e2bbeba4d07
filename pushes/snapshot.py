"""What a push sends, frozen: the TPNS request built from a push, and its content hash.

The content hash covers everything that decides what reaches whom: the exact JSON payload,
the package's SHA-256 (or the typed accounts), the account type and the schedule. An
approval binds to this hash, so any change after review voids the approval.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pushes.models import Push
from pushes.tpns.schema import MAX_ACCOUNTS_PER_LIST, Message, PushRequest

OPEN_ACTION_TYPES = {"app": 1, "url": 2, "intent": 3}


def target_for_accounts(count: int) -> str:
    """1 account → account; ≤1000 → account_list; more → an account package (TPNS allows at
    most 1000 accounts per list push)."""
    if count > MAX_ACCOUNTS_PER_LIST:
        return Push.Target.PACKAGE
    return "account" if count == 1 else "account_list"


def target_for(push: Push) -> str:
    """A package push, or the target of its typed accounts."""
    if push.source == "package":
        return Push.Target.PACKAGE
    return target_for_accounts(len(push.accounts))


def _android_action(push: Push) -> dict[str, Any] | None:
    if push.open_action == "url":
        return {"action_type": 2, "browser": {"url": push.open_target, "confirm": 0}}
    if push.open_action == "intent":
        return {"action_type": 3, "intent": push.open_target}
    return None


def build_request(
    push: Push, *, upload_id: int | None = None, plan_id: str | None = None
) -> PushRequest:
    """The push call; `upload_id` and the plan's `plan_id` are added when it is sent."""
    target = target_for(push)
    android: dict[str, Any] | None = None
    action = _android_action(push)
    if action is not None:
        android = {"action": action}
    ios: dict[str, Any] | None = None
    if push.app.platform == "ios" and push.message_type == "notify":
        ios = {"aps": {"alert": {"title": push.title, "body": push.content}, "sound": "default"}}
    message = Message(
        title=push.title,
        content=push.content,
        android=android if push.app.platform == "android" else None,
        ios=ios,
        custom_content=push.custom_content or None,
    )
    # TPNS takes send_time only for package pushes; other scheduled pushes are sent
    # by Pushdeck's sweeper at their time.
    send_time = push.send_time if target == Push.Target.PACKAGE else None
    return PushRequest(
        audience_type=target,
        message_type=push.message_type,
        message=message,
        account_list=list(push.accounts) if target != Push.Target.PACKAGE else None,
        account_type=push.account_type,
        account_push_type=push.account_push_type,
        upload_id=upload_id,
        expire_time=push.expire_time,
        send_time=send_time,
        environment="product" if push.app.platform == "ios" else None,
        plan_id=plan_id,
    )


def snapshot(push: Push) -> dict[str, Any]:
    request = build_request(push)
    package = push.package
    return {
        "payload": request.to_payload(),
        "target": request.audience_type,
        "total_count": total_count(push),
        "package": {
            "name": package.original_name,
            "sha256": package.sha256,
            "accounts": package.accounts,
        }
        if package is not None
        else None,
        "accounts_sha256": hashlib.sha256("\n".join(push.accounts).encode()).hexdigest()
        if push.source == "manual"
        else None,
        "send_time": push.send_time.isoformat() if push.send_time else None,
        # Where it goes: moving the app to another gateway or AccessID voids approvals.
        "gateway": {"name": push.app.gateway, "access_id": push.app.access_id},
        "is_test": push.is_test,
        # The plan it counts in (only when there is one, so older hashes stay valid).
        **({"plan": str(push.plan.code)} if push.plan is not None else {}),
    }


def total_count(push: Push) -> int:
    if push.source == "package":
        return push.package.accounts if push.package is not None else 0
    return len(push.accounts)


def content_hash(snap: dict[str, Any]) -> str:
    canonical = json.dumps(snap, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
