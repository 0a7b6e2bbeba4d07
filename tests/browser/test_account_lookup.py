"""Account lookup in Chromium: bob, bound on two sandbox devices, shows both devices, the push
just sent to him (typed), and what each device was sent today; at desktop and phone widths."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.models import Push
from pushes.services import push_approve, push_deliver, push_submit
from tests.browser.axe import check_axe
from tests.browser.conftest import login
from tests.factories import make_push

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.conftest import Gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def sent_to_bob(app: App, author: User, reviewer: User) -> Push:
    draft = make_push(
        app=app, author=author, accounts="bob\n", title="Bob's weekend deal", account_push_type=1
    )
    push = push_submit(push=draft, by=author)
    push_approve(push=push, by=reviewer)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT
    return push


@pytest.mark.parametrize("width", [1280, 390])
def test_bob_shows_two_devices_and_the_push_just_sent_to_him(
    width: int,
    new_page: Callable[..., Page],
    live_server: LiveServer,
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    shots: Callable[[Page], Shots],
) -> None:
    gateway.bind("bob", devices=2)
    push = sent_to_bob(app, marketer, reviewer)
    page = new_page(viewport={"width": width, "height": 900})
    login(page, live_server.url, "rob", PASSWORD)  # a reviewer may look accounts up too

    page.goto(f"{live_server.url}/apps/{app.code}/")
    page.get_by_role("link", name="Account lookup").click()
    page.wait_for_url("**/account-lookup/")
    page.get_by_role("textbox", name="Account", exact=True).fill("bob")
    page.get_by_label("Account type").select_option("0")
    with page.expect_navigation():
        page.get_by_role("button", name="Look up").first.click()

    devices = page.get_by_test_id("devices")
    assert devices.get_by_test_id("token-row").count() == 2
    pushes = page.get_by_test_id("account-pushes")
    row = pushes.get_by_test_id("account-push")
    assert row.count() == 1
    assert "Bob's weekend deal" in row.inner_text() and "Sent" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shots(page)(f"account-lookup-{width}")

    devices.get_by_role("link", name="Today's pushes").first.click()
    today = page.get_by_test_id("today-push")
    assert today.count() == 1
    assert push.push_id in today.inner_text()
    assert "Bob's weekend deal" in today.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shots(page)(f"todays-pushes-{width}")
    check_axe(page, where=f"the account lookup at {width} px")

    today.get_by_role("link", name="Bob's weekend deal").click()
    page.wait_for_url(f"**/pushes/{push.code}/")
