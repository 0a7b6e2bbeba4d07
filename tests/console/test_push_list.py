"""The Pushes list (filters, pagination) and the push record page (actions, live status)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, cast

import pytest
from django.urls import reverse
from django.utils import timezone

from pushes.models import Push, Role
from pushes.services import push_submit
from tests.factories import AppFactory, MembershipFactory, PackageFactory, UserFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from pushes.models import App

pytestmark = pytest.mark.django_db

LIST = "/pushes/"


def titles(client: Client, query: str = "") -> list[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [push.title for push in response.context["page"].object_list]


def test_the_list_shows_the_users_apps_newest_first(
    client: Client, app: App, marketer: User, stranger: User
) -> None:
    first = make_push(app=app, author=marketer, title="First")
    second = make_push(app=app, author=marketer, title="Second")
    Push.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=1))
    other_app_push = make_push(app=stranger.push_apps.get(), author=stranger, title="Elsewhere")
    client.force_login(marketer)
    assert titles(client) == ["Second", "First"]
    client.force_login(stranger)
    assert titles(client) == ["Elsewhere"]
    client.force_login(cast("User", UserFactory(username="root", is_staff=True)))
    assert set(titles(client)) == {"First", "Second", "Elsewhere"}
    assert second and other_app_push


def test_the_list_filters_by_app_status_author_and_dates(
    client: Client, app: App, marketer: User, app_admin: User
) -> None:
    other = cast("App", AppFactory(name="Other Shop"))
    MembershipFactory(app=other, user=marketer, role=Role.MARKETER)
    draft = make_push(app=app, author=marketer, title="Draft here")
    pending = push_submit(push=make_push(app=app, author=app_admin, title="Pending"), by=app_admin)
    old = make_push(app=other, author=marketer, title="Old elsewhere")
    Push.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    client.force_login(marketer)
    assert titles(client, f"app={other.code}") == ["Old elsewhere"]
    assert titles(client, "status=pending_review") == ["Pending"]
    assert titles(client, "author=ada") == ["Pending"]
    today = timezone.localdate().isoformat()
    assert set(titles(client, f"created_from={today}")) == {"Draft here", "Pending"}
    old_day = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert titles(client, f"created_from={old_day}&created_to={old_day}") == ["Old elsewhere"]
    # A bad filter value is reported, not a crash, and the others still apply.
    response = client.get(f"{LIST}?status=nonsense&app={app.code}")
    assert response.context["form"].errors["status"]
    assert {p.title for p in response.context["page"].object_list} == {"Draft here", "Pending"}
    assert draft and pending


def test_the_list_paginates_by_25_and_keeps_the_filters(
    client: Client, app: App, marketer: User
) -> None:
    for i in range(27):
        make_push(app=app, author=marketer, title=f"Push {i}")
    client.force_login(marketer)
    first = client.get(f"{LIST}?status=draft")
    assert len(first.context["page"].object_list) == 25
    assert 'href="?status=draft&amp;page=2"' in first.content.decode()
    second = client.get(f"{LIST}?status=draft&page=2")
    assert len(second.context["page"].object_list) == 2


def test_the_list_shows_status_badges_targets_and_an_empty_state(
    client: Client, app: App, marketer: User
) -> None:
    client.force_login(marketer)
    empty = client.get(LIST).content.decode()
    assert "No pushes yet" in empty
    assert reverse("console:push-create", kwargs={"code": app.code}) in empty
    package = PackageFactory(app=app, original_name="vip.txt")
    make_push(app=app, author=marketer, source="package", package=package, title="To VIPs")
    sent = make_push(app=app, author=marketer, title="Done")
    Push.objects.filter(pk=sent.pk).update(status=Push.Status.SENT)
    body = client.get(LIST).content.decode()
    assert '<span class="badge ok">Sent</span>' in body
    assert '<span class="badge ">Draft</span>' in body
    assert "vip.txt" in body


def test_the_record_page_shows_frozen_content_and_the_authors_actions(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    detail = reverse("console:push-detail", kwargs={"code": push.code})
    client.force_login(marketer)
    response = client.get(detail)
    body = response.content.decode()
    assert "Frozen payload" in body and "&quot;account_list&quot;" in body
    assert "Pending review" in body
    assert "mia" in body
    assert response.context["can_edit"] and response.context["can_cancel"]
    assert response.context["review_url"] == ""
    assert "Editing returns this push to draft" in body
    client.force_login(reviewer)
    response = client.get(detail)
    assert response.context["review_url"] == reverse(
        "console:review-detail", kwargs={"code": push.code}
    )
    assert not response.context["can_edit"] and not response.context["can_cancel"]


def test_cancel_from_the_record_page(client: Client, app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer)
    client.force_login(marketer)
    response = client.post(reverse("console:push-cancel", kwargs={"code": push.code}), follow=True)
    push.refresh_from_db()
    assert push.status == Push.Status.CANCELLED
    assert "Push cancelled" in response.content.decode()
    again = client.post(reverse("console:push-cancel", kwargs={"code": push.code}), follow=True)
    assert "cannot be cancelled" in again.content.decode()


def test_the_status_part_polls_only_while_in_flight(
    client: Client, app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer)
    status_url = reverse("console:push-status", kwargs={"code": push.code})
    client.force_login(marketer)
    assert 'data-live="false"' in client.get(status_url).content.decode()
    Push.objects.filter(pk=push.pk).update(status=Push.Status.SENDING)
    part = client.get(status_url).content.decode()
    assert 'data-live="true"' in part and "Sending" in part
    assert "<html" not in part
    page = client.get(reverse("console:push-detail", kwargs={"code": push.code})).content.decode()
    assert 'http-equiv="refresh"' in page and "push_status.js" in page
