"""Authoring and review of pushes: drafts, submission, four-eyes approval, cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes import lifecycle, permissions, snapshot
from pushes.audit import audit_record
from pushes.errors import ContentChanged, Invalid, WrongState
from pushes.models import AccountPackage, Plan, Push, PushRevision, Role
from pushes.notify import notify_roles
from pushes.services.preflight import reach_require_or_override
from pushes.services.queue import CANCEL_SCHEDULED_PUSH, enqueue_on_commit
from pushes.validation import (
    IOS_OPEN_ACTION,
    MAX_TYPED_ACCOUNTS,
    parse_typed_accounts,
    validate_for_submit,
)

__all__ = [
    "IOS_OPEN_ACTION",
    "MAX_TYPED_ACCOUNTS",
    "parse_typed_accounts",
    "validate_for_submit",
]

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App


@dataclass
class PushFields:
    """Everything an author can set on a push."""

    source: str = Push.Source.MANUAL
    accounts_text: str = ""
    package: AccountPackage | None = None
    account_type: int = 0
    account_push_type: int = 0
    message_type: str = Push.MessageType.NOTIFY
    title: str = ""
    content: str = ""
    expire_time: int | None = None
    send_time: datetime | None = None
    custom_content: dict[str, Any] = field(default_factory=dict)
    open_action: str = Push.OpenAction.APP
    open_target: str = ""
    plan: Plan | None = None


def _apply(push: Push, fields: PushFields) -> None:
    push.source = fields.source
    push.accounts_text = fields.accounts_text
    push.package = fields.package if fields.source == Push.Source.PACKAGE else None
    push.plan = fields.plan
    if fields.source == Push.Source.MANUAL:
        push.accounts = parse_typed_accounts(fields.accounts_text).accounts
    else:
        push.accounts = []
    for name in (
        "account_type",
        "account_push_type",
        "message_type",
        "title",
        "content",
        "expire_time",
        "send_time",
        "custom_content",
        "open_action",
        "open_target",
    ):
        setattr(push, name, getattr(fields, name))


@transaction.atomic
def push_save_draft(*, app: App, by: User, fields: PushFields, push: Push | None = None) -> Push:
    """Create or change a draft. Changing a submitted push returns it to draft and voids
    its review."""
    if push is None:
        push = Push(app=app, created_by=by)
        created = True
    else:
        push = Push.objects.select_for_update(of=("self",)).get(pk=push.pk)
        _require_author(push, by)
        if not push.is_editable:
            raise WrongState(
                _("A push that is %(status)s cannot be edited.")
                % {"status": push.get_status_display().lower()}
            )
        created = False
    if fields.plan is not None and fields.plan.app_id != app.id:
        raise Invalid({"plan": _("That plan belongs to another app.")})
    if fields.package is not None and fields.package.app_id != app.id:
        raise Invalid({"package": _("That package belongs to another app.")})
    if _is_empty(fields):
        raise Invalid(_nothing_to_save(fields))
    was = push.status
    _apply(push, fields)
    push.target = snapshot.target_for(push)
    push.total_count = snapshot.total_count(push)
    push.full_clean()
    push.save()
    if created:
        audit_record(actor=by, action="push.created", obj=push)
    elif was != Push.Status.DRAFT:
        # Any edit voids the review: the frozen snapshot and its approvals no longer
        # describe this push (the revisions keep the history).
        lifecycle.move(
            push,
            was,
            Push.Status.DRAFT,
            actor=by,
            action="push.returned_to_draft",
            payload={},
            content_hash="",
            submitted_at=None,
            approved_hash="",
            reviewed_by=None,
            reviewed_at=None,
            review_comment="",
        )
    return push


def _is_empty(fields: PushFields) -> bool:
    """No target and no message: a click on an empty form, which makes no draft."""
    if fields.title.strip() or fields.content.strip():
        return False
    if fields.source == Push.Source.PACKAGE:
        return fields.package is None
    return not fields.accounts_text.strip()


def _nothing_to_save(fields: PushFields) -> str:
    if fields.source == Push.Source.PACKAGE:
        return _(
            "Nothing was saved: a draft needs an account package, a title or content. "
            "Choose a package, or enter a title or content."
        )
    return _(
        "Nothing was saved: a draft needs accounts to push to, a title or content. "
        "Enter at least one of them."
    )


def _require_author(push: Push, by: User) -> None:
    permissions.require(
        permissions.is_author(push, by), _("Only the author of a push can change or submit it.")
    )


@transaction.atomic
def push_submit(
    *, push: Push, by: User, expected_hash: str | None = None, confirm_unreachable: bool = False
) -> Push:
    """Freeze the push (payload + package hash + targets) and ask for review.

    `expected_hash` is the content hash the author previewed; if the push changed since
    (say, in another tab), nothing is submitted. When the reachability preflight found no
    account reachable, only `confirm_unreachable` (the author's "send anyway") submits it."""
    push = (
        Push.objects.select_for_update(of=("self",))
        .select_related("app", "package")
        .get(pk=push.pk)
    )
    _require_author(push, by)
    if push.status not in {Push.Status.DRAFT, Push.Status.REJECTED}:
        raise WrongState(
            _("Only drafts can be submitted; this push is %(status)s.")
            % {"status": push.get_status_display().lower()}
        )
    errors = validate_for_submit(push)
    if errors:
        raise Invalid(errors)
    snap = snapshot.snapshot(push)
    if expected_hash is not None and snapshot.content_hash(snap) != expected_hash:
        raise ContentChanged(_("The push changed since it was previewed; check it again."))
    content_hash = snapshot.content_hash(snap)
    override = reach_require_or_override(push=push, by=by, override=confirm_unreachable)
    number = push.revisions.count() + 1
    lifecycle.move(
        push,
        push.status,
        Push.Status.PENDING_REVIEW,
        actor=by,
        action="push.submitted",
        data={"content_hash": content_hash, "revision": number, "total_count": snap["total_count"]},
        target=snap["target"],
        total_count=snap["total_count"],
        payload=snap["payload"],
        content_hash=content_hash,
        submitted_at=timezone.now(),
        reviewed_by=None,
        reviewed_at=None,
        review_comment="",
        approved_hash="",
        reach_override=override,
    )
    PushRevision.objects.create(
        push=push, number=number, snapshot=snap, content_hash=content_hash, submitted_by=by
    )
    notify_roles(
        push,
        roles=(Role.REVIEWER, Role.ADMIN),
        exclude=by,
        message=f"“{push}” by {by.get_username()} is waiting for your review.",
    )
    return push


@transaction.atomic
def push_cancel(*, push: Push, by: User) -> Push:
    """Cancel before sending. A conditional UPDATE, so a worker's claim and a cancel
    cannot both win."""
    permissions.require(
        permissions.may_cancel(push, by),
        _("Only its author or an admin of the app can cancel it."),
    )
    cancelled = lifecycle.move(
        push, Push.CANCELLABLE, Push.Status.CANCELLED, actor=by, finished_at=timezone.now()
    )
    push.refresh_from_db()
    if not cancelled:
        if (
            push.status == Push.Status.SENT
            and push.target == Push.Target.PACKAGE
            and push.send_time
            and push.send_time > timezone.now()
        ):
            audit_record(actor=by, action="push.cancel_requested", obj=push)
            enqueue_on_commit(CANCEL_SCHEDULED_PUSH, push.id, by.pk)
            return push
        raise WrongState(
            _("A push that is %(status)s cannot be cancelled.")
            % {"status": push.get_status_display().lower()}
        )
    return push
