"""The Sandbox inbox page: who sees which app, and what it shows."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from pushes.models import App, Gateway, Membership, Role
from pushes.sandbox import services
from pushes.sandbox.models import SandboxApp
from tests.factories import AppFactory, MembershipFactory, UserFactory
from tests.sandbox.helpers import ACCESS_ID, account_push, device_for, signed_post

pytestmark = pytest.mark.django_db

URL = reverse("console:sandbox-inbox")


@pytest.fixture
def console_app(sandbox_app: SandboxApp) -> App:
    return cast(App, AppFactory(name="Inbox Shop", access_id=ACCESS_ID, gateway=Gateway.SANDBOX))


@pytest.fixture
def member(console_app: App) -> User:
    return cast(
        Membership,
        MembershipFactory(app=console_app, user=UserFactory(username="mo"), role=Role.MARKETER),
    ).user


@pytest.fixture
def outsider(db: None) -> User:
    """A marketer of another sandbox app."""
    other = services.ensure_app(access_id="1500000099", secret_key="other-secret", name="Elsewhere")
    device_for(other, "zed", label="Zed's tablet")
    app = AppFactory(name="Elsewhere", access_id=other.access_id, gateway=Gateway.SANDBOX)
    return cast(
        Membership,
        MembershipFactory(app=app, user=UserFactory(username="oz"), role=Role.MARKETER),
    ).user


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_sees_devices_accounts_and_deliveries(
    client: Client, sandbox_app: SandboxApp, member: User
) -> None:
    device_for(sandbox_app, "alice", label="Alice's phone")
    device_for(sandbox_app, "bob", label="Bob's phone")
    signed_post(
        client,
        "v3/push/app",
        account_push(["alice", "nobody"], message={"title": "Flash sale", "content": "Today only"}),
    )

    page = logged_in(member).get(URL)

    html = page.content.decode()
    assert page.status_code == 200
    assert "Alice&#x27;s phone" in html and "Bob&#x27;s phone" in html
    assert "Flash sale" in html and "Today only" in html
    assert page.context["selected"] == sandbox_app
    (push,) = page.context["page"].object_list
    assert (push.targeted, push.delivered, push.unbound) == (2, 1, 1)


def test_a_stranger_sees_nothing_of_another_app(
    client: Client, sandbox_app: SandboxApp, member: User, outsider: User
) -> None:
    device_for(sandbox_app, "alice", label="Alice's phone")

    own = logged_in(outsider).get(URL)
    other = logged_in(outsider).get(URL, {"app": ACCESS_ID})

    assert "Alice" not in own.content.decode()
    assert "Zed&#x27;s tablet" in own.content.decode()
    assert other.status_code == 404


def test_a_user_without_sandbox_apps_gets_the_empty_state(stranger: User) -> None:
    page = logged_in(stranger).get(URL)

    assert page.status_code == 200
    assert "No sandbox apps" in page.content.decode()


def test_staff_see_every_sandbox_app(sandbox_app: SandboxApp, outsider: User, staff: User) -> None:
    page = logged_in(staff).get(URL, {"app": "1500000099"})

    assert page.status_code == 200
    assert {app.access_id for app in page.context["apps"]} == {ACCESS_ID, "1500000099"}
    assert "Zed&#x27;s tablet" in page.content.decode()


def test_an_app_without_devices_says_how_to_get_some(sandbox_app: SandboxApp, member: User) -> None:
    page = logged_in(member).get(URL)

    html = page.content.decode()
    assert "No devices yet" in html
    assert f"sandbox_device --access-id {ACCESS_ID}" in html
    assert "seed_demo" in html


def test_a_real_gateway_app_with_the_same_access_id_grants_nothing(sandbox_app: SandboxApp) -> None:
    tencent = AppFactory(access_id=ACCESS_ID, gateway=Gateway.GUANGZHOU)
    user = cast(
        Membership,
        MembershipFactory(app=tencent, user=UserFactory(username="gz"), role=Role.ADMIN),
    ).user

    page = logged_in(user).get(URL)

    assert "No sandbox apps" in page.content.decode()
