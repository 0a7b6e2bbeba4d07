from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.db import IntegrityError, transaction

from pushes.audit import verify_chain
from pushes.errors import Invalid, PushdeckError, WrongState
from pushes.models import Approval, AuditEvent, Membership, Notification, Push, PushRevision
from pushes.services import (
    PushFields,
    push_approve,
    push_cancel,
    push_reject,
    push_save_draft,
    push_submit,
)
from tests.factories import MembershipFactory, PackageFactory, UserFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django import DjangoCaptureOnCommitCallbacks

    from pushes.models import App

pytestmark = pytest.mark.django_db


def test_typed_accounts_pick_the_target(app: App, marketer: User) -> None:
    one = make_push(app=app, author=marketer, accounts="alice")
    few = make_push(app=app, author=marketer, accounts="alice\nbob\nalice\n")
    many = make_push(
        app=app, author=marketer, accounts="\n".join(f"user{i:04d}" for i in range(1001))
    )
    assert (one.target, one.total_count) == ("account", 1)
    assert (few.target, few.total_count, few.accounts) == ("account_list", 2, ["alice", "bob"])
    assert (many.target, many.total_count) == ("package_account_push", 1001)


def test_submit_freezes_payload_and_hash(app: App, marketer: User) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    assert push.status == Push.Status.PENDING_REVIEW
    assert push.payload == {
        "audience_type": "account_list",
        "account_list": ["alice", "bob"],
        "account_type": 0,
        "account_push_type": 0,
        "message_type": "notify",
        "message": {"title": "Spring sale", "content": "20% off today"},
    }
    assert len(push.content_hash) == 64
    assert PushRevision.objects.get(push=push).content_hash == push.content_hash


def test_submit_errors_name_the_field_and_line(app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\nx\n", title="")
    with pytest.raises(Invalid) as caught:
        push_submit(push=push, by=marketer)
    assert caught.value.message_dict == {
        "accounts_text": ["Line 2, “x”: account has 1 character; accounts have 2–100 characters"]
    }
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT


def test_empty_title_is_refused_for_a_notification(app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer, title="")
    with pytest.raises(Invalid) as caught:
        push_submit(push=push, by=marketer)
    assert list(caught.value.message_dict) == ["title"]


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Other"},
        {"content": "Other"},
        {"accounts_text": "alice\ncarol\n"},
        {"account_type": 1002},
        {"account_push_type": 1},
        {"expire_time": 3600},
        {"message_type": "message"},
        {"custom_content": {"k": "v"}},
        {"open_action": "url", "open_target": "https://example.com"},
    ],
)
def test_content_hash_changes_when_anything_sent_changes(
    app: App, marketer: User, change: dict[str, Any]
) -> None:
    base = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    other = push_submit(push=make_push(app=app, author=marketer, **change), by=marketer)
    assert base.content_hash != other.content_hash


def test_package_hash_is_part_of_the_content(app: App, marketer: User) -> None:
    first = PackageFactory(app=app)
    second = PackageFactory(app=app, sha256="f" * 64)  # other bytes, same name and counts
    a = push_submit(
        push=make_push(app=app, author=marketer, source="package", package=first), by=marketer
    )
    b = push_submit(
        push=make_push(app=app, author=marketer, source="package", package=second), by=marketer
    )
    assert a.target == "package_account_push" and a.total_count == 3
    assert a.content_hash != b.content_hash


def test_a_package_of_another_app_is_refused(app: App, marketer: User) -> None:
    foreign = PackageFactory()
    with pytest.raises(Invalid):
        make_push(app=app, author=marketer, source="package", package=foreign)


