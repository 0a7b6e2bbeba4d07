"""Drafts: typed accounts with bad lines keep their valid ones, and an empty form makes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from pushes import validation
from pushes.errors import Invalid
from pushes.models import AccountPackage, Push
from pushes.selectors import accounts_check, preview_request
from pushes.services import PushFields, push_save_draft, push_submit
from tests.factories import PackageFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

pytestmark = pytest.mark.django_db

TOO_SHORT = "account has 1 character; accounts have 2–100 characters"


# Typed accounts with bad lines ---------------------------------------------------------


def test_a_draft_keeps_and_counts_the_valid_accounts_around_bad_lines(
    app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\nx\nbob\n\nalice\ny\ncarol\n")
    assert push.accounts == ["alice", "bob", "carol"]
    assert push.total_count == 3
    assert push.target == "account_list"
    assert preview_request(push).account_list == ["alice", "bob", "carol"]


def test_bad_lines_still_stop_submission_with_line_value_and_reason(
    app: App, marketer: User
) -> None:
    push = make_push(app=app, author=marketer, accounts="alice\nx\nbob\ny\n")
    with pytest.raises(Invalid) as caught:
        push_submit(push=push, by=marketer)
    assert caught.value.message_dict == {
        "accounts_text": [f"Line 2, “x”: {TOO_SHORT}", f"Line 4, “y”: {TOO_SHORT}"]
    }
    push.refresh_from_db()
    assert push.status == Push.Status.DRAFT
    assert push.accounts == ["alice", "bob"]


def test_every_bad_line_is_counted_and_the_first_twenty_listed(app: App, marketer: User) -> None:
    text = "\n".join(["alice", *(f"{i % 10}" for i in range(150)), "bob"])
    typed = validation.parse_typed_accounts(text)
    assert typed.accounts == ["alice", "bob"]
    assert typed.invalid == 150
    assert len(typed.bad_lines) == validation.MAX_KEPT_BAD_LINES
    assert typed.bad_lines[0] == validation.BadLine(2, "0", TOO_SHORT)

    push = make_push(app=app, author=marketer, accounts=text)
    problems = validation.validate_for_submit(push)["accounts_text"]
    assert len(problems) == validation.MAX_LISTED_BAD_LINES + 1
    assert problems[0] == f"Line 2, “0”: {TOO_SHORT}"
    assert problems[19] == f"Line 21, “9”: {TOO_SHORT}"
    assert problems[-1] == "… and 130 more lines to fix (the first 20 are listed)."


def test_the_live_check_counts_the_valid_accounts_and_lists_bad_lines_with_values() -> None:
    check = accounts_check("alice\nx\nbob\n" + "z" * 101)
    assert check.ok is False
    assert check.invalid == 2
    assert check.summary == "2 lines to fix. 2 valid accounts kept in the draft."
    body = check.as_json()
    assert body["accounts"] == 2
    assert body["errors"] == [
        {"line": 2, "value": "x", "reason": TOO_SHORT},
        {
            "line": 4,
            "value": "z" * 101,
            "reason": "account has 101 characters; accounts have 2–100 characters",
        },
    ]
    assert body["more_errors"] == 0
    many = accounts_check("\n".join("x" for _ in range(45)))
    assert (many.summary, many.as_json()["more_errors"]) == ("45 lines to fix.", 25)
    assert len(many.listed_bad_lines) == 20
    assert many.more_bad_lines_text == "… and 25 more lines to fix (the first 20 are listed)."


def test_a_text_refused_as_a_whole_keeps_no_accounts() -> None:
    typed = validation.parse_typed_accounts("\x00" * 50 + "\nalice\n")
    assert typed.accounts == []
    assert typed.invalid >= 1
    assert typed.bad_lines[0].line == 0


# A draft needs something -------------------------------------------------------------


@pytest.mark.parametrize("source", [Push.Source.MANUAL, Push.Source.PACKAGE])
def test_an_empty_form_makes_no_draft_and_says_what_is_missing(
    app: App, marketer: User, source: str
) -> None:
    fields = PushFields(source=source, accounts_text="  \n\t\n", title="  ", content="\n")
    with pytest.raises(Invalid) as caught:
        push_save_draft(app=app, by=marketer, fields=fields)
    [message] = caught.value.messages
    assert message.startswith("Nothing was saved: a draft needs")
    what = "an account package" if source == Push.Source.PACKAGE else "accounts to push to"
    assert what in message and "a title or content" in message
    assert not Push.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Just a title"},
        {"content": "Just content"},
        {"accounts_text": "alice"},
    ],
)
def test_a_title_content_or_accounts_alone_make_a_draft(
    app: App, marketer: User, fields: dict[str, str]
) -> None:
    push = push_save_draft(app=app, by=marketer, fields=PushFields(**fields))  # type: ignore[arg-type]
    assert push.status == Push.Status.DRAFT
    assert Push.objects.count() == 1


def test_a_chosen_package_alone_makes_a_draft(app: App, marketer: User) -> None:
    package = cast(AccountPackage, PackageFactory(app=app))
    fields = PushFields(source=Push.Source.PACKAGE, package=package)
    push = push_save_draft(app=app, by=marketer, fields=fields)
    assert push.package == package


def test_emptying_a_draft_is_refused_and_keeps_it(app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer)
    with pytest.raises(Invalid):
        push_save_draft(app=app, by=marketer, fields=PushFields(), push=push)
    push.refresh_from_db()
    assert (push.title, push.accounts) == ("Spring sale", ["alice", "bob"])
