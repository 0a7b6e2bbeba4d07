"""The Account lookup page: an account's devices and the pushes that targeted it, a token's
accounts and pushes today, gateway trouble shown in words, and nothing of another app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse

from pushes.models import Push
from pushes.services import push_approve, push_deliver, push_submit
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App
    from tests.conftest import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def look_up(user: User, app: App, **query: Any) -> Any:  # the test client's response
    url = reverse("console:account-lookup", kwargs={"code": app.code})
    return signed_in(user).get(url, query)


def test_the_app_page_links_to_it(app: App, reviewer: User) -> None:
    page = signed_in(reviewer).get(reverse("console:app-detail", kwargs={"code": app.code}))
    assert reverse("console:account-lookup", kwargs={"code": app.code}) in page.content.decode()


def test_an_empty_form_to_begin_with_and_the_apps_default_type(app: App, marketer: User) -> None:
    app.default_account_type = 1002
    app.save()
    response = look_up(marketer, app)
    assert response.status_code == 200
    assert response.context["account_form"]["account_type"].value() == 1002
    assert "devices" not in response.context and "bound" not in response.context


def test_bob_shows_his_devices_and_the_push_he_was_sent(
    gateway: Gateway, app: App, marketer: User, reviewer: User
) -> None:
    gateway.bind("bob", devices=2)
    push = push_submit(push=make_push(app=app, author=marketer, accounts="bob\n"), by=marketer)
    push_approve(push=push, by=reviewer)
    push_deliver(push_id=push.id)
    response = look_up(reviewer, app, account="bob", account_type=0)
    assert response.status_code == 200
    html = response.content.decode()
    tokens = response.context["devices"].tokens
    assert len(tokens) == 2 and all(token in html for token in tokens)
    assert list(response.context["pushes"].object_list) == [Push.objects.get(id=push.id)]
    assert reverse("console:push-detail", kwargs={"code": push.code}) in html
    assert "today-pushes" not in html  # asked for per token: each costs a statistics call

    today = look_up(reviewer, app, account="bob", account_type=0, today=tokens[0])
    rows = today.context["today"].pushes
    assert [row.push.code for row in rows] == [push.code]
    assert 'data-testid="today-push"' in today.content.decode()


def test_a_token_search_lists_its_accounts(gateway: Gateway, app: App, marketer: User) -> None:
    gateway.bind("carol")
    token = look_up(marketer, app, account="carol", account_type=0).context["devices"].tokens[0]
    response = look_up(marketer, app, token=token)
    assert response.status_code == 200
    assert [entry["account"] for entry in response.context["bound_accounts"]] == ["carol"]
    assert "account=carol&amp;account_type=0" in response.content.decode()


def test_gateway_trouble_is_said_and_the_pushes_still_show(
    gateway: Gateway, app: App, marketer: User
) -> None:
    Push.objects.create(app=app, created_by=marketer, title="Old", accounts=["bob"], status="sent")
    gateway.fault("query", "http_500")
    response = look_up(marketer, app, account="bob", account_type=0)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The gateway could not answer this lookup." in html
    assert 'data-testid="devices-problem"' in html
    assert [p.title for p in response.context["pushes"].object_list] == ["Old"]


def test_a_missing_account_is_a_form_error(app: App, marketer: User) -> None:
    response = look_up(marketer, app, account="", account_type=0)
    assert response.status_code == 400
    assert response.context["account_form"].errors["account"]


def test_a_member_of_another_app_gets_404(app: App, other_admin: User) -> None:
    assert look_up(other_admin, app, account="bob", account_type=0).status_code == 404


def test_another_apps_pushes_never_show(
    gateway: Gateway, app: App, marketer: User, other_app: App, other_admin: User
) -> None:
    Push.objects.create(
        app=other_app, created_by=other_admin, title="Theirs", accounts=["bob"], status="sent"
    )
    response = look_up(marketer, app, account="bob", account_type=0)
    assert list(response.context["pushes"].object_list) == []
    assert "Theirs" not in response.content.decode()


def test_an_account_bound_under_another_type_links_to_that_type(
    gateway: Gateway, app: App, marketer: User
) -> None:
    gateway.bind("dora", account_type=1005)
    response = look_up(marketer, app, account="dora", account_type=0)
    html = response.content.decode()
    assert 'data-testid="no-devices"' in html and 'data-testid="bound-elsewhere"' in html
    assert "?account=dora&amp;account_type=1005" in html
