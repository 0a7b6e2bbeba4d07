"""The .csv rules: one column, RFC 4180 quoting, and the same account rules as .txt."""

from __future__ import annotations

import io

import pytest

from pushes.packages import RowError, ValidationResult, iter_accounts, validate_package
from pushes.packages import scan as scan_module

TWO_COLUMNS = "2 columns; an account package CSV has exactly one column"


def check(data: bytes, filename: str = "accounts.csv", **kwargs: object) -> ValidationResult:
    return validate_package(io.BytesIO(data), filename, **kwargs)  # type: ignore[arg-type]


def reasons(result: ValidationResult) -> list[tuple[int, str]]:
    return [(error.line, error.reason) for error in result.errors]


def accounts(data: bytes) -> list[str]:
    return list(iter_accounts(io.BytesIO(data), "accounts.csv"))


def test_it_accepts_one_column() -> None:
    result = check(b"alice\r\nbob\r\ncarol\r\n")
    assert result.valid
    assert (result.format, result.rows, result.accounts) == ("csv", 3, 3)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (b"alice,bob", TWO_COLUMNS),
        (b"alice,", TWO_COLUMNS),
        (b",alice", TWO_COLUMNS),
        (b"a,b,c", "3 columns; an account package CSV has exactly one column"),
        (b'"alice",bob', TWO_COLUMNS),
        (b'alice,"b,o,b"', TWO_COLUMNS),
    ],
)
def test_a_second_column_rejects_the_row(row: bytes, reason: str) -> None:
    result = check(b"carol\n" + row + b"\ndave\n")
    assert not result.valid
    assert (result.rows, result.accounts, result.invalid_rows) == (3, 2, 1)
    assert reasons(result) == [(2, reason)]
    assert result.errors[0].value == row.decode()


def test_a_quoted_comma_is_one_column() -> None:
    data = b'"smith, john"\n"a,b"\nalice\n'
    result = check(data)
    assert result.valid, result.errors
    assert result.accounts == 3
    assert accounts(data) == ["smith, john", "a,b", "alice"]


def test_doubled_quotes_are_one_quote() -> None:
    data = b'"say ""hi"""\n"a""b",\n'
    assert accounts(data[: data.index(b"\n") + 1]) == ['say "hi"']
    assert reasons(check(data)) == [(2, TWO_COLUMNS)]


def test_a_line_break_inside_quotes_is_one_invalid_record() -> None:
    data = b'alice\n"bob\ncarol"\ndave\n"x\r\ny\r\nz"\nerin\n'
    result = check(data)
    reason = "account contains a line break inside quotes; put one account per row"
    # Each record is reported on the line it starts; later line numbers stay physical.
    assert reasons(result) == [(2, reason), (5, reason)]
    assert (result.rows, result.accounts, result.invalid_rows) == (5, 3, 2)
    assert result.errors[0].value == '"bob\\ncarol"'
    assert accounts(data) == ["alice", "dave", "erin"]


def test_quoted_fields_may_have_spaces_around_and_inside() -> None:
    data = b'  "alice"  \n" bob "\n\t"carol"\n'
    result = check(data)
    assert result.valid, result.errors
    assert accounts(data) == ["alice", "bob", "carol"]


def test_an_empty_quoted_field_is_a_blank_row() -> None:
    result = check(b'alice\n""\n" "\nbob\n')
    assert result.valid
    assert (result.rows, result.accounts) == (2, 2)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            b'ab"c',
            'a quote (") inside an unquoted field; put the account in quotes and double the quote',
        ),
        (b'"ab"c', "unexpected text after a closing quote; quote the whole account"),
    ],
)
def test_malformed_quotes_reject_the_row(row: bytes, reason: str) -> None:
    result = check(b"alice\n" + row + b"\nbob\n")
    assert reasons(result) == [(2, reason)]
    assert result.accounts == 2