def test_approval_queues_delivery_after_commit(
    app: App,
    marketer: User,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    with django_capture_on_commit_callbacks() as callbacks:
        push_approve(push=push, by=reviewer, comment="ok")
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED
    assert push.approved_hash == push.content_hash
    assert push.reviewed_by == reviewer
    assert len(callbacks) == 1


def test_the_author_cannot_approve_their_own_push(app: App, app_admin: User) -> None:
    push = push_submit(push=make_push(app=app, author=app_admin), by=app_admin)
    with pytest.raises(PushdeckError, match="your own push"):
        push_approve(push=push, by=app_admin)
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW


def test_the_database_refuses_self_approval(app: App, marketer: User) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(push=push, reviewer=marketer, author=marketer, content_hash="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Push.objects.filter(pk=push.pk).update(reviewed_by=marketer)


def test_approving_twice_is_refused_and_queues_once(
    app: App,
    marketer: User,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    with django_capture_on_commit_callbacks() as callbacks:
        push_approve(push=push, by=reviewer)
        with pytest.raises(WrongState, match="You have already approved this push."):
            push_approve(push=push, by=reviewer)
    assert len(callbacks) == 1
    assert AuditEvent.objects.filter(action="push.approved").count() == 1


def _second_reviewer(app: App) -> User:
    return cast(
        Membership, MembershipFactory(app=app, user=UserFactory(username="rita"), role="reviewer")
    ).user


def test_a_reviewer_cannot_give_both_of_two_approvals(
    app: App,
    marketer: User,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    app.two_approvals_above = 1
    app.save()
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(WrongState) as caught:
        push_approve(push=push, by=reviewer, comment="again")
    assert str(caught.value) == (
        "You have already approved this push; it is waiting for a second reviewer (1 of 2)."
    )
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW
    assert push.approvals.count() == 1
    assert AuditEvent.objects.filter(action="push.approval_added").count() == 1
    assert callbacks == []
    push_approve(push=push, by=_second_reviewer(app))
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED


def test_an_approval_of_a_rejected_push_is_refused_as_not_pending(
    app: App, marketer: User, reviewer: User
) -> None:
    app.two_approvals_above = 1
    app.save()
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    push_reject(push=push, by=_second_reviewer(app), comment="Wrong audience")
    with pytest.raises(WrongState, match="This push is rejected, not pending review."):
        push_approve(push=push, by=reviewer)


def test_the_author_is_told_when_a_paused_or_scheduled_push_goes_out(
    app: App, marketer: User, reviewer: User
) -> None:
    from django.utils import timezone

    later = timezone.now() + timedelta(days=1)
    scheduled = push_submit(
        push=make_push(app=app, author=marketer, title="Later", send_time=later), by=marketer
    )
    push_approve(push=scheduled, by=reviewer)
    now = push_submit(push=make_push(app=app, author=marketer, title="Now"), by=marketer)
    push_approve(push=now, by=reviewer)
    app.is_paused = True
    app.save()
    paused = push_submit(push=make_push(app=app, author=marketer, title="Held"), by=marketer)
    push_approve(push=paused, by=reviewer)
    told = dict(Notification.objects.filter(user=marketer).values_list("push__title", "message"))
    assert told == {
        "Later": "“Later” was approved by rob; it is sent at its scheduled time.",
        "Now": "“Now” was approved by rob and is being sent.",
        "Held": "“Held” was approved by rob; it is sent when Demo Shop is resumed "
        "(the app is paused).",
    }


def test_big_pushes_need_two_approvals(
    app: App,
    marketer: User,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    app.two_approvals_above = 1
    app.save()
    second = cast(
        Membership, MembershipFactory(app=app, user=UserFactory(username="rita"), role="reviewer")
    ).user
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    with django_capture_on_commit_callbacks() as callbacks:
        push_approve(push=push, by=reviewer)
        push.refresh_from_db()
        assert push.status == Push.Status.PENDING_REVIEW
        push_approve(push=push, by=second)
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED
    assert len(callbacks) == 1


def test_editing_after_submission_voids_the_review(
    app: App, marketer: User, reviewer: User
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    edited = push_save_draft(
        app=app,
        by=marketer,
        push=push,
        fields=PushFields(title="Changed", content="20% off today", accounts_text="alice\nbob\n"),
    )
    assert edited.status == Push.Status.DRAFT
    with pytest.raises(PushdeckError):
        push_approve(push=edited, by=reviewer)
    resubmitted = push_submit(push=edited, by=marketer)
    assert resubmitted.content_hash != push.content_hash
    assert resubmitted.revisions.count() == 2


def test_reject_needs_a_comment_and_tells_the_author(
    app: App, marketer: User, reviewer: User
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    with pytest.raises(Invalid):
        push_reject(push=push, by=reviewer, comment=" ")
    push_reject(push=push, by=reviewer, comment="Typo in the title")
    push.refresh_from_db()
    assert push.status == Push.Status.REJECTED
    assert Notification.objects.filter(
        user=marketer, message__contains="Typo in the title"
    ).exists()


def test_reviewers_are_notified_on_submit(app: App, marketer: User, reviewer: User) -> None:
    push_submit(push=make_push(app=app, author=marketer), by=marketer)
    assert Notification.objects.filter(
        user=reviewer, message__contains="waiting for your review"
    ).exists()
    assert not Notification.objects.filter(user=marketer).exists()


def test_cancel_before_sending_but_not_after(app: App, marketer: User) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_cancel(push=push, by=marketer)
    assert push.status == Push.Status.CANCELLED
    with pytest.raises(WrongState):
        push_cancel(push=push, by=marketer)


def test_each_transition_writes_exactly_one_chained_event(
    app: App, marketer: User, reviewer: User
) -> None:
    push = make_push(app=app, author=marketer)
    push = push_submit(push=push, by=marketer)
    push_reject(push=push, by=reviewer, comment="no")
    push_submit(push=push, by=marketer)
    push_approve(push=push, by=reviewer)
    actions = list(
        AuditEvent.objects.filter(object_type="pushes.push")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "push.created",
        "push.submitted",
        "push.rejected",
        "push.submitted",
        "push.approval_added",
        "push.approved",
    ]
    assert verify_chain() is None


def test_only_the_author_edits_or_submits(app: App, marketer: User, app_admin: User) -> None:
    from django.core.exceptions import PermissionDenied

    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    fields = PushFields(title="Admin's words", content="x", accounts_text="alice")
    with pytest.raises(PermissionDenied):
        push_save_draft(app=app, by=app_admin, push=push, fields=fields)
    push_reject(push=push, by=app_admin, comment="no")
    with pytest.raises(PermissionDenied):
        push_submit(push=push, by=app_admin)
    push.refresh_from_db()
    assert push.title == "Spring sale" and push.status == Push.Status.REJECTED


def test_an_approval_binds_to_the_hash_the_reviewer_saw(
    app: App, marketer: User, reviewer: User
) -> None:
    from pushes.errors import ContentChanged

    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    seen = push.content_hash
    edited = push_save_draft(
        app=app,
        by=marketer,
        push=push,
        fields=PushFields(title="Something else", content="x", accounts_text="alice"),
    )
    push_submit(push=edited, by=marketer)
    with pytest.raises(ContentChanged):
        push_approve(push=push, by=reviewer, expected_hash=seen)
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW


def test_a_resubmission_starts_the_approvals_over(app: App, marketer: User, reviewer: User) -> None:
    app.two_approvals_above = 1
    app.save()
    second = cast(
        Membership, MembershipFactory(app=app, user=UserFactory(username="rita"), role="reviewer")
    ).user
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    same = PushFields(title="Spring sale", content="20% off today", accounts_text="alice\nbob\n")
    push_submit(push=push_save_draft(app=app, by=marketer, push=push, fields=same), by=marketer)
    push_approve(push=push, by=second)
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW  # one approval of this submission
    push_approve(push=push, by=reviewer)
    push.refresh_from_db()
    assert push.status == Push.Status.APPROVED


def test_a_push_whose_time_has_passed_cannot_be_approved(
    app: App, marketer: User, reviewer: User
) -> None:
    from django.utils import timezone

    push = push_submit(
        push=make_push(app=app, author=marketer, send_time=timezone.now() + timedelta(minutes=5)),
        by=marketer,
    )
    Push.objects.filter(pk=push.pk).update(send_time=timezone.now() - timedelta(minutes=1))
    with pytest.raises(PushdeckError, match="scheduled time has passed"):
        push_approve(push=push, by=reviewer)


def test_back_to_draft_drops_the_frozen_snapshot(app: App, marketer: User) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    edited = push_save_draft(
        app=app,
        by=marketer,
        push=push,
        fields=PushFields(title="New", content="x", accounts_text="alice"),
    )
    assert (edited.payload, edited.content_hash, edited.submitted_at) == ({}, "", None)
    assert edited.revisions.count() == 1  # the history stays


def test_who_approved_is_no_longer_offered_the_review(
    app: App, marketer: User, reviewer: User
) -> None:
    from pushes import permissions
    from pushes.selectors import review_progress

    app.two_approvals_above = 1
    app.save()
    rita = _second_reviewer(app)
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    push.refresh_from_db()
    assert permissions.has_approved(push, reviewer) and not permissions.has_approved(push, rita)
    assert not permissions.push_actions(push, reviewer).can_review
    assert permissions.push_actions(push, rita).can_review
    mine, theirs = review_progress(push=push, user=reviewer), review_progress(push=push, user=rita)
    assert (mine.approvers, mine.needed, mine.mine, mine.may_approve) == (["rob"], 2, True, False)
    assert (theirs.mine, theirs.may_approve, theirs.waiting_for_second) == (False, True, True)
    author = review_progress(push=push, user=marketer)
    assert (author.mine, author.may_approve, author.waiting_for_second) == (False, False, True)
