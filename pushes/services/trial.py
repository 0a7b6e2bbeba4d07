"""Test pushes from the preview, and the app's test accounts that receive them.

A test push goes out at once, without review, but only ever to the app's test accounts
(at most 20, set by an admin), so it cannot reach real users. It is a separate Push row
marked `is_test`, so the records always show what was sent as a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes import permissions, snapshot
from pushes.audit import audit_record
from pushes.errors import Invalid, NotAllowed, WrongState
from pushes.models import App, Push, TestAccountsChange
from pushes.services.queue import DELIVER_PUSH, enqueue_on_commit
from pushes.validation import line_problem, parse_typed_accounts, schema_problem

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TEST_ACCOUNTS = 20

# Everything a test push copies from the push it tests; never the targets or schedule.
_COPIED = (
    "account_type",
    "account_push_type",
    "message_type",
    "title",
    "content",
    "expire_time",
    "custom_content",
    "open_action",
    "open_target",
)


@transaction.atomic
def push_send_test(*, push: Push, by: User) -> Push:
    """Send the push's content now to the app's test accounts, without review."""
    app = App.objects.select_for_update().get(pk=push.app_id)
    _require_testable(app)
    test = Push(
        app=app,
        created_by=by,
        is_test=True,
        source=Push.Source.MANUAL,
        accounts=list(app.test_accounts),
        accounts_text="\n".join(app.test_accounts),
        # A test goes out now, whatever the push's schedule.
        send_time=None,
        **{name: getattr(push, name) for name in _COPIED},
    )
    problems = snapshot.build_request(test).validate()
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            name = "title" if "title" in problem.field else "content"
            errors.setdefault(name, []).append(schema_problem(problem.field, problem.message))
        raise Invalid(errors)
    snap = snapshot.snapshot(test)
    now = timezone.now()
    test.target = snap["target"]
    test.total_count = snap["total_count"]
    test.payload = snap["payload"]
    test.content_hash = snapshot.content_hash(snap)
    # No review: the approval is the test itself, bound to exactly this content.
    test.status = Push.Status.APPROVED
    test.approved_hash = test.content_hash
    test.submitted_at = now
    test.queued_at = now
    test.full_clean()
    test.save()
    audit_record(
        actor=by,
        action="push.test_sent",
        obj=test,
        data={
            "tested_push": str(push.code),
            "content_hash": test.content_hash,
            "accounts": len(test.accounts),
        },
    )
    enqueue_on_commit(DELIVER_PUSH, test.id)
    return test


def _require_testable(app: App) -> None:
    if not app.test_accounts:
        raise WrongState(
            _(
                "This app has no test accounts. An admin can add up to "
                "%(max)s on the app's Test accounts page."
            )
            % {"max": MAX_TEST_ACCOUNTS}
        )
    if app.is_paused:
        raise WrongState(
            _("“%(app)s” is paused: nothing is sent until an admin resumes it.") % {"app": app.name}
        )


def _check_list(text: str) -> list[str]:
    typed = parse_typed_accounts(text)
    messages = [line_problem(line, reason) for line, reason in typed.errors]
    if not typed.errors and len(typed.accounts) > MAX_TEST_ACCOUNTS:
        messages.append(
            _("%(count)s accounts: an app has at most %(max)s test accounts.")
            % {"count": len(typed.accounts), "max": MAX_TEST_ACCOUNTS}
        )
    if messages:
        raise Invalid({"test_accounts": messages})
    return typed.accounts


def _diff(before: list[str], after: list[str]) -> dict[str, object]:
    return {
        "added": [a for a in after if a not in before],
        "removed": [a for a in before if a not in after],
        "count": len(after),
    }


def pending_test_accounts_change(*, app: App) -> TestAccountsChange | None:
    return app.test_account_changes.filter(status=TestAccountsChange.Status.PENDING).first()


@transaction.atomic
def app_test_accounts_propose(*, app: App, by: User, text: str) -> TestAccountsChange | None:
    """Propose a new list (one per line, at most 20). It replaces a pending proposal and
    takes effect only when another admin or reviewer approves it. None: nothing changes."""
    permissions.require_role(
        app, by, permissions.ADMINS, _("Only an admin of the app can change its test accounts.")
    )
    accounts = _check_list(text)
    app = App.objects.select_for_update().get(pk=app.pk)
    pending = pending_test_accounts_change(app=app)
    if pending is not None:
        _close(pending, by=by, status=TestAccountsChange.Status.WITHDRAWN, comment="Replaced.")
    if accounts == app.test_accounts:
        return None
    change = TestAccountsChange.objects.create(app=app, accounts=accounts, proposed_by=by)
    # Test pushes skip review, so who may receive them is worth a full record.
    audit_record(
        actor=by,
        action="app.test_accounts_proposed",
        obj=app,
        data={"change": change.pk, **_diff(app.test_accounts, accounts)},
    )
    return change


@transaction.atomic
def app_test_accounts_decide(
    *, change: TestAccountsChange, by: User, approve: bool, comment: str = ""
) -> TestAccountsChange:
    """Another admin or reviewer of the app approves (the list takes effect) or rejects."""
    change = TestAccountsChange.objects.select_for_update().get(pk=change.pk)
    app = App.objects.select_for_update().get(pk=change.app_id)
    if change.status != TestAccountsChange.Status.PENDING:
        raise _already_decided(change)
    if change.proposed_by_id == by.pk:
        raise NotAllowed(
            _("You proposed this list: another admin or reviewer of the app must approve it.")
        )
    permissions.require_role(
        app,
        by,
        permissions.REVIEWERS,
        _("Only an admin or reviewer of the app can decide on this change."),
    )
    if not approve and not comment.strip():
        raise Invalid({"comment": _("Say why the list is rejected.")})
    status = TestAccountsChange.Status.APPROVED if approve else TestAccountsChange.Status.REJECTED
    before = list(app.test_accounts)
    _close(change, by=by, status=status, comment=comment.strip())
    if approve:
        app.test_accounts = change.accounts
        app.test_accounts_approved_by = by
        app.test_accounts_approved_at = timezone.now()
        app.full_clean()
        app.save(
            update_fields=[
                "test_accounts",
                "test_accounts_approved_by",
                "test_accounts_approved_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=by,
            action="app.test_accounts_changed",
            obj=app,
            data={
                "change": change.pk,
                "proposed_by": change.proposed_by.get_username() if change.proposed_by else "",
                **_diff(before, change.accounts),
            },
        )
    return change


@transaction.atomic
def app_test_accounts_withdraw(*, change: TestAccountsChange, by: User) -> TestAccountsChange:
    change = TestAccountsChange.objects.select_for_update().get(pk=change.pk)
    if change.status != TestAccountsChange.Status.PENDING:
        raise _already_decided(change)
    permissions.require(
        change.proposed_by_id == by.pk or permissions.has_role(change.app, by, permissions.ADMINS),
        _("Only its author or an admin of the app can withdraw it."),
    )
    _close(change, by=by, status=TestAccountsChange.Status.WITHDRAWN)
    return change


def _already_decided(change: TestAccountsChange) -> WrongState:
    return WrongState(
        _("This change is %(status)s already.") % {"status": change.get_status_display().lower()}
    )


def _close(change: TestAccountsChange, *, by: User, status: str, comment: str = "") -> None:
    change.status = status
    change.decided_by, change.decided_at, change.comment = by, timezone.now(), comment
    change.full_clean()
    change.save()
    audit_record(
        actor=by,
        action=f"app.test_accounts_{status}",
        obj=change.app,
        data={"change": change.pk, "comment": comment},
    )
