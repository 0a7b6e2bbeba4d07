"""The dashboard on the app page: the 30/90-day switch, tiles, tables, top pushes, empty state."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pushes.models import Push
from tests.factories import make_sent_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from pushes.models import App

pytestmark = pytest.mark.django_db


def page(client: Client, app: App, query: str = "") -> str:
    response = client.get(reverse("console:app-detail", kwargs={"code": app.code}) + query)
    assert response.status_code == 200
    return response.content.decode()


def current_window(body: str) -> list[str]:
    """The switch links marked as the current page."""
    return re.findall(r'href="\?days=(\d+)#dashboard" aria-current="page"', body)


def chart_data(body: str) -> dict[str, Any]:
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', body)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_members_see_the_last_30_days_by_default(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    now = timezone.now()
    make_sent_push(app=app, author=marketer, at=now, accounts=12, funnel=(12, 10, 8, 2))
    make_sent_push(app=app, author=marketer, at=now - timedelta(days=45), accounts=1000)
    client.force_login(reviewer)

    body = page(client, app)

    assert current_window(body) == ["30"]
    assert 'href="?days=90#dashboard"' in body
    assert re.search(r'data-testid="total-pushes">1<', body)
    assert re.search(r'data-testid="total-accounts">12<', body)
    assert re.search(r'data-testid="total-reach">80%<', body)
    assert re.search(r'data-testid="total-click">25%<', body)
    data = chart_data(body)
    assert len(data["days"]) == 30 and sum(data["pushes"]) == 1
    assert "js/app_dashboard.js" in body and "chart.umd.min.js" in body


def test_the_switch_shows_90_days(client: Client, app: App, marketer: User) -> None:
    now = timezone.now()
    make_sent_push(app=app, author=marketer, at=now, accounts=12)
    make_sent_push(app=app, author=marketer, at=now - timedelta(days=45), accounts=1000)
    client.force_login(marketer)

    body = page(client, app, "?days=90")

    assert current_window(body) == ["90"]
    assert re.search(r'data-testid="total-pushes">2<', body)
    assert re.search(r'data-testid="total-accounts">1,012<', body)
    assert len(chart_data(body)["days"]) == 90
    rows = re.search(r'data-testid="dashboard-pushes-table">.*?<tbody>(.*?)</tbody>', body, re.S)
    assert rows is not None and rows.group(1).count("<tr>") == 90


@pytest.mark.parametrize("query", ["?days=7", "?days=abc", "?days="])
def test_another_window_falls_back_to_30_days(
    client: Client, app: App, marketer: User, query: str
) -> None:
    make_sent_push(app=app, author=marketer, at=timezone.now())
    client.force_login(marketer)

    assert current_window(page(client, app, query)) == ["30"]


def test_top_pushes_link_to_their_records(client: Client, app: App, marketer: User) -> None:
    now = timezone.now()
    best = make_sent_push(app=app, author=marketer, at=now, title="Flash deal", funnel=(4, 4, 4, 4))
    make_sent_push(app=app, author=marketer, at=now, title="Weekly news", funnel=(4, 4, 4, 1))
    client.force_login(marketer)

    body = page(client, app)

    top = re.search(r'data-testid="dashboard-top">(.*?)</table>', body, re.S)
    assert top is not None
    record = reverse("console:push-detail", kwargs={"code": best.code})
    assert f'<a href="{record}">Flash deal</a>' in top.group(1)
    assert top.group(1).index("Flash deal") < top.group(1).index("Weekly news")


def test_nothing_of_another_app_shows(
    client: Client, app: App, marketer: User, other_app: App, other_admin: User
) -> None:
    make_sent_push(app=other_app, author=other_admin, at=timezone.now(), title="Their secret")
    make_sent_push(app=app, author=marketer, at=timezone.now(), title="Ours")
    client.force_login(marketer)

    body = page(client, app)

    assert "Their secret" not in body and "Ours" in body
    assert re.search(r'data-testid="total-pushes">1<', body)
    other = reverse("console:app-detail", kwargs={"code": other_app.code})
    assert client.get(other).status_code == 404


def test_an_app_that_sent_nothing_says_how_to_start(
    client: Client, app: App, marketer: User
) -> None:
    make_sent_push(app=app, author=marketer, at=timezone.now(), status=Push.Status.APPROVED)
    client.force_login(marketer)

    body = page(client, app)

    assert 'data-testid="dashboard-empty"' in body
    assert "No pushes sent yet" in body
    create = reverse("console:push-create", kwargs={"code": app.code})
    empty = body[body.index('data-testid="dashboard-empty"') :]
    assert f'href="{create}">Create Push</a>' in empty[: empty.index("</div>")]
    # No charts to draw, so no chart scripts and no switch.
    assert "dashboard-data" not in body and "chart.umd.min.js" not in body
    assert "?days=90" not in body


def test_the_empty_state_tells_a_reviewer_who_creates_pushes(
    client: Client, app: App, reviewer: User
) -> None:
    client.force_login(reviewer)

    body = page(client, app)

    assert "No pushes sent yet" in body
    assert "A marketer or an admin of this app creates pushes" in body
    assert reverse("console:push-create", kwargs={"code": app.code}) not in body


def test_a_quiet_window_shows_zeros_and_says_so(client: Client, app: App, marketer: User) -> None:
    make_sent_push(app=app, author=marketer, at=timezone.now() - timedelta(days=60))
    client.force_login(marketer)

    body = page(client, app)

    assert "Nothing was sent in the last 30 days." in body
    assert re.search(r'data-testid="total-pushes">0<', body)
    assert 'data-testid="dashboard-top-empty"' in body
    assert "Nothing was sent" not in page(client, app, "?days=90")


def test_a_refused_member_form_keeps_the_dashboard(
    client: Client, app: App, app_admin: User, marketer: User
) -> None:
    make_sent_push(app=app, author=marketer, at=timezone.now())
    client.force_login(app_admin)

    response = client.post(
        reverse("console:member-set", kwargs={"code": app.code}),
        {"username": "nobody-here", "role": "marketer"},
    )

    assert response.status_code == 400
    assert 'data-testid="dashboard"' in response.content.decode()
