"""A first row that looks like a column header is refused, never pushed as an account."""

from __future__ import annotations

import io
import zipfile

import pytest

from pushes.packages import RowError, iter_accounts, validate_package
from pushes.packages.rules import header_word


@pytest.mark.parametrize(
    "row",
    [
        "account",
        "Accounts",
        "ACCOUNT",
        "user_id",
        "UserID",
        "userid",
        "User ID",
        "user-id",
        "uid",
        "openid",
        "OpenID",
        "账号",
        "帐号",
        "用户",
        "用户ID",
        '"account"',
        " 'uid' ",
        '  "User_Id"  ',
        "\ufeffaccount",
    ],
)
def test_it_knows_a_header_word(row: str) -> None:
    assert header_word(row.encode()) is not None


@pytest.mark.parametrize(
    "row", ["alice", "account1", "user_123", "my account", '"account', "accounts,type", "x" * 80]
)
def test_an_account_is_no_header(row: str) -> None:
    assert header_word(row.encode()) is None


def test_the_word_is_given_without_its_quotes() -> None:
    assert header_word(b'  "User_Id" ') == "User_Id"


@pytest.mark.parametrize(
    ("name", "data", "word", "value"),
    [
        ("a.txt", b"account\nalice\nbob\n", "account", "account"),
        ("a.csv", b"ACCOUNT\r\nalice\r\nbob\r\n", "ACCOUNT", "ACCOUNT"),
        ("a.csv", b'"user_id"\nalice\nbob\n', "user_id", '"user_id"'),
        ("a.txt", "\ufeff账号\nalice\nbob\n".encode(), "账号", "账号"),
        ("a.csv", b'\xef\xbb\xbf"openid"\n"alice"\n"bob"\n', "openid", '"openid"'),
    ],
)
def test_a_header_row_is_refused_on_its_line_with_a_clear_reason(
    name: str, data: bytes, word: str, value: str
) -> None:
    errors: list[RowError] = []
    result = validate_package(io.BytesIO(data), name, on_error=errors.append)
    assert not result.valid
    assert result.problem is None
    assert result.header_line == 1
    assert (result.rows, result.accounts, result.invalid_rows) == (3, 2, 1)
    reason = f'looks like a header ("{word}"), not an account'
    assert errors == result.errors == [RowError(1, reason, value)]


def test_a_header_that_would_pass_as_an_account_is_still_refused() -> None:
    # "account" has 7 characters: a valid account, but surely a column name here.
    result = validate_package(io.BytesIO(b"account\n"), "a.txt")
    assert not result.valid
    assert (result.accounts, result.invalid_rows, result.header_line) == (0, 1, 1)


def test_the_first_non_blank_row_is_the_first_row() -> None:
    result = validate_package(io.BytesIO(b"\n  \nuid\nalice\n"), "a.txt")
    assert result.header_line == 3
    assert [(e.line, e.reason) for e in result.errors] == [
        (3, 'looks like a header ("uid"), not an account')
    ]


def test_a_header_word_further_down_is_an_ordinary_account() -> None:
    result = validate_package(io.BytesIO(b"alice\naccount\n"), "a.txt")
    assert result.valid
    assert (result.accounts, result.header_line) == (2, 0)


def test_the_header_and_other_bad_rows_are_listed_in_line_order() -> None:
    data = b'uid\nalice\nx\n"bob,2"\nbob,2\n'
    result = validate_package(io.BytesIO(data), "a.csv")
    assert [error.line for error in result.errors] == [1, 3, 5]
    assert (result.accounts, result.invalid_rows) == (2, 3)


def test_a_header_inside_a_zip_is_refused_too() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("accounts.csv", "openid\nalice\n")
    result = validate_package(io.BytesIO(buffer.getvalue()), "accounts.zip")
    assert (result.valid, result.header_line, result.accounts) == (False, 1, 1)


def test_a_header_alone_in_a_big_first_block_leaves_the_rest_counted() -> None:
    data = b"account\n" + b"".join(b"user%07d\n" % n for n in range(300_000))  # several chunks
    result = validate_package(io.BytesIO(data), "a.txt")
    assert (result.rows, result.accounts, result.invalid_rows) == (300_001, 300_000, 1)


def test_reading_the_accounts_back_skips_the_header() -> None:
    accounts = list(iter_accounts(io.BytesIO(b"account\nalice\nbob\nalice\n"), "a.txt"))
    assert accounts == ["alice", "bob"]


def test_without_detection_a_header_is_an_account_as_tpns_takes_it() -> None:
    result = validate_package(io.BytesIO(b"account\nalice\n"), "a.txt", detect_header=False)
    assert (result.valid, result.accounts, result.header_line) == (True, 2, 0)
    accounts = iter_accounts(io.BytesIO(b"account\nalice\n"), "a.txt", detect_header=False)
    assert list(accounts) == ["account", "alice"]
