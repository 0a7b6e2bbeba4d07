"""The reachability preflight in Chromium: typed accounts checked while the preview loads,
the unbound ones downloaded; a package checked by a real worker with a live progress bar;
"send anyway" when nobody is reachable; on a desktop and on a phone."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from django.core.files.base import ContentFile

from pushes.models import AccountPackage, AuditEvent, Push
from tests.browser.axe import axe_violations
from tests.browser.conftest import login
from tests.factories import PackageFactory, make_push
from tests.integration.conftest import worker_factory  # noqa: F401  (a fixture)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.conftest import Gateway
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_typed_accounts_show_three_of_five_and_the_two_unbound_download(
    page: Page,
    live_server: LiveServer,
    gateway: Gateway,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    gateway.bind("alice", "carol", "eve")
    push = make_push(app=app, author=marketer, accounts="alice\nbob\ncarol\ndave\neve\n")
    shot = shots(page)
    login(page, live_server.url, "mia", PASSWORD)

    page.goto(f"{live_server.url}/pushes/{push.code}/preview/")

    reach = page.get_by_role("region", name="Who it reaches")
    figure = reach.get_by_test_id("reach-figure")
    assert figure.inner_text().startswith(
        "3 of 5 accounts have a device bound as account type Default (0)"
    )
    reach.scroll_into_view_if_needed()
    shot("three-of-five")
    with page.expect_download() as download:
        reach.get_by_role("link", name="Download the unbound accounts (CSV)").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows == ['"Account","Account type"', '"bob","Default (0)"', '"dave","Default (0)"']


def test_a_push_that_reaches_nobody_is_confirmed_only_with_send_anyway_on_a_phone(
    phone: Page,
    live_server: LiveServer,
    gateway: Gateway,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    gateway.bind("alice", account_type=1002)  # bound as a phone number, pushed as Default
    push = make_push(app=app, author=marketer, accounts="alice\nbob\n")
    shot = shots(phone)
    login(phone, live_server.url, "mia", PASSWORD)
    phone.goto(f"{live_server.url}/pushes/{push.code}/preview/")
    reach = phone.get_by_role("region", name="Who it reaches")
    assert "0 of 2 accounts" in reach.get_by_test_id("reach-figure").inner_text()
    override = phone.get_by_label(
        "Send anyway: I checked that none of these accounts has a device yet."
    )
    override.scroll_into_view_if_needed()
    assert axe_violations(phone) == []
    shot("nobody-reachable")

    phone.get_by_role("button", name="Confirm").click()  # the browser asks for the box first
    phone.wait_for_timeout(300)
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT

    override.check()
    phone.get_by_role("button", name="Confirm").click()
    phone.wait_for_url(f"**/pushes/{push.code}/")
    push.refresh_from_db()
    assert push.status == Push.Status.PENDING_REVIEW and push.reach_override
    assert AuditEvent.objects.filter(action="push.unreachable_confirmed").exists()
    shot("confirmed-anyway")


def test_a_package_push_shows_its_progress_then_the_exact_figure(
    page: Page,
    live_server: LiveServer,
    gateway: Gateway,
    settings: Settings,
    worker_factory: Callable[..., Worker],  # noqa: F811
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    accounts = [f"member{i:05d}" for i in range(3000)]
    data = ("\n".join(accounts) + "\n").encode()
    package = cast(
        "AccountPackage",
        PackageFactory(
            app=app,
            uploaded_by=marketer,
            original_name="members.txt",
            file=ContentFile(data, name="members.txt"),
            accounts=len(accounts),
            rows=len(accounts),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        ),
    )
    gateway.bind(*accounts[:1200])
    # The first two queries answer after a pause, so the progress bar is there to be seen.
    gateway.fault("query", "sleep", count=2, seconds=2, after_apply=True)
    push = make_push(app=app, author=marketer, accounts="", source="package", package=package)
    worker_factory(
        env_overrides={
            "TPNS_SANDBOX_BASE_URL": gateway.url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PREFLIGHT_TIMEOUT_SECONDS": "10",
        }
    )
    shot = shots(page)
    login(page, live_server.url, "mia", PASSWORD)

    page.goto(f"{live_server.url}/pushes/{push.code}/preview/")

    reach = page.get_by_role("region", name="Who it reaches")
    bar = reach.get_by_role("progressbar")
    assert bar.get_attribute("aria-valuemin") == "0"
    assert bar.get_attribute("aria-valuemax") == "100"
    reach.scroll_into_view_if_needed()
    shot("package-queued")
    # The page follows the worker by itself: a third of the accounts asked about.
    reach.get_by_text("1,000 accounts asked about").wait_for(timeout=20_000)
    assert reach.get_by_role("progressbar").get_attribute("aria-valuenow") == "33"
    assert axe_violations(page) == []
    shot("package-progress")
    figure = reach.get_by_test_id("reach-figure")
    figure.wait_for(timeout=30_000)
    assert figure.inner_text().startswith(
        "1,200 of 3,000 accounts have a device bound as account type Default (0)"
    )
    assert reach.get_by_role("progressbar").count() == 0
    assert "Every account was checked." in reach.inner_text()
    assert page.locator(".reach-live").get_attribute("aria-busy") == "false"
    shot("package-figure")
