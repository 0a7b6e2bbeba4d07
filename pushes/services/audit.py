"""The audit trail's own write: checking the hash chain, on record."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from pushes import permissions
from pushes.audit import ChainCheck, audit_record, check_chain

if TYPE_CHECKING:
    from django.contrib.auth.models import User

VERIFIED = "audit.verified"


def audit_chain_verify(*, by: User) -> ChainCheck:
    """Check the whole chain, then append an event that says who checked and what was found.

    Staff only: the chain holds the events of every app. The event is appended after the
    walk, chained onto the tail like any other, so the next check covers it too.
    """
    permissions.require(
        permissions.is_staff(by),
        _("Only staff administrators can verify the audit chain: it holds every app's events."),
    )
    check = check_chain()
    audit_record(
        actor=by,
        action=VERIFIED,
        obj=by,
        data={
            "checked": check.checked,
            "intact": check.intact,
            "broken_at": check.broken_at,
            "problem": check.problem,
            "previous": check.previous_id,
        },
    )
    return check
