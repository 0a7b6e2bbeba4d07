"""The live counters under Title and Content in Chromium: characters, the message's bytes as
TPNS counts them, warnings near and past each limit, and a status region that speaks once
typing pauses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from pushes.models import Push
from pushes.selectors import preview_request
from pushes.tpns.schema import Message
from tests.browser.conftest import login

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

    from pushes.models import App
    from tests.browser.conftest import Shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
LONG_TITLE = "春季大促销" * 42 + "开始啦！"  # 214 characters, 642 bytes in UTF-8


def open_form(page: Page, live_server: LiveServer, app: App) -> None:
    login(page, live_server.url, "mia", PASSWORD)
    page.goto(f"{live_server.url}/apps/{app.code}/push/new/")


def bytes_shown(page: Page, name: str) -> int:
    """The message bytes a counter shows ("… · message 1,234 of 4,096 bytes")."""
    text = page.locator(f"#id_{name}_count").inner_text()
    match = re.search(r"message ([\d,]+) of 4,096 bytes", text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def test_a_long_chinese_title_shows_its_length_bytes_and_warnings_as_it_is_typed(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    from playwright.sync_api import expect

    shot = shots(page)
    open_form(page, live_server, app)
    title = page.get_by_label("Title")
    count = page.locator("#id_title_count")
    warnings = page.locator("#id_title_limits")
    status = page.locator("#message-counts-status")

    title.fill(LONG_TITLE[:190])
    expect(count).to_have_text(
        f"190 characters (at most 200) · message {Message(LONG_TITLE[:190]).size()} of 4,096 bytes"
    )
    expect(count).to_have_class(re.compile(r"\bis-near\b"))
    expect(warnings).to_contain_text("10 characters left.")
    expect(status).to_contain_text("190 characters (at most 200)")  # once typing pauses

    title.press_sequentially(LONG_TITLE[190:])
    # The counter follows every key; the status region waits for a pause.
    expect(count).to_contain_text("214 characters (at most 200)")
    assert "190 characters" in status.inner_text()
    expect(status).to_contain_text("The title has 214 characters; at most 200.")
    assert title.input_value() == LONG_TITLE  # nothing cut
    assert bytes_shown(page, "title") == Message(LONG_TITLE).size() == 667
    expect(count).to_have_class(re.compile(r"\bis-over\b"))
    expect(warnings.locator("li.is-over")).to_have_text(
        "The title has 214 characters; at most 200."
    )
    expect(warnings).to_contain_text("TPNS (20)")
    shot("title-over-200-characters")

    # Past 4,096 bytes: both counters say so, with the message's warning.
    page.get_by_label("Content").fill("限时优惠" * 900)
    size = Message(LONG_TITLE, "限时优惠" * 900).size()
    assert bytes_shown(page, "content") == bytes_shown(page, "title") == size > 4096
    expect(page.locator("#id_content_limits li.is-over")).to_have_text(
        f"The message is {size:,} bytes; TPNS allows at most 4,096. "
        "Shorten the title, the content or the custom key/values."
    )
    expect(status).to_contain_text(f"The message is {size:,} bytes")
    shot("message-over-4096-bytes", full_page=False)

    # The server refuses the title too, and says how long it is.
    page.get_by_label("Accounts", exact=True).fill("alice")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("The title has 214 characters; at most 200.")
    assert page.get_by_label("Title").input_value() == LONG_TITLE
    assert not Push.objects.exists()
    # Said once by the field: the live warning does not repeat the server's until it changes.
    expect(page.locator("#id_title_errors")).to_have_text(
        "The title has 214 characters; at most 200."
    )
    expect(warnings.locator("li.is-over")).to_have_count(0)
    shot("server-says-the-title-is-too-long")
    title.fill(LONG_TITLE[:200])
    expect(page.locator("#id_title_errors")).to_have_count(0)
    expect(warnings).to_contain_text("0 characters left.")
    expect(count).to_contain_text("200 characters (at most 200)")


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_the_counted_bytes_are_the_bytes_the_server_builds(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    platform: str,
    shots: Callable[[Page], Shots],
) -> None:
    app.platform = platform
    app.save()
    open_form(page, live_server, app)
    page.get_by_label("Accounts", exact=True).fill("alice\nbob")
    page.get_by_label("Title").fill("  春季大促销 “quoted” \\ 开始啦  ")
    # iOS carries the title and the content twice (message and aps.alert).
    repeats = 300 if platform == "android" else 145
    page.get_by_label("Content").fill('第一行\n第二行\t"引号"\n\n' + "限时优惠" * repeats)
    page.get_by_text("Advanced settings").click()
    page.get_by_label("Key 1").fill(" 优惠码 ")
    page.get_by_label("Value 1").fill('SPRING "20" 折')
    if platform == "android":
        page.get_by_role("radio", name="Open a URL").check()
        page.get_by_label("URL or intent").fill("https://shop.example.com/春季")
    counted = bytes_shown(page, "content")
    assert 0.9 * 4096 <= counted <= 4096
    from playwright.sync_api import expect

    expect(page.locator("#id_content_count")).to_have_class(re.compile(r"\bis-near\b"))
    expect(page.locator("#id_content_limits")).to_contain_text("close to the TPNS limit of 4,096")
    shots(page)(f"near-the-limit-{platform}", full_page=False)

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/edit/")
    push = Push.objects.get()
    assert push.custom_content == {"优惠码": 'SPRING "20" 折'}
    assert preview_request(push).message.size() == counted
    # The saved draft, counted again on load, agrees.
    assert bytes_shown(page, "title") == counted


def test_the_counters_wrap_on_a_phone(
    phone: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    from playwright.sync_api import expect

    open_form(phone, live_server, app)
    phone.get_by_label("Title").fill(LONG_TITLE)
    expect(phone.locator("#id_title_limits li.is-over")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide"
    phone.evaluate("document.getElementById('id_title_count').scrollIntoView({block: 'center'})")
    shots(phone)("phone-title-over-200-characters", full_page=False)


def test_a_draft_with_bad_lines_keeps_its_valid_accounts_and_lists_the_bad_ones(
    page: Page,
    live_server: LiveServer,
    app: App,
    marketer: User,
    shots: Callable[[Page], Shots],
) -> None:
    from playwright.sync_api import expect

    shot = shots(page)
    open_form(page, live_server, app)
    page.get_by_label("Accounts", exact=True).fill("\n".join(["alice", *["x"] * 23, "bob"]))
    check = page.locator("#accounts-check")
    expect(check).to_contain_text("23 lines to fix. 2 valid accounts kept in the draft.")
    expect(check).to_contain_text("… and 3 more lines to fix (the first 20 are listed).")
    page.get_by_label("Title").fill("Spring sale")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/edit/?check=1")
    summary = page.locator("#error-summary")
    listed = summary.locator("li li")
    expect(listed).to_have_count(21)
    expect(listed.nth(19)).to_have_text(
        "Line 21, “x”: account has 1 character; accounts have 2–100 characters"
    )
    expect(summary).to_contain_text("… and 3 more lines to fix (the first 20 are listed).")
    shot("error-summary-lists-the-bad-lines")

    push = Push.objects.get()
    assert (push.accounts, push.total_count) == (["alice", "bob"], 2)
    page.goto(f"{live_server.url}/pushes/{push.code}/")
    expect(page.get_by_test_id("valid-accounts")).to_have_text("2")
    bad_lines = page.get_by_test_id("bad-lines")
    expect(bad_lines.get_by_role("listitem")).to_have_count(21)
    expect(bad_lines).to_contain_text("Line 2, “x”: account has 1 character")
    bad_lines.scroll_into_view_if_needed()
    shot("record-lists-the-bad-lines")