def test_a_quote_never_closed_rejects_the_rest_as_one_record() -> None:
    result = check(b'alice\n"bob\ncarol\ndave\n')
    assert reasons(result) == [(2, "a quoted field is never closed; add the closing quote")]
    assert (result.rows, result.accounts, result.invalid_rows) == (2, 1, 1)


def test_quoted_accounts_follow_the_account_rules() -> None:
    data = '"x"\n"{}"\n"ab\u2028c"\n"{}"\n'.format("a" * 101, "张" * 100).encode()
    assert reasons(check(data)) == [
        (1, "account has 1 character; accounts have 2–100 characters"),
        (2, "account has 101 characters; accounts have 2–100 characters"),
        (
            3,
            "account contains U+2028 LINE SEPARATOR; control and invisible characters are not allowed",
        ),
    ]


def test_every_field_quoted_matches_no_field_quoted() -> None:
    plain = b"".join(b"user%d\n" % (n % 700) for n in range(1000)) + b"\nx\n"
    quoted = b"".join(b'"user%d"\n' % (n % 700) for n in range(1000)) + b'""\n"x"\n'
    expected, result = check(plain), check(quoted)
    assert (result.rows, result.accounts, result.duplicates) == (1001, 700, 300)
    assert (expected.rows, expected.accounts, expected.duplicates) == (1001, 700, 300)
    assert (
        result.errors
        == expected.errors
        == [RowError(1002, "account has 1 character; accounts have 2–100 characters", "x")]
    )
    assert accounts(quoted[:-4]) == accounts(plain[:-3])


def test_invalid_utf8_in_a_quoted_field_has_its_line() -> None:
    result = check(b'"alice"\n"bo\xffb"\n"a,b"\n')
    assert reasons(result) == [
        (2, "not valid UTF-8 (byte 0xFF at position 3); save the file as UTF-8")
    ]


_TRICKY = (
    b'\xef\xbb\xbfalice\r\n"bob"\r\n"smith, john"\r\n"multi\r\nline"\r\nx,y\r\n'
    + '"张伟"\r\n"a""b"\r\n"never closed\r\ncarol\r\n'.encode()
)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 64])
def test_quotes_are_followed_across_chunks(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = check(_TRICKY)
    assert reasons(expected) == [
        (4, "account contains a line break inside quotes; put one account per row"),
        (6, TWO_COLUMNS),
        (9, "a quoted field is never closed; add the closing quote"),
    ]
    assert expected.accounts == 5
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(scan_module, "_SNIFF_BYTES", 4)
    result = check(_TRICKY)
    assert result.errors == expected.errors
    assert (result.rows, result.accounts) == (expected.rows, expected.accounts)


def test_an_over_long_line_inside_quotes_keeps_the_quote_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_BYTES", 4)
    monkeypatch.setattr(scan_module, "_SNIFF_BYTES", 4)
    monkeypatch.setattr(scan_module, "LINE_CAP_BYTES", 8)
    long = b"y" * 30
    data = b'alice\n"start\n' + long + b'"\nbob\n' + long + b"\ncarol\n"
    result = check(data)
    assert [error.line for error in result.errors] == [2, 5]
    assert (result.rows, result.accounts, result.invalid_rows) == (5, 3, 2)
    assert result.errors[1].reason == (
        "account longer than 100 characters (a line of 30 bytes); accounts have 2–100 characters"
    )


def test_a_txt_file_takes_commas_and_quotes_literally() -> None:
    result = validate_package(io.BytesIO(b'a,b\n"q"\n'), "accounts.txt")
    assert result.valid
    assert list(iter_accounts(io.BytesIO(b'a,b\n"q"\n'), "accounts.txt")) == ["a,b", '"q"']


def test_a_csv_that_is_really_a_workbook_is_named() -> None:
    result = check(b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml")
    assert result.problem == (
        "the file is an Excel or Office document, not a .csv file; save it as CSV UTF-8"
    )
