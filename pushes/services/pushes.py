"""Authoring and review of pushes: drafts, submission, four-eyes approval, cancel."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from pushes import lifecycle, permissions, snapshot
from pushes.audit import audit_record
from pushes.errors import ContentChanged, Invalid, NotAllowed, WrongState
from pushes.models import AccountPackage, Approval, Push, PushRevision, Role
from pushes.notify import notify
from pushes.services.queue import CANCEL_SCHEDULED_PUSH, DELIVER_PUSH, enqueue_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

MAX_TYPED_ACCOUNTS = 100_000


@dataclass(frozen=True)
class TypedAccounts:
    accounts: list[str]
    duplicates: int
    errors: list[tuple[int, str]]  # (line, reason)
    lines: int


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


def parse_typed_accounts(text: str) -> TypedAccounts:
    """Typed accounts, checked with exactly the account-package rules (one per line)."""
    from pushes.packages import RowError, iter_accounts, validate_package

    errors: list[tuple[int, str]] = []

    def collect(error: RowError) -> None:
        if len(errors) < 100:
            errors.append((error.line, error.reason))

    data = text.encode("utf-8")
    if not data.strip():
        return TypedAccounts(accounts=[], duplicates=0, errors=[], lines=0)
    result = validate_package(io.BytesIO(data), "typed.txt", on_error=collect)
    if result.problem and not errors:
        errors.append((0, result.problem))
    accounts = list(iter_accounts(io.BytesIO(data), "typed.txt")) if not errors else []
    return TypedAccounts(
        accounts=accounts, duplicates=result.duplicates, errors=errors, lines=result.rows
    )


def _apply(push: Push, fields: PushFields) -> None:
    push.source = fields.source
    push.accounts_text = fields.accounts_text
    push.package = fields.package if fields.source == Push.Source.PACKAGE else None
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
                f"A push that is {push.get_status_display().lower()} cannot be edited."
            )
        created = False
    if fields.package is not None and fields.package.app_id != app.id:
        raise Invalid({"package": "That package belongs to another app."})
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


def _require_author(push: Push, by: User) -> None:
    permissions.require(
        permissions.is_author(push, by), "Only the author of a push can change or submit it."
    )


IOS_OPEN_ACTION = (
    "Opening a URL or an intent works on Android only: TPNS has no open action for iOS. "
    "Choose “Open the app”, and pass the link in the custom key/values for the iOS app to open."
)


def validate_for_submit(push: Push, *, now: datetime | None = None) -> dict[str, list[str]]:
    """Every reason this push cannot be submitted, keyed by form field."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if push.source == Push.Source.MANUAL:
        typed = parse_typed_accounts(push.accounts_text)
        for line, reason in typed.errors[:20]:
            add("accounts_text", f"Line {line}: {reason}" if line else reason)
        if not typed.errors and not typed.accounts:
            add("accounts_text", "Enter at least one account, one per line.")
        if typed.lines > MAX_TYPED_ACCOUNTS:
            add(
                "accounts_text",
                f"Type at most {MAX_TYPED_ACCOUNTS:,} accounts; upload a package for more.",
            )
    elif push.package is None:
        add("package", "Choose or upload an account package.")
    elif push.package.status != AccountPackage.Status.VALID:
        add(
            "package",
            f"The package “{push.package.original_name}” is not valid: {push.package.get_status_display().lower()}.",
        )
    elif push.package.file_deleted_at is not None:
        add("package", "The package file was deleted by the retention policy; upload it again.")
    if push.app.platform == "ios" and push.open_action != Push.OpenAction.APP:
        add("open_action", IOS_OPEN_ACTION)
    if push.send_time is not None and push.send_time <= (now or timezone.now()):
        add("send_time", "The scheduled time is in the past; clear it to send on approval.")
    if not errors:
        request = snapshot.build_request(
            push, upload_id=1 if push.target == "package_account_push" else None
        )
        for problem in request.validate(now=now):
            add(_form_field(problem.field), _sentence(problem.field, problem.message))
    return errors


def _form_field(path: str) -> str:
    if path.startswith("account_list"):
        return "accounts_text"
    if path.startswith("message.title") or path.endswith("title"):
        return "title"
    if path.startswith("message.content") or path.startswith("message"):
        return "content"
    if "custom_content" in path:
        return "custom_content"
    return (
        path
        if path in {"expire_time", "send_time", "account_type", "account_push_type", "message_type"}
        else "__all__"
    )


# The request schema names fields by their JSON path; people read the field's name.
_PATH_WORDS = {
    "message": "The message",
    "message.title": "The title",
    "message.content": "The content",
    "expire_time": "Offline storage",
    "send_time": "The scheduled time",
    "account_type": "The account type",
    "account_push_type": "Push to",
    "message_type": "The push type",
}


def _sentence(path: str, message: str) -> str:
    """A schema problem in words: ("message.title", "is required") → "The title is required."."""
    words = _PATH_WORDS.get(path)
    if words is None and path.startswith("message.") and "[" not in path:
        words = "The " + path.rsplit(".", 1)[-1].replace("_", " ")
    if words is None:
        return f"{path}: {message}" if path else message
    return f"{words} {message}{'' if message.endswith('.') else '.'}"


