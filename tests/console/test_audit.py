"""The audit log: every event in words, filters, the CSV export, and the chain check."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pushes import lifecycle, selectors
from pushes.audit import _digest, audit_record
from pushes.models import AuditEvent, Membership, Plan, Push, Role, TestAccountsChange
from pushes.selectors.audit_actions import ACTIONS, Said, describe, describe_generic
from pushes.services import (
    app_set_paused,
    audit_chain_verify,
    membership_set,
    push_approve,
    push_submit,
)
from tests.factories import AppFactory, MembershipFactory, PackageFactory, UserFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django import DjangoAssertNumQueries

    from pushes.models import AccountPackage, App

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LIST = reverse("console:audit-list")
EXPORT = reverse("console:audit-export")
VERIFY = reverse("console:audit-verify")


def _other_app() -> App:
    return cast("App", AppFactory(name="Other Shop"))


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: User, **params: str) -> str:
    response = _client(user).get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


def _sentences(user: User, **params: str) -> list[str]:
    events = selectors.audit_list_for_user(user=user, **params)  # type: ignore[arg-type]
    return [entry.sentence for entry in selectors.audit_entries(list(events))]


# Every action the code records has a describer --------------------------------------------

# The values an f-string action can take, by its template ("{}" for the interpolation).
FAMILIES: dict[str, list[str]] = {
    "push.{}": list(Push.Status.values),
    "push.lookup_{}": list(Push.LookupState.values),
    "app.test_accounts_{}": list(TestAccountsChange.Status.values),
}
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" assignments, for `action=NAME`."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _template(node: ast.JoinedStr) -> str:
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else "{}"
        for part in node.values
        if isinstance(part, ast.Constant | ast.FormattedValue)
    )


def _actions_in(expression: ast.expr, names: dict[str, str]) -> tuple[set[str], set[str]]:
    """The literal actions and the f-string templates an `action=` expression can give."""
    actions, templates = set(), set()
    pieces = {id(v) for n in ast.walk(expression) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(expression):
        if id(node) in pieces:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            actions.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            templates.add(_template(node))
        elif isinstance(node, ast.Name) and node.id in names:
            actions.add(names[node.id])
    return {a for a in actions if ACTION.match(a)}, templates


def recorded_actions() -> tuple[set[str], set[str]]:
    """Every audit action pushes/ and console/ can record: `action=` of any call (services,
    lifecycle moves, migrations writing events), and the f-string templates among them."""
    actions: set[str] = set()
    templates: set[str] = set()
    for package in ("pushes", "console"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            names = _constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        found, shapes = _actions_in(keyword.value, names)
                        actions |= found
                        templates |= {t for t in shapes if "." in t}
    return actions, templates


def test_the_scan_finds_the_actions_of_services_moves_and_the_log_itself() -> None:
    actions, templates = recorded_actions()

    assert {"push.created", "member.added", "plan.registered", "audit.verified"} <= actions
    assert {"package.validated", "package.rejected", "app.paused", "app.resumed"} <= actions
    assert "push.{}" in templates


def test_every_action_recorded_in_the_code_has_a_describer() -> None:
    actions, templates = recorded_actions()
    unknown_templates = templates - FAMILIES.keys()
    expanded = {t.replace("{}", v) for t in templates & FAMILIES.keys() for v in FAMILIES[t]}

    assert unknown_templates == set(), "add the template's values to FAMILIES"
    assert sorted((actions | expanded) - ACTIONS.keys()) == []


# Data as the services record it, for the actions whose sentence needs some.
SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "push.submitted": {"content_hash": "ab" * 32, "revision": 1, "total_count": 20001},
    "push.test_sent": {"tested_push": "x", "content_hash": "ab", "accounts": 2},
    "push.rejected": {"from": "pending_review", "comment": "Typo"},
    "push.sent": {"from": "sending", "push_id": "1234"},
    "push.uploaded": {"from": "uploading", "upload_id": 77},
    "push.failed": {"from": "sending", "err_msg": "bad token"},
    "package.uploaded": {"name": "a.csv", "size": 2048, "stored_as": "x"},
    "package.validated": {"name": "a.csv", "accounts": 1000, "invalid_rows": 0, "problem": ""},
    "package.rejected": {"name": "a.csv", "accounts": 0, "invalid_rows": 3, "problem": ""},
    "package.generated": {"push": "x", "accounts": 3},
    "plan.registered": {"plan_id": "48"},
    "app.updated": {"changes": {"name": {"from": "Old", "to": "New"}}},
    "app.package_retention_set": {"from": None, "to": 30},
    "app.test_accounts_proposed": {"change": 1, "added": ["a"], "removed": [], "count": 1},
    "app.test_accounts_changed": {"change": 1, "proposed_by": "ada", "added": [], "removed": []},
    "member.added": {"user": "bob", "role": "reviewer"},
    "member.role_changed": {"user": "bob", "from": "reviewer", "to": "admin"},
    "member.removed": {"user": "bob", "role": "reviewer"},
    "audit.verified": {"checked": 3, "intact": True, "broken_at": None},
    "user.created": {"username": "bob", "email": "", "is_staff": False},
    "user.password_link": {"username": "bob", "delivery": "shown", "expires_at": "x"},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_describer_tells_its_event_in_a_sentence(action: str) -> None:
    event = AuditEvent(
        id=1,
        created_at=timezone.now(),
        actor_name="mia",
        action=action,
        object_type="pushes.push",
        object_id="1",
        object_repr="Spring sale",
        data=SAMPLE_DATA.get(action, {}),
    )
    said = Said(event, "mia", "Spring sale", "Demo Shop", dict(event.data))

    sentence = describe(said)

    assert sentence == ACTIONS[action].describe(said)  # no fallback to the generic one
    assert sentence != describe_generic(said)
    assert action not in sentence and "{" not in sentence and "%(" not in sentence


def test_an_unknown_action_reads_as_key_value_pairs_not_a_python_dict(
    app: App, staff: User
) -> None:
    audit_record(
        actor=staff, action="user.teleported", obj=app, data={"to": "Mars", "crew": ["a", "b"]}
    )

    (sentence,) = _sentences(staff)

    assert sentence == 'root: user.teleported on “Demo Shop” (crew: ["a", "b"]; to: Mars)'
    assert "{'" not in _page(staff) and "'to'" not in _page(staff)


def test_data_of_an_unexpected_shape_falls_back_to_the_generic_sentence(
    app: App, staff: User
) -> None:
    audit_record(actor=staff, action="member.added", obj=app, data={"role": "admin"})

    assert _sentences(staff) == ["root: member.added on “Demo Shop” (role: admin)"]


# The events as the console records them ---------------------------------------------------


@pytest.fixture
def bob(app: App) -> User:
    return cast("User", UserFactory(username="bob"))


def test_the_flow_of_a_push_reads_as_sentences(
    app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    app.two_approvals_above = 1
    app.save()
    second = cast("Membership", MembershipFactory(app=app, role=Role.REVIEWER)).user
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    push_approve(push=push, by=second)
    push.refresh_from_db()
    lifecycle.move(push, Push.Status.APPROVED, Push.Status.SENDING)
    lifecycle.move(push, Push.Status.SENDING, Push.Status.SENT, push_id="1234")

    sentences = list(reversed(_sentences(app_admin)))

    assert sentences == [
        "mia created the push “Spring sale”",
        "mia submitted “Spring sale” for review (2 accounts)",
        "rob approved “Spring sale” (1 of 2)",
        f"{second.username} approved “Spring sale” (2 of 2)",
        "“Spring sale” is approved and queued for delivery",
        "the worker started sending “Spring sale”",
        "the worker sent “Spring sale” (push_id 1234)",
    ]


def test_a_resubmission_starts_the_count_of_approvals_again(
    app: App, marketer: User, reviewer: User, app_admin: User
) -> None:
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    lifecycle.move(push, Push.Status.APPROVED, Push.Status.CANCELLED, actor=marketer)
    again = push_submit(push=make_push(app=app, author=marketer, title="Again"), by=marketer)
    push_approve(push=again, by=reviewer)

    approvals = [s for s in _sentences(app_admin) if " approved “" in s]

    assert approvals == ["rob approved “Again” (1 of 1)", "rob approved “Spring sale” (1 of 1)"]


def test_members_apps_and_plans_read_as_sentences(
    app: App, app_admin: User, marketer: User, bob: User
) -> None:
    membership_set(app=app, by=app_admin, user=bob, role=Role.REVIEWER)
    membership_set(app=app, by=app_admin, user=bob, role=Role.ADMIN)
    app_set_paused(app=app, by=app_admin, paused=True)
    plan = Plan.objects.create(app=app, name="Double 11", description="d", created_by=marketer)
    audit_record(actor=None, action="plan.registered", obj=plan, data={"plan_id": "48"})

    assert _sentences(app_admin) == [
        "plan “Double 11” registered at the gateway as 48",
        "ada paused the app “Demo Shop”: nothing is sent until it is resumed",
        "ada made bob admin of Demo Shop (was reviewer)",
        "ada added bob as reviewer of Demo Shop",
    ]


def test_each_event_links_to_the_page_of_its_object(
    app: App, marketer: User, staff: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    push = make_push(app=app, author=marketer)
    package = cast("AccountPackage", PackageFactory(app=app, uploaded_by=marketer))
    audit_record(actor=marketer, action="package.uploaded", obj=package, data={"size": 1})
    plan = Plan.objects.create(app=app, name="Double 11", description="d", created_by=marketer)
    audit_record(actor=marketer, action="plan.created", obj=plan, data={"name": "Double 11"})
    app_set_paused(app=app, by=staff, paused=True)
    audit_record(actor=staff, action="audit.verified", obj=staff, data={})

    html = _page(staff)

    assert reverse("console:push-detail", kwargs={"code": push.code}) in html
    kw = {"code": app.code, "package": package.code}
    assert reverse("console:package-detail", kwargs=kw) in html
    assert reverse("console:plan-detail", kwargs={"code": app.code, "plan": plan.code}) in html
    assert reverse("console:app-detail", kwargs={"code": app.code}) in html
    assert html.count(">Open</a>") == 4  # the check of the chain has no page


def test_user_events_link_to_the_user_and_the_chain_check_to_nothing(
    staff: User, bob: User
) -> None:
    audit_record(actor=staff, action="user.deactivated", obj=bob, data={"username": "bob"})
    audit_chain_verify(by=staff)

    html = _page(staff)

    assert "root deactivated the user bob" in html
    assert html.count(">Open</a>") == 1
    assert reverse("console:user-detail", kwargs={"user_id": bob.pk}) in html


# Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def two_apps(app: App, app_admin: User, staff: User) -> App:
    other = _other_app()
    app_set_paused(app=app, by=staff, paused=True)
    app_set_paused(app=other, by=staff, paused=True)
    audit_chain_verify(by=staff)  # an event of no app
    return other


def test_an_admin_sees_the_events_of_their_apps_only(
    two_apps: App, app_admin: User, staff: User
) -> None:
    html = _page(app_admin)

    assert "Demo Shop" in html
    assert "Other Shop" not in html
    assert "verified the audit chain" not in html
    assert len(_sentences(staff)) == 3


@pytest.mark.parametrize("persona", ["marketer", "reviewer", "stranger"])
def test_people_who_administer_no_app_get_403(
    request: pytest.FixtureRequest, persona: str, two_apps: App
) -> None:
    client = _client(request.getfixturevalue(persona))

    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.post(VERIFY).status_code == 403


def test_the_app_filter_offers_only_the_apps_the_viewer_may_see(
    two_apps: App, app_admin: User
) -> None:
    html = _page(app_admin)

    assert "Demo Shop</option>" in html and "Other Shop</option>" not in html
    # Asking for another app's events by its code is an invalid choice: nothing leaks.
    html = _page(app_admin, app=str(two_apps.code))
    assert "Other Shop" not in html


def test_the_actor_filter_offers_only_people_of_visible_events(
    app: App, app_admin: User, staff: User, bob: User
) -> None:
    other = _other_app()
    membership_set(app=other, by=staff, user=bob, role=Role.ADMIN)
    membership_set(app=app, by=app_admin, user=bob, role=Role.REVIEWER)
    app_set_paused(app=other, by=bob, paused=True)

    actors = selectors.audit_actors_for_user(user=app_admin)

    assert actors == [(selectors.SYSTEM, "Pushdeck"), ("ada", "ada")]


# Filters ----------------------------------------------------------------------------------


@pytest.fixture
def events(app: App, marketer: User, reviewer: User, app_admin: User, staff: User) -> App:
    other = _other_app()
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    app_set_paused(app=other, by=staff, paused=True)
    app_set_paused(app=app, by=app_admin, paused=True)
    lifecycle.move(push, Push.Status.APPROVED, Push.Status.CANCELLED, actor=marketer)
    return other


def _actions(user: User, **params: str) -> list[str]:
    html = _page(user, **params)
    return re.findall(r'data-action="([^"]+)"', html)


def test_it_filters_by_app(events: App, staff: User) -> None:
    assert _actions(staff, app=str(events.code)) == ["app.paused"]


def test_it_filters_by_actor_and_by_pushdeck_itself(
    events: App, staff: User, app_admin: User
) -> None:
    assert _actions(staff, actor="mia") == ["push.cancelled", "push.submitted", "push.created"]
    assert _actions(staff, actor=selectors.SYSTEM) == []  # offered, though none yet
    push = Push.objects.get()
    audit_record(actor=None, action="push.lookup_scheduled", obj=push, data={"why": "x"})
    assert _actions(app_admin, actor=selectors.SYSTEM) == ["push.lookup_scheduled"]


def test_it_filters_by_action_and_by_group(events: App, staff: User) -> None:
    assert _actions(staff, action="app.paused") == ["app.paused", "app.paused"]
    assert _actions(staff, action="group:review") == ["push.approved", "push.approval_added"]
    html = _page(staff)
    assert '<optgroup label="Review">' in html
    assert '<option value="group:review">Any of “Review”</option>' in html


def test_it_filters_by_days_in_the_viewers_time_zone(
    events: App, staff: User, settings: Any
) -> None:
    today = timezone.localdate()
    AuditEvent.objects.filter(action="push.created").update(
        created_at=timezone.now() - timedelta(days=3)
    )
    yesterday = str(today - timedelta(days=1))

    assert _actions(staff, date_to=yesterday) == ["push.created"]
    assert "push.created" not in _actions(staff, date_from=str(today))
    assert len(_actions(staff, date_from=str(today), date_to=str(today))) == 6


def test_a_bad_filter_is_reported_and_ignored(events: App, staff: User) -> None:
    html = _page(staff, date_from="2030-01-02", date_to="2030-01-01", action="nope")

    assert "The end date is before the start date." in html
    assert "Select a valid choice." in html


def test_the_list_is_paginated_and_pages_keep_the_filters(app: App, staff: User) -> None:
    for _ in range(60):
        audit_record(actor=staff, action="app.paused", obj=app)

    first = _page(staff, action="app.paused")
    second = _page(staff, action="app.paused", page="2")

    assert first.count("data-action=") == 50
    assert second.count("data-action=") == 10
    assert "action=app.paused&amp;page=2" in first


def _many_kinds(app: App, marketer: User, reviewer: User, rounds: int, tag: str) -> None:
    """Pushes (created, submitted, approved), packages and plans: each kind of link."""
    for n in range(rounds):
        push = make_push(app=app, author=marketer, title=f"P{n}")
        push_approve(push=push_submit(push=push, by=marketer), by=reviewer)
        package = cast("AccountPackage", PackageFactory(app=app, uploaded_by=marketer))
        audit_record(actor=marketer, action="package.uploaded", obj=package, data={"size": 1})
        plan = Plan.objects.create(
            app=app, name=f"Plan {tag}{n}", description="d", created_by=marketer
        )
        audit_record(actor=marketer, action="plan.created", obj=plan, data={"name": "x"})


@pytest.mark.parametrize("persona", ["staff", "app_admin"])
def test_the_page_takes_a_bounded_number_of_queries(
    request: pytest.FixtureRequest,
    persona: str,
    app: App,
    marketer: User,
    reviewer: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    client = _client(request.getfixturevalue(persona))
    _many_kinds(app, marketer, reviewer, 1, "a")
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    _many_kinds(app, marketer, reviewer, 12, "b")
    assert AuditEvent.objects.count() > 50

    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    with django_assert_max_num_queries(18):
        filtered = client.get(LIST, {"app": str(app.code), "actor": "rob"})

    assert len(many) == len(few) <= 18
    assert response.content.decode().count("data-action=") == 50
    assert filtered.content.decode().count("data-action=") == 26


# CSV --------------------------------------------------------------------------------------


def _csv(user: User | Client, **params: str) -> tuple[bytes, list[list[str]]]:
    client = user if isinstance(user, Client) else _client(user)
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_holds_each_events_sentence_and_raw_data(
    app: App, marketer: User, app_admin: User, bob: User
) -> None:
    membership_set(app=app, by=app_admin, user=bob, role=Role.REVIEWER)

    body, rows = _csv(app_admin)

    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [
        "Event", "Time", "Who", "App", "Action", "Event type", "What happened", "Object",
        "Object type", "Object ID", "Data (JSON)",
    ]  # fmt: skip
    (row,) = rows[1:]
    assert row[2:7] == [
        "ada",
        "Demo Shop",
        "Member added",
        "member.added",
        "ada added bob as reviewer of Demo Shop",
    ]
    assert json.loads(row[10]) == {"user": "bob", "role": "reviewer"}


def test_the_csv_is_filtered_and_visible_like_the_page(events: App, app_admin: User) -> None:
    _, rows = _csv(app_admin, actor="mia")

    assert [row[5] for row in rows[1:]] == ["push.cancelled", "push.submitted", "push.created"]
    _, rows = _csv(app_admin)
    assert "Other Shop" not in {row[3] for row in rows}


def test_the_csv_cannot_carry_a_formula(app: App, staff: User) -> None:
    evil = cast("User", UserFactory(username="@evil"))
    MembershipFactory(app=app, user=evil, role=Role.MARKETER)
    make_push(app=app, author=evil, title="=HYPERLINK(1)")

    _, rows = _csv(staff)

    (row,) = rows[1:]
    assert row[2] == "'@evil"
    assert row[7] == "'=HYPERLINK(1)"
    assert row[6] == "@evil created the push “=HYPERLINK(1)”".replace("@", "'@", 1)


def test_the_csv_streams_many_events_with_a_few_queries_per_chunk(
    app: App,
    marketer: User,
    reviewer: User,
    staff: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(1200):
        audit_record(actor=staff, action="app.paused", obj=app)
    for n in range(3):
        make_push(app=app, author=marketer, title=f"P{n}")

    client = _client(staff)

    with django_assert_max_num_queries(20):  # 3 chunks of 500: at most 5 lookups each
        _, rows = _csv(client)

    assert len(rows) == 1204
    assert rows[1][6] == "mia created the push “P2”"
    assert rows[-1][6] == "root paused the app “Demo Shop”: nothing is sent until it is resumed"


# Verify chain -----------------------------------------------------------------------------


def _verify(user: User) -> str:
    response = _client(user).post(VERIFY, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    return response.content.decode()


def test_staff_verify_an_intact_chain_and_the_check_is_recorded(events: App, staff: User) -> None:
    checked = AuditEvent.objects.count()

    html = _verify(staff)

    assert f"The chain is intact: {checked} events checked." in html
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None and last.action == "audit.verified"
    assert last.data == {
        "checked": checked,
        "intact": True,
        "broken_at": None,
        "problem": "",
        "previous": None,
    }
    assert f"root verified the audit chain: intact, {checked} events checked" in html
    # The check is chained like any event: checking again covers it too.
    assert f"The chain is intact: {checked + 1} events checked." in _verify(staff)


def _raw_update(event_id: int, **columns: str) -> None:
    """An UPDATE in SQL, past the model's append-only guard, as a tamperer would write it."""
    cast_json = "::jsonb" if connection.vendor == "postgresql" else ""
    sets = ", ".join(f"{name} = %s{cast_json if name == 'data' else ''}" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE pushes_auditevent SET {sets} WHERE id = %s", [*columns.values(), event_id]
        )


