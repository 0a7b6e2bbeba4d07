from __future__ import annotations

from typing import TYPE_CHECKING

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
    assert "review-approve" not in page and 'value="Approve"' not in page
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
