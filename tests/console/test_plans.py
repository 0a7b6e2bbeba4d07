"""Push plans: made at the gateway (the sandbox over HTTP), chosen on Create Push, sent as
plan_id, and read together on the plan page."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest
from django.test import Client
from django.urls import reverse

from pushes.models import AuditEvent, Plan, Push, PushResults
from pushes.sandbox.models import SandboxApp, SandboxPlan, SandboxPush
from pushes.services import (
    plan_register,
    plan_stats_from_gateway,
    push_approve,
    push_deliver,
    push_submit,
)
from pushes.tpns import client as tpns
from pushes.tpns.errors import TransientTpnsError
from pushes.tpns.hosts import Credentials
from tests.factories import AppFactory, MembershipFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App, Membership
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create_plan(client: Client, app: App, name: str, description: str = "The sale") -> str:
    response = client.post(
        reverse("console:plan-list", kwargs={"code": app.code}),
        {"name": name, "description": description},
    )
    return response.content.decode() if response.status_code != 302 else ""


def test_the_client_and_the_sandbox_agree_on_add_plan_push(
    gateway: Gateway, app: App, settings: Settings
) -> None:
    creds = Credentials(access_id=app.access_id, secret_key=app.secret_key, gateway="sandbox")
    settings.SANDBOX_PLANS_PER_DAY = 2

    first = tpns.add_plan_push(creds, name="Double 11", describe="The sale")
    second = tpns.add_plan_push(creds, name="Welcome", describe="New users")

    assert (first.name, first.describe) == ("Double 11", "The sale")
    assert first.plan_id != second.plan_id
    assert set(first.raw["result"]) >= {"planId", "planName", "planDescribe", "createdAt"}
    assert SandboxPlan.objects.filter(plan_id=first.plan_id, app__access_id=app.access_id)
    with pytest.raises(TransientTpnsError) as too_many:
        tpns.add_plan_push(creds, name="Third", describe="Over the daily limit")
    assert too_many.value.ret_code == 1008028
    with pytest.raises(ValueError, match="60"):
        tpns.add_plan_push(creds, name="x" * 61, describe="too long")


def test_a_marketer_creates_a_plan_and_a_worker_registers_it(
    gateway: Gateway, app: App, marketer: User
) -> None:
    assert create_plan(signed_in(marketer), app, "Double 11") == ""

    plan = Plan.objects.get(app=app)
    assert (plan.name, plan.plan_id, plan.created_by) == ("Double 11", "", marketer)
    registered = plan_register(plan_id=plan.id)  # what the register_plan task does
    again = plan_register(plan_id=plan.id)

    assert registered.plan_id and again.plan_id == registered.plan_id
    assert SandboxPlan.objects.get(plan_id=registered.plan_id).name == "Double 11"
    assert SandboxPlan.objects.count() == 1
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("id"))
    assert actions[-2:] == ["plan.created", "plan.registered"]


def test_plan_form_errors_say_what_is_wrong(app: App, marketer: User) -> None:
    client = signed_in(marketer)
    create_plan(client, app, "Double 11")

    assert "already has a plan with this name" in create_plan(client, app, "Double 11")
    assert "at most 60 characters" in create_plan(client, app, "x" * 61)
    assert "This field is required" in create_plan(client, app, "Empty", description=" ")
    assert Plan.objects.count() == 1


def test_a_busy_gateway_leaves_the_plan_to_register_later(
    gateway: Gateway, app: App, marketer: User, settings: Settings
) -> None:
    settings.SANDBOX_PLANS_PER_DAY = 0
    create_plan(signed_in(marketer), app, "Double 11")
    plan = Plan.objects.get()

    with pytest.raises(TransientTpnsError):
        plan_register(plan_id=plan.id)

    plan.refresh_from_db()
    assert plan.plan_id == ""
    page = signed_in(marketer).get(reverse("console:plan-list", kwargs={"code": app.code}))
    assert "Registering…" in page.content.decode()


def test_a_reviewer_cannot_create_plans(app: App, reviewer: User) -> None:
    response = signed_in(reviewer).post(
        reverse("console:plan-list", kwargs={"code": app.code}),
        {"name": "Mine", "description": "x"},
    )
    assert response.status_code == 403
    assert not Plan.objects.exists()


def test_a_push_in_a_plan_sends_plan_id_and_the_plan_page_sums_results(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("alice", "bob")
    create_plan(signed_in(marketer), app, "Double 11")
    plan = Plan.objects.get()
    assert plan.plan_id == ""  # delivery registers it before the push call
    client = signed_in(marketer)
    form = {
        "source": "manual",
        "accounts_text": "alice\nbob",
        "account_type": "0",
        "account_push_type": "0",
        "message_type": "notify",
        "title": "Plan push",
        "content": "Hello",
        "open_action": "app",
        "plan": str(plan.code),
        "action": "save",
    }
    client.post(reverse("console:push-create", kwargs={"code": app.code}), form)
    push = Push.objects.get(title="Plan push")
    assert push.plan == plan
    push_deliver(push_id=push_approve(push=push_submit(push=push, by=marketer), by=reviewer).id)
    PushResults.objects.filter(push=push).update(planned=2, sent=2, arrived=2, clicked=1)

    sent = SandboxPush.objects.get(request__message__title="Plan push")
    plan.refresh_from_db()
    page = signed_in(reviewer).get(
        reverse("console:plan-detail", kwargs={"code": app.code, "plan": plan.code})
    )

    assert sent.request["plan_id"] == plan.plan_id
    html = page.content.decode()
    assert 'data-step="clicked"><th scope="row">Clicked</th><td class="num">1<' in html
    assert "Plan push" in html
    listing = signed_in(reviewer).get(reverse("console:plan-list", kwargs={"code": app.code}))
    assert "Double 11" in listing.content.decode()


def test_another_apps_plan_is_not_found_nor_choosable(
    app: App, marketer: User, reviewer: User
) -> None:
    other = cast("App", AppFactory())
    owner = cast("Membership", MembershipFactory(app=other)).user
    foreign = Plan.objects.create(
        app=other, name="Theirs", description="x", plan_id="9", created_by=owner
    )

    page = signed_in(marketer).get(
        reverse("console:plan-detail", kwargs={"code": app.code, "plan": foreign.code})
    )
    draft = make_push(app=app, author=marketer)
    response = signed_in(marketer).post(
        reverse("console:push-edit", kwargs={"code": draft.code}),
        {
            "source": "manual",
            "accounts_text": "alice",
            "account_type": "0",
            "account_push_type": "0",
            "message_type": "notify",
            "title": "x",
            "content": "y",
            "open_action": "app",
            "plan": str(foreign.code),
            "action": "save",
        },
    )

    assert page.status_code == 404
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.plan is None


def test_the_plan_page_shows_the_gateways_own_plan_figures(
    gateway: Gateway, app: App, marketer: User, reviewer: User, settings: Settings
) -> None:
    SandboxApp.objects.filter(access_id=app.access_id).update(
        arrival_rate=1.0, click_rate=1.0, clear_rate=0.0, arrival_delay_seconds=0,
        engage_delay_seconds=0,
    )  # fmt: skip
    gateway.bind("alice", "bob", "carol")
    create_plan(signed_in(marketer), app, "Double 11")
    plan = plan_register(plan_id=Plan.objects.get().id)
    for accounts in ("alice\nbob", "carol"):
        push = make_push(app=app, author=marketer, accounts=accounts)
        Push.objects.filter(id=push.id).update(plan=plan)
        push.refresh_from_db()
        push_deliver(push_id=push_approve(push=push_submit(push=push, by=marketer), by=reviewer).id)
    client = signed_in(reviewer)
    ask = reverse("console:plan-ask-gateway", kwargs={"code": app.code, "plan": plan.code})

    assert client.post(ask).status_code == 302
    assert plan_stats_from_gateway(plan_id=plan.id) == "refreshed"  # what the task does
    page = client.get(reverse("console:plan-detail", kwargs={"code": app.code, "plan": plan.code}))
    again = client.post(ask, follow=True)

    html = page.content.decode()
    gateway_card = html[html.index('data-testid="plan-gateway"') :]
    assert 'data-step="planned"><th scope="row">Planned</th><td class="num">3<' in gateway_card
    assert 'data-step="clicked"><th scope="row">Clicked</th><td class="num">3<' in gateway_card
    assert "less than a minute old" in again.content.decode()
    settings.TPNS_STATISTICS_CALLS_PER_HOUR = 0
    assert plan_stats_from_gateway(plan_id=plan.id) == "budget"
