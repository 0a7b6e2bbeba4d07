"""The Pushes list (filters, pagination) and the push record page (actions, live status)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from pushes.models import Push, PushResults, Role
from pushes.services import push_submit
from tests.factories import AppFactory, MembershipFactory, PackageFactory, UserFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

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


# Search, CSV export and query counts ----------------------------------------------------

EXPORT = "/pushes/export.csv"


def sent(push: Push, *, push_id: str, **results: int) -> Push:
    """Mark a push sent with a gateway push_id and, given figures, its delivery results."""
    Push.objects.filter(pk=push.pk).update(
        status=Push.Status.SENT, push_id=push_id, sent_at=timezone.now()
    )
    if results:
        PushResults.objects.create(push=push, **results)
    push.refresh_from_db()
    return push


def export(client: Client, query: str = "") -> list[list[str]]:
    """The CSV's rows (header first), read the way a spreadsheet would."""
    response = client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)  # type: ignore[arg-type]
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_search_finds_a_push_by_push_id_code_or_title(
    client: Client, app: App, marketer: User, stranger: User, staff: User
) -> None:
    sale = sent(make_push(app=app, author=marketer, title="Spring sale"), push_id="30000123")
    make_push(app=app, author=marketer, title="Summer 30000123 deals")
    numbered = make_push(app=app, author=marketer, title="Double 618 day")
    elsewhere = make_push(app=stranger.push_apps.get(), author=stranger, title="Spring sale")
    sent(elsewhere, push_id="30000123")  # push_id is unique per app only
    client.force_login(marketer)
    # An exact push_id wins over titles that merely contain it.
    assert titles(client, "q=30000123") == ["Spring sale"]
    assert titles(client, f"q={sale.code}") == ["Spring sale"]
    assert titles(client, f"q=+{numbered.code}+") == ["Double 618 day"]
    # No push has push_id 618: the number is looked for in titles.
    assert titles(client, "q=618") == ["Double 618 day"]
    assert titles(client, "q=sPRING") == ["Spring sale"]
    assert titles(client, f"q={elsewhere.code}") == []
    assert "No pushes match" in client.get(f"{LIST}?q=nothing-like-it").content.decode()
    client.force_login(staff)
    assert titles(client, "q=30000123") == ["Spring sale", "Spring sale"]


def test_search_combines_with_the_other_filters(
    client: Client, app: App, marketer: User, app_admin: User
) -> None:
    other = cast("App", AppFactory(name="Other Shop"))
    MembershipFactory(app=other, user=marketer, role=Role.MARKETER)
    make_push(app=app, author=marketer, title="Flash sale draft")
    sent(make_push(app=app, author=marketer, title="Flash sale sent"), push_id="41")
    make_push(app=app, author=app_admin, title="Flash sale by ada")
    old = make_push(app=other, author=marketer, title="Flash sale old")
    Push.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    client.force_login(marketer)
    assert titles(client, "q=flash&status=sent") == ["Flash sale sent"]
    assert titles(client, "q=flash&author=ada") == ["Flash sale by ada"]
    assert titles(client, f"q=flash&app={other.code}") == ["Flash sale old"]
    today = timezone.localdate().isoformat()
    assert "Flash sale old" not in titles(client, f"q=flash&created_from={today}")
    # The push_id matches, but not with these filters: its digits are looked for in titles.
    assert titles(client, "q=41&status=draft") == []
    assert titles(client, "q=41&status=sent") == ["Flash sale sent"]
    response = client.get(f"{LIST}?q=flash&status=sent")
    assert response.context["form"]["q"].value() == "flash"
    body = response.content.decode()
    assert 'type="search"' in body
    assert f'href="{EXPORT}?q=flash&amp;status=sent"' in body


def test_the_csv_has_every_column_in_the_console_time_zone(
    client: Client, app: App, marketer: User, settings: Settings
) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    push = make_push(app=app, author=marketer, title="春季促销", accounts="alice\nbob\ncarol\n")
    created = datetime(2025, 3, 1, 16, 30, tzinfo=UTC)
    Push.objects.filter(pk=push.pk).update(created_at=created)
    sent(push, push_id="7001", planned=10, sent=8, arrived=6, clicked=3, cleared=1)
    Push.objects.filter(pk=push.pk).update(sent_at=created + timedelta(minutes=5))
    make_push(app=app, author=marketer, title="Still a draft")
    client.force_login(marketer)
    header, *rows = export(client)
    assert header == [
        "Created", "App", "Title", "Target", "Accounts", "Status", "Author", "Push ID",
        "Sent at", "Planned", "Sent", "Reached", "Clicked", "Cleared", "Reach rate",
        "Click rate",
    ]  # fmt: skip
    draft, sent_push = rows
    assert sent_push == [
        "2025-03-02T00:30:00+08:00", "Demo Shop", "春季促销", "Account list", "3", "Sent",
        "mia", "7001", "2025-03-02T00:35:00+08:00", "10", "8", "6", "3", "1", "75%", "50%",
    ]  # fmt: skip
    # Not sent yet: no push_id, no send time, no results.
    assert draft[0].endswith("+08:00")
    assert draft[1:7] == ["Demo Shop", "Still a draft", "Account list", "2", "Draft", "mia"]
    assert draft[7:] == [""] * 9


