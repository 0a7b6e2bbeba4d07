"""Test pushes from the preview, and the app's test accounts that receive them.

A test push goes out at once, without review, but only ever to the app's test accounts
(at most 20, set by an admin), so it cannot reach real users. It is a separate Push row
marked `is_test`, so the records always show what was sent as a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pushes import snapshot
from pushes.audit import audit_record
from pushes.models import App, Push
from pushes.services.pushes import PushValidationError, parse_typed_accounts
from pushes.services.queue import enqueue_on_commit

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


class TestPushError(Exception):
    """A test push that cannot be sent (no test accounts, paused app)."""

    __test__ = False  # not a pytest test class, despite the name


@transaction.atomic
def push_send_test(*, push: Push, by: User) -> Push:
    """Send the push's content now to the app's test accounts, without review."""
    app = App.objects.select_for_update().get(pk=push.app_id)
    if not app.test_accounts:
        raise TestPushError(
            "This app has no test accounts. An admin can add up to "
            f"{MAX_TEST_ACCOUNTS} on the app's Test accounts page."
        )
    if app.is_paused:
        raise TestPushError(f"“{app.name}” is paused: nothing is sent until an admin resumes it.")
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
            errors.setdefault(name, []).append(str(problem))
        raise PushValidationError(errors)
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
    from pushes.tasks import deliver_push

    enqueue_on_commit(deliver_push, test.id)
    return test


@transaction.atomic
def app_set_test_accounts(*, app: App, by: User, text: str) -> App:
    """Replace the app's test accounts with the typed list (one per line, at most 20)."""
    typed = parse_typed_accounts(text)
    messages = [f"Line {line}: {reason}" if line else reason for line, reason in typed.errors]
    if not typed.errors and len(typed.accounts) > MAX_TEST_ACCOUNTS:
        messages.append(
            f"{len(typed.accounts)} accounts: an app has at most {MAX_TEST_ACCOUNTS} test accounts."
        )
    if messages:
        raise ValidationError({"test_accounts": messages})
    app = App.objects.select_for_update().get(pk=app.pk)
    before = list(app.test_accounts)
    if before == typed.accounts:
        return app
    app.test_accounts = typed.accounts
    app.full_clean()
    app.save(update_fields=["test_accounts", "updated_at"])
    # Test pushes skip review, so who may receive them is worth a full record.
    audit_record(
        actor=by,
        action="app.test_accounts_changed",
        obj=app,
        data={
            "added": [a for a in typed.accounts if a not in before],
            "removed": [a for a in before if a not in typed.accounts],
            "count": len(typed.accounts),
        },
    )
    return app