@transaction.atomic
def push_submit(*, push: Push, by: User, expected_hash: str | None = None) -> Push:
    """Freeze the push (payload + package hash + targets) and ask for review.

    `expected_hash` is the content hash the author previewed; if the push changed since
    (say, in another tab), nothing is submitted."""
    push = (
        Push.objects.select_for_update(of=("self",))
        .select_related("app", "package")
        .get(pk=push.pk)
    )
    _require_author(push, by)
    if push.status not in {Push.Status.DRAFT, Push.Status.REJECTED}:
        raise WrongState(
            f"Only drafts can be submitted; this push is {push.get_status_display().lower()}."
        )
    errors = validate_for_submit(push)
    if errors:
        raise Invalid(errors)
    snap = snapshot.snapshot(push)
    if expected_hash is not None and snapshot.content_hash(snap) != expected_hash:
        raise ContentChanged("The push changed since it was previewed; check it again.")
    content_hash = snapshot.content_hash(snap)
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
    )
    PushRevision.objects.create(
        push=push, number=number, snapshot=snap, content_hash=content_hash, submitted_by=by
    )
    _notify(
        push,
        roles=(Role.REVIEWER, Role.ADMIN),
        exclude=by,
        message=f"“{push}” by {by.get_username()} is waiting for your review.",
    )
    return push


def approvals_required(push: Push) -> int:
    limit = push.app.two_approvals_above
    return 2 if limit is not None and push.total_count > limit else 1


@transaction.atomic
def push_approve(
    *, push: Push, by: User, comment: str = "", expected_hash: str | None = None
) -> Push:
    """Approve exactly the frozen content. The author can never approve their own push.

    `expected_hash` is the content hash the reviewer saw; if the push was resubmitted
    since, nothing is approved. Approving twice is harmless: the second call changes
    nothing and queues nothing.
    """
    push = Push.objects.select_for_update(of=("self",)).select_related("app").get(pk=push.pk)
    if push.created_by_id == by.pk:
        raise NotAllowed("You cannot approve your own push.")
    permissions.require_role(
        push.app, by, permissions.REVIEWERS, "Only reviewers and admins approve."
    )
    if expected_hash is not None and expected_hash != push.content_hash:
        raise ContentChanged("The push changed while you were reviewing it. Review it again.")
    revision = push.revisions.order_by("-number").first()
    already = revision is not None and revision.approvals.filter(reviewer=by).exists()
    if push.status != Push.Status.PENDING_REVIEW or revision is None:
        if already:
            return push
        raise WrongState(f"This push is {push.get_status_display().lower()}, not pending review.")
    if already:
        return push
    if push.send_time is not None and push.send_time <= timezone.now():
        raise WrongState("Its scheduled time has passed. The author must change or clear it first.")
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
    have = revision.approvals.count()
    if have < approvals_required(push):
        _notify(
            push,
            roles=(Role.REVIEWER, Role.ADMIN),
            exclude=by,
            message=f"“{push}” has {have} of {approvals_required(push)} approvals; "
            "it needs another reviewer.",
        )
        return push
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
    _notify_author(push, f"“{push}” was approved by {by.get_username()} and is being sent.")
    enqueue_on_commit(DELIVER_PUSH, push.id, on_failure=lambda: _not_queued(push))
    return push


def _not_queued(push: Push) -> None:
    """The broker was down at approval: the sweeper queues it once the broker is back."""
    Push.objects.filter(id=push.id, status=Push.Status.APPROVED).update(queued_at=None)
    push.queued_at = None


@transaction.atomic
def push_reject(*, push: Push, by: User, comment: str) -> Push:
    push = Push.objects.select_for_update(of=("self",)).get(pk=push.pk)
    if push.created_by_id == by.pk:
        raise NotAllowed("You cannot review your own push.")
    permissions.require_role(
        push.app, by, permissions.REVIEWERS, "Only reviewers and admins reject."
    )
    if not comment.strip():
        raise Invalid({"comment": "Say why the push is rejected, so the author can fix it."})
    if push.status != Push.Status.PENDING_REVIEW:
        raise WrongState(f"This push is {push.get_status_display().lower()}, not pending review.")
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
    _notify_author(push, f"“{push}” was rejected by {by.get_username()}: {comment.strip()}")
    return push


@transaction.atomic
def push_cancel(*, push: Push, by: User) -> Push:
    """Cancel before sending. A conditional UPDATE, so a worker's claim and a cancel
    cannot both win."""
    permissions.require(
        permissions.may_cancel(push, by), "Only its author or an admin of the app can cancel it."
    )
    cancelled = lifecycle.move(
        push, Push.CANCELLABLE, Push.Status.CANCELLED, actor=by, finished_at=timezone.now()
    )
    push.refresh_from_db()
    if not cancelled:
        if (
            push.status == Push.Status.SENT
            and push.target == "package_account_push"
            and push.send_time
            and push.send_time > timezone.now()
        ):
            audit_record(actor=by, action="push.cancel_requested", obj=push)
            enqueue_on_commit(CANCEL_SCHEDULED_PUSH, push.id, by.pk)
            return push
        raise WrongState(f"A push that is {push.get_status_display().lower()} cannot be cancelled.")
    return push


def _notify(push: Push, *, roles: tuple[str, ...], exclude: User, message: str) -> None:
    members = push.app.memberships.filter(role__in=roles).exclude(user_id=exclude.pk)
    notify(user_ids=members.values_list("user_id", flat=True), push=push, message=message)


def _notify_author(push: Push, message: str) -> None:
    notify(user_ids=[push.created_by_id], push=push, message=message)