def test_a_row_edited_with_sql_breaks_the_chain_at_that_event(events: App, staff: User) -> None:
    victim = AuditEvent.objects.get(action="push.approval_added")
    _raw_update(victim.pk, data=json.dumps({"content_hash": "forged"}))
    when = timezone.localtime(victim.created_at).strftime("%Y-%m-%d %H:%M:%S")

    html = _verify(staff)

    assert (
        f"The chain breaks at event #{victim.pk} ({when}): its hash does not match its content."
        in html
    )
    assert 'class="message error"' in html
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None and last.data["broken_at"] == victim.pk
    assert f"root verified the audit chain: it breaks at event #{victim.pk}" in html


def test_a_row_edited_and_rehashed_breaks_the_link_of_the_next(events: App, staff: User) -> None:
    victim, after = AuditEvent.objects.order_by("id")[2:4]
    _raw_update(victim.pk, data=json.dumps({"content_hash": "forged"}))
    forged = AuditEvent.objects.get(pk=victim.pk)
    _raw_update(victim.pk, hash=_digest(forged))  # a forger who knows the recipe

    html = _verify(staff)

    assert f"#{after.pk}" in html
    assert f"its previous hash does not match event #{victim.pk}." in html


def test_a_deleted_first_event_is_found_too(events: App, staff: User) -> None:
    first, second = AuditEvent.objects.order_by("id")[:2]
    AuditEvent.objects.filter(pk=first.pk).delete()  # bypasses the model's guard, as SQL would

    html = _verify(staff)

    assert f"The chain breaks at event #{second.pk}" in html
    assert "it is the first event, but its previous hash is not the start of the chain." in html


def test_only_staff_see_the_verify_button_and_others_are_told_why(
    events: App, staff: User, app_admin: User
) -> None:
    assert "Verify chain</button>" in _page(staff)
    html = _page(app_admin)
    assert "Verify chain</button>" not in html
    assert "Only staff administrators can verify the chain" in html


def test_an_app_admin_cannot_verify_and_nothing_is_recorded(events: App, app_admin: User) -> None:
    before = AuditEvent.objects.count()

    response = _client(app_admin).post(VERIFY)

    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


def test_verify_takes_a_post_with_a_csrf_token(events: App, staff: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    assert client.get(VERIFY).status_code == 405
    assert client.post(VERIFY).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.verified").exists()
