"""Review: reviewers approve exactly the frozen content, or reject it with a reason.

Nobody approves their own push (here and a database constraint); approval binds to the
content hash; an app may require two approvals above a number of accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes import lifecycle, permissions
from pushes.audit import audit_record
from pushes.errors import ContentChanged, Invalid, NotAllowed, WrongState
from pushes.models import Approval, Push, PushRevision, Role
from pushes.notify import notify_author, notify_roles
from pushes.permissions import approvals_required
from pushes.services.queue import DELIVER_PUSH, enqueue_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# Where a reviewer's earlier approval no longer stands: "not pending" says more.
_REVIEW_ENDED = {Push.Status.DRAFT, Push.Status.REJECTED, Push.Status.CANCELLED}


@transaction.atomic
def push_approve(
    *, push: Push, by: User, comment: str = "", expected_hash: str | None = None
) -> Push:
    """Approve exactly the frozen content. The author can never approve their own push.

    `expected_hash` is the content hash the reviewer saw; if the push was resubmitted
    since, nothing is approved. A reviewer approves a submission once: a second approval
    by the same person is refused (`WrongState`), changes nothing and queues nothing.
    """
    push = Push.objects.select_for_update(of=("self",)).select_related("app").get(pk=push.pk)
    _check_reviewer(push, by, expected_hash)
    revision = push.revisions.order_by("-number").first()
    if (
        revision is not None
        and push.status not in _REVIEW_ENDED
        and revision.approvals.filter(reviewer=by).exists()
    ):
        raise _already_approved(push, revision)
    if push.status != Push.Status.PENDING_REVIEW or revision is None:
        raise _not_pending(push)
    if push.send_time is not None and push.send_time <= timezone.now():
        raise WrongState(
            _("Its scheduled time has passed. The author must change or clear it first.")
        )
    have = _add_approval(push, revision, by, comment)
    if have < approvals_required(push):
        notify_roles(
            push,
            roles=(Role.REVIEWER, Role.ADMIN),
            exclude=by,
            message=f"“{push}” has {have} of {approvals_required(push)} approvals; "
            "it needs another reviewer.",
        )
        return push
    _approve(push, by, comment)
    return push


def _already_approved(push: Push, revision: PushRevision) -> WrongState:
    if push.status == Push.Status.PENDING_REVIEW:
        return WrongState(
            _(
                "You have already approved this push; it is waiting for a second reviewer "
                "(%(have)s of %(needed)s)."
            )
            % {"have": revision.approvals.count(), "needed": approvals_required(push)}
        )
    return WrongState(_("You have already approved this push."))


def _not_pending(push: Push) -> WrongState:
    return WrongState(
        _("This push is %(status)s, not pending review.")
        % {"status": push.get_status_display().lower()}
    )


def _check_reviewer(push: Push, by: User, expected_hash: str | None) -> None:
    if push.created_by_id == by.pk:
        raise NotAllowed(_("You cannot approve your own push."))
    permissions.require_role(
        push.app, by, permissions.REVIEWERS, _("Only reviewers and admins approve.")
    )
    if expected_hash is not None and expected_hash != push.content_hash:
        raise ContentChanged(_("The push changed while you were reviewing it. Review it again."))


def _add_approval(push: Push, revision: PushRevision, by: User, comment: str) -> int:
    """Record one reviewer's approval of this exact hash; how many the revision has now."""
    Approval.objects.create(
        push=push,
        revision=revision,
        reviewer=by,
        author_id=push.created_by_id,
        content_hash=push.content_hash,
        comment=comment,
    )
    audit_record(
        actor=by,
        action="push.approval_added",
        obj=push,
        data={"content_hash": push.content_hash, "comment": comment},
    )
    return revision.approvals.count()


def _approve(push: Push, by: User, comment: str) -> None:
    """Enough approvals: approved, bound to the content hash, and queued for delivery."""
    lifecycle.move(
        push,
        Push.Status.PENDING_REVIEW,
        Push.Status.APPROVED,
        actor=by,
        data={"content_hash": push.content_hash},
        reviewed_by=by,
        reviewed_at=timezone.now(),
        review_comment=comment,
        approved_hash=push.content_hash,
        queued_at=timezone.now(),
    )
    notify_author(push, _approved_note(push, by))
    enqueue_on_commit(DELIVER_PUSH, push.id, on_failure=lambda: _not_queued(push))


def _approved_note(push: Push, by: User) -> str:
    """What the author is told: sent now only when nothing holds it back."""
    approved = f"“{push}” was approved by {by.get_username()}"
    if push.app.is_paused:
        return f"{approved}; it is sent when {push.app.name} is resumed (the app is paused)."
    if push.send_time is not None:
        return f"{approved}; it is sent at its scheduled time."
    return f"{approved} and is being sent."


def _not_queued(push: Push) -> None:
    """The broker was down at approval: the sweeper queues it once the broker is back."""
    Push.objects.filter(id=push.id, status=Push.Status.APPROVED).update(queued_at=None)
    push.queued_at = None


@transaction.atomic
def push_reject(*, push: Push, by: User, comment: str) -> Push:
    push = Push.objects.select_for_update(of=("self",)).get(pk=push.pk)
    if push.created_by_id == by.pk:
        raise NotAllowed(_("You cannot review your own push."))
    permissions.require_role(
        push.app, by, permissions.REVIEWERS, _("Only reviewers and admins reject.")
    )
    if not comment.strip():
        raise Invalid({"comment": _("Say why the push is rejected, so the author can fix it.")})
    if push.status != Push.Status.PENDING_REVIEW:
        raise _not_pending(push)
    lifecycle.move(
        push,
        Push.Status.PENDING_REVIEW,
        Push.Status.REJECTED,
        actor=by,
        data={"comment": comment.strip()},
        reviewed_by=by,
        reviewed_at=timezone.now(),
        review_comment=comment.strip(),
    )
    notify_author(push, f"“{push}” was rejected by {by.get_username()}: {comment.strip()}")
    return push
