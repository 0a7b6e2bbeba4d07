"""Create Push in Chromium, as a marketer: typed accounts, a chosen package, an upload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from pushes.models import AccountPackage, Push
from tests.browser.conftest import login
from tests.conftest import require
from tests.factories import PackageFactory
from tests.integration.conftest import worker_factory  # noqa: F401  (a fixture)

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
STATIC = Path(__file__).resolve().parents[2] / "static"
CONTENT = " ".join(["20% off everything in the app until Sunday."] * 4)


def open_create_push(page: Page, live_server: LiveServer, app: App) -> None:
    login(page, live_server.url, "mia", PASSWORD)
    row = page.get_by_role("table", name="Apps").get_by_role("row").filter(has_text=app.name)
    row.get_by_role("link", name="Create Push").click()
    page.wait_for_url(f"**/apps/{app.code}/push/new/")


def fill_message(page: Page, *, title: str, content: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Content").fill(content)


def shown_payload(page: Page) -> dict[str, Any]:
    return json.loads(page.locator("#payload").inner_text())


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def confirm_and_check_record(page: Page, shot: Shots) -> Push:
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/pushes/*/")
    assert page.get_by_test_id("status").inner_text() == "Pending review"
    assert page.get_by_text("Submitted for review.").is_visible()
    shot("record")
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    return Push.objects.get(code=code)


def test_marketer_pushes_to_typed_accounts(
    page: Page,
    phone: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    shot = shots(page)
    open_create_push(page, live_server, app)
    assert page.get_by_role("radio", name="Account", exact=True).is_checked()
    assert page.get_by_role("radio", name="Tag").is_disabled()

    accounts = page.get_by_label("Accounts", exact=True)
    accounts.fill("alice\nbob\nalice\nx")
    check = page.locator("#accounts-check")
    check.get_by_text("Line 4, “x”: account has 1 character").wait_for()
    shot("live-check-error")

    # Preview with mistakes: the draft is saved and each error is shown by its field.
    page.get_by_label("Content").fill("Kept after the error")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/edit/?check=1")
    summary = page.get_by_role("alert").filter(has_text="fields need fixing")
    assert summary.get_by_role("link", name="Accounts").is_visible()
    assert summary.get_by_role("link", name="Title").is_visible()
    assert page.locator("#id_accounts_text_errors").inner_text() == (
        "Line 4, “x”: account has 1 character; accounts have 2–100 characters"
    )
    assert page.get_by_label("Content").input_value() == "Kept after the error"
    accounts = page.get_by_label("Accounts", exact=True)
    assert accounts.input_value() == "alice\nbob\nalice\nx"
    shot("form-errors")

    accounts.fill("alice\nbob\nalice")
    check.get_by_text("2 valid accounts, 1 duplicate removed.").wait_for()
    assert check.get_by_text("Line 3: “alice” repeats line 1").is_visible()

    page.get_by_label("Account Type").select_option(label="Email (1005)")
    page.get_by_role("radio", name="All of the account's devices").check()
    fill_message(
        page,
        title="Spring sale starts today at noon",
        content=CONTENT,
    )
    assert "32 characters" in page.locator("#id_title_count").inner_text()
    assert "TPNS (20)" in page.locator("#id_title_limits").inner_text()

    page.get_by_text("Advanced settings").click()
    page.get_by_label("Offline storage (hours)").fill("12")
    page.get_by_label("Key 1").fill("coupon")
    page.get_by_label("Value 1").fill("SPRING20")
    page.get_by_role("button", name="Add a pair").click()
    page.get_by_label("Key 2").fill("campaign")
    page.get_by_label("Value 2").fill("spring")
    page.get_by_role("radio", name="Open a URL").check()
    page.get_by_label("URL or intent").fill("https://shop.example.com/spring")
    shot("form")

    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    assert page.get_by_test_id("valid-accounts").inner_text() == "2"
    assert page.get_by_test_id("duplicates").inner_text() == "1"
    assert page.get_by_test_id("android-title").inner_text() == "Spring sale starts today at noon"
    # The mockup cuts the title to one line, as the device does.
    title_box = page.get_by_test_id("android-title").bounding_box()
    assert title_box and title_box["height"] < 24
    assert shown_payload(page) == {
        "audience_type": "account_list",
        "account_list": ["alice", "bob"],
        "account_type": 1005,
        "account_push_type": 1,
        "message_type": "notify",
        "message": {
            "title": "Spring sale starts today at noon",
            "content": CONTENT,
            "android": {
                "action": {
                    "action_type": 2,
                    "browser": {"url": "https://shop.example.com/spring", "confirm": 0},
                },
                "custom_content": '{"coupon":"SPRING20","campaign":"spring"}',
            },
        },
        "expire_time": 43200,
    }
    assert page.get_by_text("longer than TPNS (20)").is_visible()
    shot("preview")

    page.get_by_role("link", name="Back").click()
    page.wait_for_url("**/edit/")
    assert page.get_by_label("Accounts", exact=True).input_value() == "alice\nbob\nalice"
    assert page.get_by_label("Title").input_value() == "Spring sale starts today at noon"
    assert page.get_by_label("Account Type").input_value() == "1005"
    assert page.get_by_label("Key 2").input_value() == "campaign"
    assert page.get_by_label("URL or intent").input_value() == "https://shop.example.com/spring"
    shot("back-to-form")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")

    push = confirm_and_check_record(page, shot)
    assert push.status == Push.Status.PENDING_REVIEW
    assert push.payload == shown_payload(page)

    # The same flow on a phone: the form and the preview fit the screen.
    phone_shot = shots(phone)
    login(phone, live_server.url, "mia", PASSWORD)
    phone.goto(f"{live_server.url}/apps/{app.code}/push/new/")
    phone.get_by_label("Accounts", exact=True).fill("alice\nbob")
    fill_message(phone, title="Spring sale starts today at noon", content="20% off " * 30)
    phone.get_by_text("Advanced settings").click()
    no_sideways_scroll(phone)
    phone_shot("phone-form")
    phone.get_by_role("button", name="Preview").click()
    phone.wait_for_url("**/preview/")
    no_sideways_scroll(phone)
    phone_shot("phone-preview")


def test_marketer_pushes_to_a_chosen_package(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    package = cast(
        AccountPackage,
        PackageFactory(
            app=app, original_name="vip-customers.txt", accounts=3, duplicates=1, rows=4
        ),
    )
    shot = shots(page)
    open_create_push(page, live_server, app)
    page.get_by_role("radio", name="Account package").check()
    assert page.get_by_label("Accounts", exact=True).is_hidden()
    choose = page.locator(".package-choose-slot")
    select = choose.locator("select")
    if select.count():
        select.select_option(value=str(package.code))
    else:
        choose.get_by_role("radio", name="vip-customers.txt").check()
    fill_message(page, title="VIP early access", content="The sale opens for you an hour early.")
    shot("form-package")

    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    assert page.get_by_test_id("valid-accounts").inner_text() == "3"
    assert page.get_by_test_id("duplicates").inner_text() == "1"
    assert page.get_by_test_id("invalid-rows").inner_text() == "0"
    assert page.get_by_text(package.sha256[:16]).is_visible()
    assert page.locator("#upload-id-note").is_visible()
    assert shown_payload(page) == {
        "audience_type": "package_account_push",
        "account_type": 0,
        "account_push_type": 0,
        "message_type": "notify",
        "message": {
            "title": "VIP early access",
            "content": "The sale opens for you an hour early.",
        },
    }
    shot("preview-package")
    push = confirm_and_check_record(page, shot)
    assert push.package == package
    assert push.status == Push.Status.PENDING_REVIEW

    # While the push is in flight the record page follows its status by itself.
    Push.objects.filter(pk=push.pk).update(status=Push.Status.SENDING)
    page.reload()
    assert page.get_by_test_id("status").inner_text() == "Sending"
    Push.objects.filter(pk=push.pk).update(status=Push.Status.SENT, push_id="3895624686")
    page.get_by_test_id("status").filter(has_text="Sent").wait_for(timeout=10_000)
    assert page.locator("#push-status").get_attribute("data-live") == "false"
    shot("record-sent")

    page.get_by_role("link", name="Pushes", exact=True).first.click()
    row = page.get_by_role("table", name="Pushes").get_by_role("row").filter(has_text="VIP")
    assert row.get_by_text("Sent").is_visible()
    assert row.get_by_text("vip-customers.txt").is_visible()
    shot("pushes-list")


def test_marketer_uploads_a_package_and_pushes_it(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
    worker_factory: Callable[..., Worker],  # noqa: F811
    tmp_path: Path,
) -> None:
    require(
        (STATIC / "js" / "package_upload.js").exists(), "static/js/package_upload.js is missing"
    )
    worker_factory()
    accounts = tmp_path / "spring.txt"
    accounts.write_text("alice\nbob\ncarol\nbob\n")
    shot = shots(page)
    open_create_push(page, live_server, app)
    page.get_by_role("radio", name="Account package").check()
    page.get_by_label("Account package file").set_input_files(str(accounts))
    page.locator(".package-upload-slot").get_by_text("spring.txt is valid: 3 accounts.").wait_for(
        timeout=30_000
    )
    fill_message(page, title="Uploaded list", content="Pushed to an uploaded package.")
    shot("form-uploaded")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/preview/")
    assert page.get_by_test_id("valid-accounts").inner_text() == "3"
    assert page.get_by_test_id("duplicates").inner_text() == "1"
    assert shown_payload(page)["audience_type"] == "package_account_push"
    shot("preview-uploaded")
    push = confirm_and_check_record(page, shot)
    assert push.package is not None and push.package.original_name == "spring.txt"
