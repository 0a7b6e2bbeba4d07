"""The console's list queries read an index that matches their filter and their order, on
PostgreSQL: none scans the pushes or audit tables, none sorts them, and none loads the large
columns (typed accounts, the frozen request).

With a handful of rows the planner would rightly scan; sequential scans and sorts are priced
out (enable_seqscan / enable_sort off) so that the plan shows whether an index *can* serve
the query. A missing index leaves a Seq Scan or a Sort in the plan."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.db import connection
from django.utils import timezone

from console.paging import BoundedPaginator
from pushes import selectors
from pushes.models import Push, Role
from pushes.services import push_submit
from tests.conftest import require
from tests.factories import AppFactory, MembershipFactory, UserFactory, make_push, make_sent_push

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from pushes.models import App

pytestmark = pytest.mark.django_db

WATCHED = {"pushes_push", "pushes_auditevent"}


@pytest.fixture
def reader(app: App) -> User:
    """An admin of two apps (a third app's pushes are not theirs), with pushes of each."""
    person = cast("User", UserFactory(username="lister"))
    second = cast("App", AppFactory(name="Second"))
    for each in (app, second):
        MembershipFactory(app=each, user=person, role=Role.ADMIN)
    cast("App", AppFactory(name="Elsewhere"))
    now = timezone.now()
    for n in range(5):
        make_sent_push(app=app, author=person, at=now - timedelta(hours=n), title=f"Sale {n}")
    push_submit(push=make_push(app=second, author=person, title="Pending"), by=person)
    return person


@pytest.fixture
def index_only_planner() -> Iterator[None]:
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        # Statistics of this test's own rows, not of what earlier tests left behind: the
        # plans must not depend on the order the suite runs in.
        cursor.execute("ANALYZE pushes_push, pushes_membership, pushes_auditevent")
        # SET LOCAL: only inside the test's transaction.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    yield


def plan_nodes(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    found = json.loads(queryset.explain(format="json"))
    nodes, todo = [], [found[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    return nodes


def problems(queryset: QuerySet[Any]) -> list[str]:
    """What a plan does that a list query must not, with the plan to read when it does."""
    bad = []
    for node in plan_nodes(queryset):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in WATCHED:
            bad.append(f"Seq Scan on {node['Relation Name']}")
        if node["Node Type"] in {"Sort", "Incremental Sort"}:
            bad.append(f"Sort by {node.get('Sort Key')}")
    return [*bad, queryset.explain()] if bad else []


def the_page(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset[:25]


def bounded_count(queryset: QuerySet[Any]) -> QuerySet[Any]:
    # What BoundedPaginator counts over: the first limit + 1 rows.
    return queryset.order_by()[: BoundedPaginator(queryset, 25).limit + 1]


def push_lists(reader: User, app: App) -> dict[str, QuerySet[Push]]:
    return {
        "unfiltered": selectors.push_list_for_user(user=reader),
        "status": selectors.push_list_for_user(user=reader, status=Push.Status.SENT),
        "app": selectors.push_list_for_user(user=reader, app=app),
        "author": selectors.push_list_for_user(user=reader, author_id=reader.pk),
        "search": selectors.push_list_for_user(user=reader, q="sale"),
        "review queue": selectors.review_queue_for_user(user=reader),
    }


@pytest.mark.usefixtures("index_only_planner")
def test_the_pushes_lists_and_the_review_queue_read_an_index_in_their_order(
    reader: User, app: App
) -> None:
    for name, queryset in push_lists(reader, app).items():
        assert not problems(the_page(queryset)), (name, problems(the_page(queryset)))
        assert not problems(bounded_count(queryset)), (name, problems(bounded_count(queryset)))


@pytest.mark.usefixtures("index_only_planner")
def test_the_audit_log_and_its_filter_choices_read_indexes(reader: User) -> None:
    events = selectors.audit_list_for_user(user=reader)
    assert events.exists()
    assert not problems(the_page(events))
    assert not problems(bounded_count(events))
    by_person = selectors.audit_list_for_user(user=reader, actor=reader.username)
    assert not [p for p in problems(the_page(by_person)) if p.startswith("Seq Scan on")]


def test_lists_never_load_the_large_columns(reader: User, app: App) -> None:
    for name, queryset in push_lists(reader, app).items():
        sql = str(the_page(queryset).query)
        for column in Push.LARGE_FIELDS:
            assert f'"pushes_push"."{column}"' not in sql, (name, column)
