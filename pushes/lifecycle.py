"""How a push changes state: the transition table of DESIGN.md and the one way to move.

```
draft → pending_review → approved → [uploading → uploaded] → sending → sent
                       ↘ rejected          ↘ cancelled            ↘ failed (permanent error)
                                                                  ↘ in_doubt (outcome unknown)
```

Every change of a push's status goes through `move` (or `claim`, a move by a worker that
takes the push for itself): a conditional UPDATE, so of two racing actors only one moves
it, plus exactly one audit event. A move the table does not allow is a programming error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from pushes.audit import audit_record
from pushes.errors import WrongState
from pushes.models import App, Push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

S = Push.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PENDING_REVIEW, S.CANCELLED}),
    # Editing a submitted or rejected push returns it to draft and voids its review.
    S.PENDING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.DRAFT, S.CANCELLED}),
    S.REJECTED: frozenset({S.DRAFT, S.PENDING_REVIEW, S.CANCELLED}),
    S.APPROVED: frozenset({S.UPLOADING, S.SENDING, S.FAILED, S.CANCELLED}),
    # A failed or interrupted upload goes back to approved: uploads may be repeated.
    S.UPLOADING: frozenset({S.UPLOADED, S.APPROVED, S.FAILED, S.CANCELLED}),
    S.UPLOADED: frozenset({S.SENDING, S.FAILED, S.CANCELLED}),
    # Back to approved/uploaded only when the call surely did not take effect.
    S.SENDING: frozenset({S.SENT, S.FAILED, S.IN_DOUBT, S.APPROVED, S.UPLOADED}),
    # Settled by its own gateway record or by a person; resent only after a lookup.
    S.IN_DOUBT: frozenset({S.SENT, S.APPROVED}),
    # A package push TPNS holds for its scheduled time can still be cancelled there.
    S.SENT: frozenset({S.CANCELLED}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Fields worth keeping in the audit event of a move.
AUDITED_FIELDS = frozenset({"push_id", "ret_code", "err_msg", "upload_id", "marker"})


def allowed(frm: str, to: str) -> bool:
    return to in TRANSITIONS.get(frm, frozenset())


def _check(froms: Iterable[str], to: str) -> None:
    wrong = [frm for frm in froms if not allowed(frm, to)]
    if wrong:
        raise WrongState(f"A push cannot go from {', '.join(sorted(wrong))} to {to}.")


def move(
    push: Push,
    frm: str | Iterable[str],
    to: str,
    *,
    actor: User | None = None,
    action: str = "",
    data: dict[str, Any] | None = None,
    **fields: object,
) -> bool:
    """Move the push from `frm` (one status or several) to `to`, setting `fields` too, if
    it is still there. True if this call moved it; then exactly one audit event says so."""
    froms = [frm] if isinstance(frm, str) else list(frm)
    _check(froms, to)
    with transaction.atomic():
        moved = Push.objects.filter(id=push.id, status__in=froms).update(status=to, **fields)
        if moved:
            was = push.status if push.status in froms else froms[0]
            for name, value in fields.items():
                setattr(push, name, value)
            push.status = to
            kept = {k: v for k, v in fields.items() if k in AUDITED_FIELDS}
            audit_record(
                actor=actor,
                action=action or f"push.{to}",
                obj=push,
                data={"from": was, **kept, **(data or {})},
            )
    return bool(moved)


def claim(push: Push, from_statuses: set[str], to: str, **fields: object) -> bool:
    """A worker takes the push for itself before any I/O; only one claimant can win.

    The UPDATE filters on the push row alone: PostgreSQL re-checks such a condition
    after waiting for a concurrent claim, but not one inside a join's subquery. The app's
    pause is read fresh from the database, never from the push loaded earlier.
    """
    if App.objects.filter(id=push.app_id, is_paused=True).exists():
        return False
    _check(from_statuses, to)
    with transaction.atomic():
        claimed = Push.objects.filter(id=push.id, status__in=from_statuses).update(
            status=to, claimed_at=timezone.now(), **fields
        )
        if claimed:
            frm = push.status
            push.refresh_from_db()
            audit_record(actor=None, action=f"push.{to}", obj=push, data={"from": frm})
    return bool(claimed)
