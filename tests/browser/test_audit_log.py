"""The audit log in Chromium: events in words, a filter, the raw data, the CSV download and
the Verify chain button on an intact and on a tampered chain; an app admin on a phone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from django.db import connection

from pushes import lifecycle
from pushes.audit import audit_record
from pushes.models import AuditEvent, Plan, Push, Role
from pushes.services import membership_set, push_approve, push_submit
from tests.browser.axe import check_axe
from tests.browser.conftest import login
from tests.factories import UserFactory, make_push

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def record_a_week(app: App, marketer: User, reviewer: User, app_admin: User) -> None:
    """A push from draft to sent, a new member and a plan, through the domain."""
    push = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    push_approve(push=push, by=reviewer)
    push.refresh_from_db()
    lifecycle.move(push, Push.Status.APPROVED, Push.Status.SENDING)
    lifecycle.move(push, Push.Status.SENDING, Push.Status.SENT, push_id="1234")
    bob = cast("User", UserFactory(username="bob"))
    membership_set(app=app, by=app_admin, user=bob, role=Role.REVIEWER)
    plan = Plan.objects.create(app=app, name="Double 11", description="d", created_by=marketer)
    audit_record(actor=marketer, action="plan.created", obj=plan, data={"name": "Double 11"})
    audit_record(actor=None, action="plan.registered", obj=plan, data={"plan_id": "48"})


def sentences(page: Page) -> list[str]:
    cells = page.get_by_role("table", name="Audit events").locator("td.sentence")
    return [text.removesuffix(" Open").strip() for text in cells.all_inner_texts()]


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_staff_read_filter_download_and_verify_the_log(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
    staff: User,
    shots: Callable[[Page], Shots],
) -> None:
    record_a_week(app, marketer, reviewer, app_admin)
    shot = shots(page)
    login(page, live_server.url, "root", PASSWORD)
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")

    listed = sentences(page)
    assert "mia created the push “Spring sale”" in listed
    assert "rob approved “Spring sale” (1 of 1)" in listed
    assert "ada added bob as reviewer of Demo Shop" in listed
    assert "plan “Double 11” registered at the gateway as 48" in listed
    assert "the worker sent “Spring sale” (push_id 1234)" in listed
    assert "{'" not in page.content()
    check_axe(page)
    shot("audit-log")

    page.get_by_label("Action").select_option("group:review")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit/?*action=group%3Areview*")
    assert sentences(page) == [
        "“Spring sale” is approved and queued for delivery",
        "rob approved “Spring sale” (1 of 1)",
    ]
    page.get_by_text("Show", exact=True).last.click()
    data = page.locator("pre.audit-data").last
    assert '"content_hash"' in data.inner_text()
    shot("filtered-with-data")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    assert "rob approved “Spring sale” (1 of 1)" in body.decode("utf-8")
    assert "mia created" not in body.decode("utf-8")  # the filter holds

    checked = AuditEvent.objects.count()
    page.get_by_role("button", name="Verify chain").click()
    page.wait_for_url("**/audit/")
    assert page.get_by_role("status").inner_text() == (
        f"The chain is intact: {checked} events checked."
    )
    shot("chain-intact")

    victim = AuditEvent.objects.get(action="member.added")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pushes_auditevent SET data = %s"
            + ("::jsonb" if connection.vendor == "postgresql" else "")
            + " WHERE id = %s",
            [json.dumps({"user": "bob", "role": "admin"}), victim.pk],
        )
    page.get_by_role("button", name="Verify chain").click()
    page.wait_for_url("**/audit/")
    message = page.get_by_role("status").inner_text()
    assert message.startswith(f"The chain breaks at event #{victim.pk} (")
    assert message.endswith("its hash does not match its content.")
    assert f"root verified the audit chain: it breaks at event #{victim.pk}" in sentences(page)
    check_axe(page)
    shot("chain-broken")


def test_an_app_admin_on_a_phone_reads_their_apps_log_and_cannot_verify(
    phone: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    reviewer: User,
    app_admin: User,
    shots: Callable[[Page], Shots],
) -> None:
    record_a_week(app, marketer, reviewer, app_admin)
    login(phone, live_server.url, "ada", PASSWORD)
    phone.goto(f"{live_server.url}/audit/")

    assert "ada added bob as reviewer of Demo Shop" in sentences(phone)
    assert phone.get_by_role("button", name="Verify chain").count() == 0
    assert "Only staff administrators can verify the chain" in (
        phone.get_by_test_id("verify-staff-only").inner_text()
    )
    no_sideways_scroll(phone)
    check_axe(phone)
    shots(phone)("phone-admin")
