"""The Sandbox page in Chromium: an admin presses Open on a delivery, and once the push's
results are refreshed its record page counts the click; the page at a phone's width."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.models import Push
from pushes.sandbox.models import Delivery, SandboxApp
from pushes.services import push_approve, push_deliver, push_submit, results_refresh_from_gateway
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
TITLE = "Grand opening"


def sent_push(gateway: Gateway, app: App, author: User, reviewer: User) -> Push:
    """Sent to alice and bob; both arrive at once and nobody opens or dismisses anything."""
    SandboxApp.objects.filter(access_id=app.access_id).update(
        arrival_rate=1.0,
        click_rate=0.0,
        clear_rate=0.0,
        arrival_delay_seconds=0,
        engage_delay_seconds=0,
    )
    gateway.bind("alice", "bob")
    push = push_submit(
        push=make_push(app=app, author=author, accounts="alice\nbob", title=TITLE), by=author
    )
    push_deliver(push_id=push_approve(push=push, by=reviewer).id)
    push.refresh_from_db()
    assert push.status == Push.Status.SENT, push.err_msg
    assert results_refresh_from_gateway(push_id=push.id) == "refreshed"
    return push


def funnel_figure(page: Page, step: str) -> str:
    row = page.get_by_test_id("results-funnel").locator(f'tr[data-step="{step}"]')
    return row.locator("td").first.inner_text().strip()


def test_open_in_the_sandbox_inbox_raises_the_pushs_clicked_figure(
    page: Page,
    live_server: LiveServer,
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
    shots: Callable[[Page], Shots],
) -> None:
    push = sent_push(gateway, app, marketer, reviewer)
    record = f"{live_server.url}/pushes/{push.code}/"
    shot = shots(page)
    login(page, live_server.url, "ada", PASSWORD)
    page.goto(record)
    assert (funnel_figure(page, "arrived"), funnel_figure(page, "clicked")) == ("2", "0")
    shot("record-before-open")

    page.get_by_role("link", name="Sandbox").first.click()
    page.wait_for_url("**/sandbox-inbox/")
    shot("sandbox-inbox")
    page.get_by_role("button", name=f"Open “{TITLE}” on alice 0").click()
    page.wait_for_url("**/sandbox-inbox/?app=*")

    card = page.locator("li.device").filter(has_text="alice 0")
    assert card.get_by_text("Opened, so it can no longer be dismissed.").is_visible()
    assert page.get_by_role("button", name=f"Dismiss “{TITLE}” on alice 0").is_disabled()
    assert page.get_by_role("button", name=f"Dismiss “{TITLE}” on bob 0").is_enabled()
    assert page.get_by_role("status").get_by_text(f"“{TITLE}” opened on alice 0.").is_visible()
    opened = Delivery.objects.get(push__push_id=push.push_id, account="alice")
    assert opened.clicked_at is not None
    shot("sandbox-opened")

    assert results_refresh_from_gateway(push_id=push.id) == "refreshed"
    page.goto(record)
    assert (funnel_figure(page, "arrived"), funnel_figure(page, "clicked")) == ("2", "1")
    shot("record-after-open")


def test_the_sandbox_page_fits_a_phone(
    phone: Page,
    live_server: LiveServer,
    gateway: Gateway,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
    shots: Callable[[Page], Shots],
) -> None:
    sent_push(gateway, app, marketer, reviewer)
    shot = shots(phone)
    login(phone, live_server.url, "ada", PASSWORD)

    phone.goto(f"{live_server.url}/sandbox-inbox/")

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    open_alice = phone.get_by_role("button", name=f"Open “{TITLE}” on alice 0")
    open_alice.scroll_into_view_if_needed()
    assert open_alice.is_visible()
    assert phone.get_by_label("Click rate (%)").input_value() == "0"
    assert phone.get_by_label("Account", exact=True).is_visible()
    shot("sandbox-phone", full_page=True)
    phone.get_by_label("Click rate (%)").fill("150")
    phone.get_by_role("button", name="Save engagement model").click()
    assert phone.get_by_text("Ensure this value is less than or equal to 100.").is_visible()
    shot("sandbox-phone-engagement-error", full_page=True)
