from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest
from django.urls import reverse

from pushes.models import Push
from pushes.services import PushFields, push_save_draft, push_submit
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django import DjangoCaptureOnCommitCallbacks

    from pushes.models import App

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(app: App, marketer: User) -> Push:
    return push_submit(push=make_push(app=app, author=marketer), by=marketer)


def test_queue_lists_pending_pushes_oldest_first(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    first = push_submit(push=make_push(app=app, author=marketer, title="First"), by=marketer)
    push_submit(push=make_push(app=app, author=marketer, title="Second"), by=marketer)
    make_push(app=app, author=marketer, title="Still a draft")
    client.force_login(reviewer)
    body = client.get(reverse("console:review-queue")).content.decode()
    assert body.index("First") < body.index("Second")
    assert "Still a draft" not in body
    assert reverse("console:review-detail", kwargs={"code": first.code}) in body


def test_review_page_shows_exactly_what_will_be_sent(
    client: Client, pending: Push, reviewer: User
) -> None:
    client.force_login(reviewer)
    body = client.get(
        reverse("console:review-detail", kwargs={"code": pending.code})
    ).content.decode()
    assert "&quot;account_list&quot;" in body and "alice" in body
    assert "Default (0)" in body
    assert "The account&#x27;s latest device" in body
    assert 'name="content_hash" value="' + pending.content_hash in body
    assert "Approve" in body and "Reject" in body


def test_reviewer_approves_through_the_page(
    client: Client,
    pending: Push,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("console:review-approve", kwargs={"code": pending.code}),
            {"content_hash": pending.content_hash, "comment": "Looks good"},
        )
    pending.refresh_from_db()
    assert response.status_code == 302
    assert pending.status == Push.Status.APPROVED
    assert pending.review_comment == "Looks good"
    assert len(callbacks) == 1


def test_approval_of_a_changed_push_is_refused(
    client: Client, app: App, pending: Push, marketer: User, reviewer: User
) -> None:
    seen_hash = pending.content_hash
    edited = push_save_draft(
        app=app,
        by=marketer,
        push=pending,
        fields=PushFields(title="Changed", content="x", accounts_text="alice"),
    )
    push_submit(push=edited, by=marketer)
    client.force_login(reviewer)
    client.post(
        reverse("console:review-approve", kwargs={"code": pending.code}),
        {"content_hash": seen_hash},
    )
    pending.refresh_from_db()
    assert pending.status == Push.Status.PENDING_REVIEW


def test_author_sees_no_approve_button_and_cannot_post_one(
    client: Client, app: App, app_admin: User
) -> None:
    push = push_submit(push=make_push(app=app, author=app_admin), by=app_admin)
    client.force_login(app_admin)
    page = client.get(reverse("console:review-detail", kwargs={"code": push.code})).content.decode()
    assert "nobody approves their own push" in page
    approve = reverse("console:review-approve", kwargs={"code": push.code})
    assert approve not in page and ">Approve<" not in page
    response = client.post(
        reverse("console:review-approve", kwargs={"code": push.code}),
        {"content_hash": push.content_hash},
        follow=True,
    )
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW
    assert "You cannot approve your own push." in response.content.decode()


def test_reject_requires_a_comment(client: Client, pending: Push, reviewer: User) -> None:
    client.force_login(reviewer)
    url = reverse("console:review-reject", kwargs={"code": pending.code})
    response = client.post(url, {"comment": ""}, follow=True)
    pending.refresh_from_db()
    assert pending.status == Push.Status.PENDING_REVIEW
    assert "Say why the push is rejected" in response.content.decode()
    client.post(url, {"comment": "Wrong audience"})
    pending.refresh_from_db()
    assert pending.status == Push.Status.REJECTED
    assert pending.review_comment == "Wrong audience"


def test_resubmission_shows_a_diff(
    client: Client, app: App, pending: Push, marketer: User, reviewer: User
) -> None:
    edited = push_save_draft(
        app=app,
        by=marketer,
        push=pending,
        fields=PushFields(
            title="Spring sale!", content="20% off today", accounts_text="alice\nbob\n"
        ),
    )
    push_submit(push=edited, by=marketer)
    client.force_login(reviewer)
    body = client.get(
        reverse("console:review-detail", kwargs={"code": pending.code})
    ).content.decode()
    assert "Changes since the previous version" in body
    assert "-      &quot;title&quot;: &quot;Spring sale&quot;" in body
    assert "+      &quot;title&quot;: &quot;Spring sale!&quot;" in body


def test_notifications_page_lists_and_marks_read(
    client: Client, reviewer: User, pending: Push
) -> None:
    client.force_login(reviewer)
    first = client.get(reverse("console:app-list")).content.decode()
    assert 'class="count">1<' in first
    page = client.get(reverse("console:notification-list")).content.decode()
    assert "is waiting for your review" in page and ">New<" in page
    again = client.get(reverse("console:notification-list")).content.decode()
    assert ">New<" not in again


def test_notifications_are_emailed_when_enabled(
    settings: object,
    app: App,
    marketer: User,
    reviewer: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from pushes.models import Notification
    from pushes.notify import email

    settings.NOTIFY_BY_EMAIL = True  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks() as callbacks:
        push_submit(push=make_push(app=app, author=marketer), by=marketer)
    assert len(callbacks) == 1
    ids = list(Notification.objects.values_list("id", flat=True))
    assert email(ids) == 1
    assert mailoutbox[0].to == ["rob@example.com"]
    assert "waiting for your review" in mailoutbox[0].body


# Two approvals -------------------------------------------------------------------------

ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture
def rita(app: App) -> User:
    from pushes.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    membership = MembershipFactory(app=app, user=UserFactory(username="rita"), role="reviewer")
    return cast(Membership, membership).user


@pytest.fixture
def half_approved(app: App, pending: Push, reviewer: User) -> Push:
    """A push that needs two approvals and has rob's."""
    from pushes.services import push_approve

    app.two_approvals_above = 1
    app.save()
    push_approve(push=pending, by=reviewer)
    pending.refresh_from_db()
    return pending


def _pages(push: Push) -> dict[str, str]:
    return {
        "approve": reverse("console:review-approve", kwargs={"code": push.code}),
        "reject": reverse("console:review-reject", kwargs={"code": push.code}),
        "review": reverse("console:review-detail", kwargs={"code": push.code}),
        "queue": reverse("console:review-queue"),
        "record": reverse("console:push-detail", kwargs={"code": push.code}),
        "status": reverse("console:push-status", kwargs={"code": push.code}),
    }


def test_the_first_of_two_approvals_says_a_second_reviewer_is_needed(
    client: Client, app: App, pending: Push, reviewer: User
) -> None:
    app.two_approvals_above = 1
    app.save()
    client.force_login(reviewer)
    response = client.post(
        reverse("console:review-approve", kwargs={"code": pending.code}),
        {"content_hash": pending.content_hash},
        follow=True,
    )
    body = response.content.decode()
    assert "Approved (1 of 2); waiting for a second reviewer." in body
    assert "recorded" not in body


def test_who_approved_sees_the_wait_and_no_approve_or_reject(
    client: Client, half_approved: Push, reviewer: User
) -> None:
    client.force_login(reviewer)
    pages = _pages(half_approved)
    waiting = "You approved; waiting for a second reviewer (1 of 2)."
    review = client.get(pages["review"]).content.decode()
    assert waiting in review
    assert pages["approve"] not in review and pages["reject"] not in review
    assert ">Approve<" not in review and ">Reject<" not in review
    queue = client.get(pages["queue"]).content.decode()
    assert waiting in queue
    assert f'href="{pages["review"]}">View<' in queue and ">Review<" not in queue
    record = client.get(pages["record"])
    assert waiting in record.content.decode()
    assert record.context["review_url"] == ""
    assert waiting in client.get(pages["status"]).content.decode()


def test_a_second_approval_by_the_same_reviewer_is_refused_on_the_page(
    client: Client,
    half_approved: Push,
    reviewer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("console:review-approve", kwargs={"code": half_approved.code}),
            {"content_hash": half_approved.content_hash},
            follow=True,
        )
    half_approved.refresh_from_db()
    assert half_approved.status == Push.Status.PENDING_REVIEW
    assert callbacks == []
    assert (
        "You have already approved this push; it is waiting for a second reviewer (1 of 2)."
        in response.content.decode()
    )


def test_another_reviewer_sees_one_of_two_and_approves(
    client: Client,
    half_approved: Push,
    rita: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(rita)
    pages = _pages(half_approved)
    review = client.get(pages["review"]).content.decode()
    assert "1 of 2 approvals, by rob." in review
    assert pages["approve"] in review and pages["reject"] in review
    queue = client.get(pages["queue"]).content.decode()
    assert "1 of 2 approvals" in queue and "You approved" not in queue
    assert f'href="{pages["review"]}">Review<' in queue
    record = client.get(pages["record"])
    assert "1 of 2 approvals, by rob." in record.content.decode()
    assert record.context["review_url"] == pages["review"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("console:review-approve", kwargs={"code": half_approved.code}),
            {"content_hash": half_approved.content_hash},
            follow=True,
        )
    half_approved.refresh_from_db()
    assert half_approved.status == Push.Status.APPROVED
    assert len(callbacks) == 1
    assert "Approved; it is being sent." in response.content.decode()


def test_the_author_sees_who_approved_and_that_a_second_is_needed(
    client: Client, half_approved: Push, marketer: User
) -> None:
    client.force_login(marketer)
    pages = _pages(half_approved)
    told = "Approved by rob; waiting for a second reviewer (1 of 2)."
    assert told in client.get(pages["record"]).content.decode()
    assert told in client.get(pages["status"]).content.decode()


def test_an_admin_author_sees_it_on_the_review_page(
    client: Client, app: App, app_admin: User, reviewer: User
) -> None:
    from pushes.services import push_approve

    app.two_approvals_above = 1
    app.save()
    push = push_submit(push=make_push(app=app, author=app_admin), by=app_admin)
    push_approve(push=push, by=reviewer)
    client.force_login(app_admin)
    pages = _pages(push)
    review = client.get(pages["review"]).content.decode()
    assert "Approved by rob; waiting for a second reviewer (1 of 2)." in review
    assert pages["approve"] not in review


@pytest.mark.parametrize("who", ["reviewer", "rita", "marketer"])
def test_the_two_approval_pages_render_in_chinese(
    client: Client, half_approved: Push, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))
    pages = _pages(half_approved)
    shown = ["record", "status"] if who == "marketer" else ["review", "queue", "record", "status"]
    for name in shown:
        url = pages[name]
        response = client.get(url, headers=ZH)
        body = response.content.decode()
        assert response.status_code == 200, name
        assert 'lang="zh-hans"' in body or name == "status", name
        assert 'data-testid="review-progress"' in body or name == "queue", name


# What Approve says happens next --------------------------------------------------------


def test_approving_for_a_paused_app_says_it_waits_for_the_resume(
    client: Client, app: App, pending: Push, reviewer: User
) -> None:
    app.is_paused = True
    app.save()
    client.force_login(reviewer)
    review = client.get(_pages(pending)["review"]).content.decode()
    assert "This app is paused: nothing is sent until an admin resumes it." in review
    body = client.post(
        reverse("console:review-approve", kwargs={"code": pending.code}),
        {"content_hash": pending.content_hash},
        follow=True,
    ).content.decode()
    assert (
        '<li class="message warning">Approved; it will be sent when Demo Shop is resumed '
        "(the app is paused).</li>" in body
    )
    assert "being sent" not in body


def test_approving_a_scheduled_push_names_its_time_in_the_reviewers_zone(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    from datetime import UTC, datetime

    from pushes.models import UserPreference

    UserPreference.objects.create(user=reviewer, time_zone="Asia/Shanghai")
    when = datetime(2099, 5, 1, 2, 0, tzinfo=UTC)
    push = push_submit(push=make_push(app=app, author=marketer, send_time=when), by=marketer)
    client.force_login(reviewer)
    review = client.get(_pages(push)["review"]).content.decode()
    assert "Scheduled: once approved, it is sent at 2099-05-01 10:00 (Asia/Shanghai)." in review
    assert "This app is paused" not in review
    body = client.post(
        reverse("console:review-approve", kwargs={"code": push.code}),
        {"content_hash": push.content_hash},
        follow=True,
    ).content.decode()
    assert "Approved; it will be sent at 2099-05-01 10:00 (Asia/Shanghai)." in body
    assert "being sent" not in body


# Waiting times -------------------------------------------------------------------------


def test_the_queue_says_how_long_a_push_has_waited_in_words(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    fresh = push_submit(push=make_push(app=app, author=marketer, title="Fresh"), by=marketer)
    older = push_submit(push=make_push(app=app, author=marketer, title="Older"), by=marketer)
    submitted = timezone.now() - timedelta(hours=3, minutes=5)
    Push.objects.filter(pk=older.pk).update(submitted_at=submitted)
    client.force_login(reviewer)
    english = client.get(reverse("console:review-queue")).content.decode()
    assert "0 minutes" not in english
    assert ">just now</time>" in english
    assert ">3\xa0hours, 5\xa0minutes</time>" in english
    exact = timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M:%S")
    assert f'title="{exact}"' in english
    fresh.refresh_from_db()
    assert fresh.submitted_at is not None
    assert f'datetime="{fresh.submitted_at.isoformat()}"' in english
    chinese = client.get(reverse("console:review-queue"), headers=ZH).content.decode()
    assert ">3\xa0小时 5\xa0分钟</time>" in chinese or ">3\xa0小时，5\xa0分钟</time>" in chinese
