"""The append-only, hash-chained audit trail.

Each event's hash covers its content and the previous event's hash, so editing or
deleting any row breaks every hash after it (`verify_chain` finds the first break).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pushes.models import App, AuditEvent

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from django.contrib.auth.models import User
    from django.db.models import Model

GENESIS = "0" * 64
_ADVISORY_LOCK_ID = 0x50555348  # "PUSH"


def _digest(event: AuditEvent) -> str:
    content = {
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "app_id": event.app_id,
        "data": event.data,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((event.prev_hash + canonical).encode("utf-8")).hexdigest()


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Model,
    data: dict[str, Any] | None = None,
    app: App | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    if app is None and isinstance(obj, App):
        app = obj
    if app is None:
        app = getattr(obj, "app", None)
    for _ in range(5):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_ID])
                last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
                event = AuditEvent(
                    created_at=timezone.now(),
                    actor=actor if actor is not None and actor.pk else None,
                    actor_name=actor.get_username() if actor is not None and actor.pk else "",
                    action=action,
                    object_type=obj._meta.label_lower,
                    object_id=str(obj.pk),
                    object_repr=str(obj)[:200],
                    app=app,
                    data=json.loads(json.dumps(data or {}, default=str)),
                    prev_hash=last or GENESIS,
                )
                event.hash = _digest(event)
                event.save()
                return event
        except IntegrityError:
            continue  # another writer took this tail; chain onto the new one
    raise RuntimeError("could not append to the audit chain")


@dataclass(frozen=True)
class ChainCheck:
    """What a walk over the chain found: how many events it read, and the first break.

    `problem` is "link" when the event's previous hash is not the hash of the event before
    it (`previous_id`; None for the first event, which should start from GENESIS: an
    event was deleted or inserted there), or "hash" when its own hash does not match its
    content (the row was edited).
    """

    checked: int
    broken_at: int | None = None
    broken_at_time: datetime | None = None
    problem: str = ""
    previous_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def check_chain(events: Iterable[AuditEvent] | None = None) -> ChainCheck:
    """Walk the chain oldest first and stop at the first event whose link or hash is wrong."""
    prev, previous_id, checked = GENESIS, None, 0
    rows = events if events is not None else AuditEvent.objects.order_by("id").iterator(2000)
    for event in rows:
        checked += 1
        problem = "link" if event.prev_hash != prev else ""
        if not problem and _digest(event) != event.hash:
            problem = "hash"
        if problem:
            return ChainCheck(checked, event.pk, event.created_at, problem, previous_id)
        prev, previous_id = event.hash, event.pk
    return ChainCheck(checked)


def verify_chain(events: Iterable[AuditEvent] | None = None) -> int | None:
    """The id of the first event whose hash or link is wrong, or None if intact."""
    return check_chain(events).broken_at
