"""A package with bad rows keeps its valid rows: a new package, validated by a real worker,
pushed with its own counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pushes.models import AccountPackage
from tests.browser.axe import check_axe
from tests.browser.conftest import login

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots
    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
# A header, two bad rows and a duplicate around four accounts.
MIXED = "account\nalice\nx\nbob\ncarol\n" + "y" * 101 + "\nbob\ndave\n"


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_the_valid_rows_of_a_rejected_package_are_pushed(
    page: Page,
    phone: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    worker: Worker,
    shots: Callable[[Page], Shots],
    tmp_path: Path,
) -> None:
    shot = shots(page)
    login(page, live_server.url, "mia", PASSWORD)
    page.goto(f"{live_server.url}/apps/{app.code}/packages/")
    page.locator(".pkg-upload.is-enhanced").wait_for(state="attached")
    mixed = tmp_path / "spring.txt"
    mixed.write_text(MIXED)
    page.get_by_label("Account package file").set_input_files(mixed)
    page.locator("[data-package-result]").get_by_text("Rejected").wait_for(timeout=30_000)
    original = AccountPackage.objects.get(original_name="spring.txt")

    page.get_by_role("table", name="Account packages").get_by_role(
        "link", name="spring.txt"
    ).click()
    page.get_by_role("heading", name="spring.txt").wait_for()
    assert page.get_by_text(
        "Line 1 looks like a header (“account”), not an account.", exact=False
    ).is_visible()
    lines = page.get_by_role("table", name="Problems").locator("td[data-label=Line]")
    assert lines.all_inner_texts() == ["1", "3", "6"]
    duplicates = page.get_by_role("table", name="Duplicates")
    assert duplicates.locator("td").all_inner_texts() == ["7", "4", "bob"]
    assert page.get_by_text("4 rows are left out").is_visible()
    check_axe(page)
    shot("rejected-with-valid-rows")

    page.get_by_role("button", name="Use the 4 valid rows").click()
    page.get_by_role("heading", name="spring-valid-rows.txt").wait_for()
    assert page.get_by_text("“spring-valid-rows.txt” is being made").is_visible()
    # The worker writes the file, then validates it; the page follows by itself.
    page.get_by_text("Ready to push to 4 accounts.").wait_for(timeout=30_000)
    origin = page.locator(".pkg-origin")
    assert " ".join(origin.inner_text().split()) == (
        f"Made from the valid rows of spring.txt (SHA-256 {original.sha256[:16]}…): 4 rows dropped."
    )
    derived = AccountPackage.objects.get(derived_from=original)
    assert derived.status == AccountPackage.Status.VALID
    assert page.get_by_text(derived.sha256).is_visible()
    check_axe(page)
    shot("valid-rows-package")

    # Back on the original, the package made from it is linked instead of the button.
    origin.get_by_role("link", name="spring.txt").click()
    page.get_by_role("heading", name="spring.txt").wait_for()
    assert page.get_by_role("button", name="Use the 4 valid rows").count() == 0
    page.get_by_role("link", name="spring-valid-rows.txt").click()

    page.get_by_role("link", name="Create Push").click()
    page.wait_for_url(f"**/apps/{app.code}/push/new/?package={derived.code}")
    assert page.get_by_role("radio", name="Account package").is_checked()
    page.get_by_label("Title").fill("Spring sale")
    page.get_by_label("Content").fill("20% off for our first customers.")
    shot("create-push")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    assert page.get_by_test_id("valid-accounts").inner_text() == "4"
    assert page.get_by_test_id("duplicates").inner_text() == "0"
    assert page.get_by_test_id("invalid-rows").inner_text() == "0"
    assert page.get_by_text(derived.sha256[:16]).first.is_visible()
    payload = json.loads(page.locator("#payload").inner_text())
    assert payload["audience_type"] == "package_account_push"
    shot("preview")

    # The rejected package's page on a phone: the offer fits the screen.
    login(phone, live_server.url, "mia", PASSWORD)
    phone.goto(f"{live_server.url}/apps/{app.code}/packages/{original.code}/")
    phone.get_by_role("link", name="spring-valid-rows.txt").wait_for()
    no_sideways_scroll(phone)
    check_axe(phone)
    shots(phone)("phone-rejected")