def test_the_csv_is_a_dated_streamed_download_of_the_filtered_list(
    client: Client, app: App, marketer: User
) -> None:
    make_push(app=app, author=marketer, title="Spring sale")
    make_push(app=app, author=marketer, title="Autumn sale")
    client.force_login(marketer)
    response = client.get(f"{EXPORT}?q=spring")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="pushes-{day}.csv"'
    assert [row[2] for row in export(client, "q=spring")[1:]] == ["Spring sale"]
    assert [row[2] for row in export(client, "status=sent")[1:]] == []
    assert client.post(EXPORT).status_code == 405


def test_the_csv_neutralises_formulas(client: Client, app: App, marketer: User) -> None:
    risky = ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)", " =1+1"]
    for title in risky:
        make_push(app=app, author=marketer, title=title)
    make_push(app=app, author=marketer, title="Plain 1+1")
    client.force_login(marketer)
    response = client.get(EXPORT)
    raw = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert '"\'=HYPERLINK(""http://evil.example"",""Click"")"' in raw
    exported = {row[2] for row in export(client)[1:]}
    assert exported == {"'" + title for title in risky} | {"Plain 1+1"}


def test_the_csv_never_shows_a_strangers_pushes(
    client: Client, app: App, marketer: User, stranger: User
) -> None:
    theirs = make_push(app=stranger.push_apps.get(), author=stranger, title="Their secret")
    sent(theirs, push_id="555")
    make_push(app=app, author=marketer, title="Ours")
    client.force_login(marketer)
    assert [row[2] for row in export(client)[1:]] == ["Ours"]
    assert export(client, f"app={theirs.app.code}")[1:] == export(client)[1:]
    assert export(client, "q=555")[1:] == []
    assert export(client, f"q={theirs.code}")[1:] == []
    client.force_login(stranger)
    assert [row[2] for row in export(client)[1:]] == ["Their secret"]


def make_many(app: App, author: User, count: int) -> None:
    """`count` sent pushes, every other one with results, written in bulk."""
    pushes = Push.objects.bulk_create(
        Push(
            app=app,
            created_by=author,
            title=f"Push {i}",
            status=Push.Status.SENT,
            push_id=str(9000 + i),
            target=Push.Target.ACCOUNT_LIST,
            total_count=2,
        )
        for i in range(count)
    )
    PushResults.objects.bulk_create(
        PushResults(push=push, planned=2, sent=2, arrived=1) for push in pushes[::2]
    )


@pytest.mark.parametrize("persona", ["marketer", "staff"])
def test_the_list_and_the_csv_take_a_bounded_number_of_queries(
    client: Client,
    app: App,
    marketer: User,
    persona: str,
    request: pytest.FixtureRequest,
    django_assert_max_num_queries: Any,
) -> None:
    make_many(app, marketer, 50)
    make_push(app=app, author=marketer, title="Editable draft")
    client.force_login(request.getfixturevalue(persona))
    # Neither grows with the pushes: 50 here, a million in production.
    every_filter = f"app={app.code}&status=sent&author=mia&q=Push"
    # One query of each page is the menu's: does this person review anywhere?
    with django_assert_max_num_queries(12):
        response = client.get(f"{LIST}?{every_filter}")
    assert len(response.context["page"].object_list) == 25
    with django_assert_max_num_queries(10):
        assert len(titles(client)) == 25
    with django_assert_max_num_queries(6):
        rows = export(client, every_filter)
    assert len(rows) == 1 + 50
    with django_assert_max_num_queries(5):
        assert len(export(client, "q=9001")) == 2


def test_list_queries_leave_the_large_columns_unread(app: App, marketer: User) -> None:
    from pushes.selectors import push_list_for_user

    make_push(app=app, author=marketer)
    push = push_list_for_user(user=marketer).get()
    assert {"accounts", "payload"} <= push.get_deferred_fields()
