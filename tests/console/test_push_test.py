"""Test pushes from the preview, and the admin page for the app's test accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from pushes import snapshot
from pushes.audit import verify_chain
from pushes.errors import PushdeckError
from pushes.models import App, AuditEvent, Push, TestAccountsChange
from pushes.services import app_test_accounts_decide, app_test_accounts_propose, queue
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django import DjangoCaptureOnCommitCallbacks

pytestmark = pytest.mark.django_db


def test_send_test_creates_a_test_row_queued_on_commit(
    client: Client,
    app: App,
    marketer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.test_accounts = ["qa-phone-1", "qa-phone-2"]
    app.save()
    push = make_push(app=app, author=marketer, custom_content={"k": "v"}, account_type=1005)
    queued: list[int] = []
    monkeypatch.setattr(
        "pushes.services.queue._send",
        lambda name, args, countdown: queued.append(*args) if name == queue.DELIVER_PUSH else None,
    )
    client.force_login(marketer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("console:push-test", kwargs={"code": push.code}))
        assert queued == []  # nothing is queued before the commit
    for callback in callbacks:
        callback()
    test = Push.objects.get(is_test=True)
    assert queued == [test.id]
    assert response["Location"] == reverse("console:push-preview", kwargs={"code": push.code})
    assert (test.status, test.source, test.accounts, test.target) == (
        "approved",
        "manual",
        ["qa-phone-1", "qa-phone-2"],
        "account_list",
    )
    assert test.approved_hash == test.content_hash == snapshot.content_hash(snapshot.snapshot(test))
    assert test.payload["account_list"] == ["qa-phone-1", "qa-phone-2"]
    assert test.payload["account_type"] == 1005
    assert test.payload["message"]["title"] == push.title
    assert test.queued_at is not None and test.created_by == marketer
    event = AuditEvent.objects.get(action="push.test_sent")
    assert event.data["tested_push"] == str(push.code)
    assert verify_chain() is None
    # The push itself is untouched: still a draft that needs review.
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT and not push.is_test


def test_send_test_refuses_without_test_accounts(
    client: Client,
    app: App,
    marketer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    push = make_push(app=app, author=marketer)
    client.force_login(marketer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("console:push-test", kwargs={"code": push.code}), follow=True
        )
    assert callbacks == []
    assert not Push.objects.filter(is_test=True).exists()
    assert "This app has no test accounts." in response.content.decode()


def test_send_test_refuses_an_invalid_message(client: Client, app: App, marketer: User) -> None:
    app.test_accounts = ["qa-phone-1"]
    app.save()
    push = make_push(app=app, author=marketer, title="")
    client.force_login(marketer)
    response = client.post(reverse("console:push-test", kwargs={"code": push.code}), follow=True)
    assert not Push.objects.filter(is_test=True).exists()
    assert "The test push was not sent" in response.content.decode()


def test_test_pushes_are_labelled_in_the_list_and_the_record(
    client: Client, app: App, marketer: User
) -> None:
    app.test_accounts = ["qa-phone-1"]
    app.save()
    push = make_push(app=app, author=marketer)
    client.force_login(marketer)
    sent = client.post(reverse("console:push-test", kwargs={"code": push.code}), follow=True)
    test = Push.objects.get(is_test=True)
    assert "Test push sent to 1 test account." in sent.content.decode()
    assert f'href="/pushes/{test.code}/">Follow its delivery</a>' in sent.content.decode()
    listing = client.get(reverse("console:push-list")).content.decode()
    assert '<span class="badge info">Test</span>' in listing
    record = client.get(reverse("console:push-detail", kwargs={"code": test.code}))
    body = record.content.decode()
    assert '<span class="badge info">Test</span>' in body
    assert record.context["can_edit"] is False
    assert record.context["can_submit"] is False


def test_admin_proposes_test_accounts_with_line_errors_and_an_audit_event(
    client: Client, app: App, app_admin: User
) -> None:
    client.force_login(app_admin)
    page = reverse("console:app-test-accounts", kwargs={"code": app.code})
    bad = client.post(page, {"test_accounts": "qa-1\nx\n"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["test_accounts"] == [
        "Line 2: account has 1 character; accounts have 2–100 characters"
    ]
    assert "qa-1\nx\n" in bad.content.decode()
    too_many = client.post(page, {"test_accounts": "\n".join(f"qa-{i}" for i in range(21))})
    assert too_many.context["form"].errors["test_accounts"] == [
        "21 accounts: an app has at most 20 test accounts."
    ]
    ok = client.post(page, {"test_accounts": "qa-1\nqa-2\nqa-1\n"})
    assert ok["Location"] == page
    app.refresh_from_db()
    assert app.test_accounts == []  # not before a second person approves
    change = TestAccountsChange.objects.get(app=app)
    assert (change.status, change.accounts, change.proposed_by) == (
        "pending",
        ["qa-1", "qa-2"],
        app_admin,
    )
    event = AuditEvent.objects.get(action="app.test_accounts_proposed")
    assert event.data == {"change": change.pk, "added": ["qa-1", "qa-2"], "removed": [], "count": 2}
    body = client.get(page).content.decode()
    assert "Waiting for approval" in body and "another admin or reviewer" in body
    assert 'value="approve"' not in body  # not for its own author


def test_a_second_person_approves_the_list_and_the_test_push_page_names_them(
    client: Client, app: App, app_admin: User, reviewer: User, marketer: User
) -> None:
    change = app_test_accounts_propose(app=app, by=app_admin, text="qa-1\nqa-2")
    assert change is not None
    with pytest.raises(PushdeckError, match="another admin or reviewer"):
        app_test_accounts_decide(change=change, by=app_admin, approve=True)
    assert App.objects.get(id=app.id).test_accounts == []
    client.force_login(reviewer)
    page = reverse("console:app-test-accounts", kwargs={"code": app.code})
    client.post(
        reverse(
            "console:app-test-accounts-decide", kwargs={"code": app.code, "change_id": change.pk}
        ),
        {"decision": "approve"},
    )
    app.refresh_from_db()
    assert app.test_accounts == ["qa-1", "qa-2"]
    assert app.test_accounts_approved_by == reviewer
    assert "approved by <strong>rob</strong>" in client.get(page).content.decode()
    event = AuditEvent.objects.get(action="app.test_accounts_changed")
    assert event.actor == reviewer and event.data["proposed_by"] == "ada"
    push = make_push(app=app, author=marketer)
    client.force_login(marketer)
    preview = client.get(reverse("console:push-preview", kwargs={"code": push.code}))
    assert "The list was approved by <strong>rob</strong>" in preview.content.decode()


def test_the_database_refuses_a_list_approved_by_its_author(app: App, app_admin: User) -> None:
    from django.db import IntegrityError, transaction

    change = TestAccountsChange.objects.create(app=app, accounts=["qa-1"], proposed_by=app_admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        TestAccountsChange.objects.filter(pk=change.pk).update(
            status="approved", decided_by=app_admin
        )


def test_a_rejection_needs_a_reason_and_leaves_the_list(
    app: App, app_admin: User, reviewer: User
) -> None:
    from django.core.exceptions import ValidationError

    App.objects.filter(id=app.id).update(test_accounts=["qa-old"])
    change = app_test_accounts_propose(app=app, by=app_admin, text="mallory")
    assert change is not None
    with pytest.raises(ValidationError):
        app_test_accounts_decide(change=change, by=reviewer, approve=False)
    app_test_accounts_decide(change=change, by=reviewer, approve=False, comment="Not our device")
    assert App.objects.get(id=app.id).test_accounts == ["qa-old"]
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.comment) == (
        "rejected",
        reviewer,
        "Not our device",
    )


def test_a_marketer_can_neither_propose_nor_approve(
    app: App, app_admin: User, marketer: User
) -> None:
    with pytest.raises(PushdeckError):
        app_test_accounts_propose(app=app, by=marketer, text="qa-1")
    change = app_test_accounts_propose(app=app, by=app_admin, text="qa-1")
    assert change is not None
    with pytest.raises(PushdeckError):
        app_test_accounts_decide(change=change, by=marketer, approve=True)
    assert App.objects.get(id=app.id).test_accounts == []


def test_only_admins_propose_test_accounts(
    client: Client, app: App, marketer: User, reviewer: User, stranger: User
) -> None:
    page = reverse("console:app-test-accounts", kwargs={"code": app.code})
    client.force_login(marketer)
    assert client.get(page).status_code == 403
    assert client.post(page, {"test_accounts": "qa-1"}).status_code == 403
    client.force_login(reviewer)
    assert client.get(page).status_code == 200  # reviewers approve proposals
    assert client.post(page, {"test_accounts": "qa-1"}).status_code == 403
    client.force_login(stranger)
    assert client.get(page).status_code == 404
    app.refresh_from_db()
    assert app.test_accounts == []
    assert not TestAccountsChange.objects.exists()
