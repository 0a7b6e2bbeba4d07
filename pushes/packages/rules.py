"""The TPNS account package rules and the wording of every rejection."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_PACKAGE_BYTES = 100 * 1024 * 1024
MAX_FILENAME_CHARS = 100
MIN_ACCOUNT_CHARS = 2
MAX_ACCOUNT_CHARS = 100
FORMATS = ("zip", "txt", "csv")
DISPLAY_CHARS = 120

_ACCOUNT_RANGE = f"accounts have {MIN_ACCOUNT_CHARS}–{MAX_ACCOUNT_CHARS} characters"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # the UTF-32 marks start with these too
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office documents such as .xls
_SPACES = " \t"


def _unsafe_nonascii() -> list[int]:
    """Every non-ASCII control, format and line/paragraph separator character.

    They are invisible or break lines in other tools (U+0085, U+2028, U+200B, U+FEFF, bidi marks),
    so two accounts that look the same could differ. Format characters only exist in planes 0, 1
    and 14, which keeps this scan short at import.
    """
    planes = (range(0x80, 0x20000), range(0xE0000, 0xE1000))
    categories = {"Cc", "Cf", "Zl", "Zp"}
    return [cp for plane in planes for cp in plane if unicodedata.category(chr(cp)) in categories]


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Sorted integers as (first, last) runs of consecutive values."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _str_class(points: list[int]) -> str:
    return "".join(
        re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else "")
        for first, last in _runs(points)
    )


def _utf8_pattern(points: list[int]) -> re.Pattern[bytes]:
    """The same characters matched in UTF-8 bytes: searching bytes is several times faster
    than searching the decoded text, and valid UTF-8 cannot match out of step."""
    endings: dict[bytes, list[int]] = {}
    for cp in points:
        encoded = chr(cp).encode()
        endings.setdefault(encoded[:-1], []).append(encoded[-1])
    branches = []
    for prefix, lasts in endings.items():
        ranges = b"".join(
            re.escape(bytes([first])) + (b"-" + re.escape(bytes([last])) if last > first else b"")
            for first, last in _runs(lasts)
        )
        branches.append(re.escape(prefix) + b"[" + ranges + b"]")
    return re.compile(b"|".join(branches))


_UNSAFE_POINTS = _unsafe_nonascii()
UNSAFE_NONASCII_UTF8 = _utf8_pattern(_UNSAFE_POINTS)
UNSAFE_CHAR = re.compile(f"[\x00-\x1f\x7f{_str_class(_UNSAFE_POINTS)}]")
_SIMPLE_NAMES = {"\x00": "NUL", "\t": "TAB", "\x1b": "ESC", "\x7f": "DEL", "\x85": "NEXT LINE"}


def file_format(filename: str) -> str:
    """The lower-case extension when it is one TPNS accepts, else ``""``."""
    _, dot, ext = filename.rpartition(".")
    ext = ext.lower()
    return ext if dot and ext in FORMATS else ""


def validate_filename(filename: str) -> str | None:
    """The reason TPNS would refuse this file name, or None."""
    if not filename:
        return "the file name is empty; it must have 1–100 characters"
    if len(filename) > MAX_FILENAME_CHARS:
        return f"the file name has {len(filename)} characters; it must have 1–100 characters"
    if file_format(filename):
        return None
    _, dot, ext = filename.rpartition(".")
    if not dot:
        return "the file name has no extension; upload a .txt, .csv or .zip file"
    return f"file type .{display(ext)} is not accepted; upload a .txt, .csv or .zip file"


def strip_bom(head: bytes) -> bytes:
    return head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head


def sniff_text(head: bytes, *, fmt: str, subject: str, inner: bool) -> str | None:
    """The reason a .txt/.csv whose first bytes are ``head`` is not a UTF-8 text file, or None."""
    if head.startswith(_UTF16_BOMS):
        return f"{subject} is UTF-16; save it as UTF-8"
    if head.startswith(_ZIP_MAGIC):
        if b"[Content_Types].xml" in head[:4096]:
            return (
                f"{subject} is an Excel or Office document, not a .{fmt} file; save it as CSV UTF-8"
            )
        if inner:
            return f"{subject} is itself a zip archive; nested zips are not accepted"
        return f"{subject} is a zip archive, not a .{fmt} file; name it .zip"
    if head.startswith(_OLE_MAGIC):
        return f"{subject} is an Excel or Office document, not a .{fmt} file; save it as CSV UTF-8"
    if head.startswith(b"\x1f\x8b"):
        return f"{subject} is gzip-compressed; upload the plain .{fmt} file or a .zip"
    if head.startswith(b"%PDF-"):
        return f"{subject} is a PDF document; export the accounts as .txt or .csv"
    # Binary formats above are full of NULs too, so this guess for BOM-less UTF-16 comes last.
    if _mostly_nul(head[:4096]):
        return f"{subject} is UTF-16; save it as UTF-8"
    return None


def sniff_zip(head: bytes) -> str | None:
    """The reason a .zip whose first bytes are ``head`` is not a zip archive, or None."""
    if not head:
        return "the file is empty"
    if head.startswith(_ZIP_MAGIC):
        return None
    reason = "the file is not a zip archive although its name ends in .zip"
    sample = head[:4096]
    if not _mostly_nul(sample) and not re.search(rb"[\x00-\x08\x0e-\x1f]", sample):
        reason += " (it looks like a text file; name it .txt or .csv)"
    return reason


def _mostly_nul(sample: bytes) -> bool:
    # UTF-16 text of Latin characters is half NUL bytes; UTF-8 text has none.
    return len(sample) >= 2 and sample.count(0) * 4 >= len(sample)


def check_account(raw: bytes) -> tuple[bytes | None, str | None]:
    """Check one line (or CSV field) slowly and exactly.

    Returns ``(account, None)`` for a valid account (UTF-8 bytes, surrounding spaces and tabs
    removed), ``(None, reason)`` for an invalid one and ``(None, None)`` for a blank line.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02X} at position {exc.start + 1}); "
            "save the file as UTF-8"
        )
    account = text.strip(_SPACES)
    if not account:
        return None, None
    unsafe = UNSAFE_CHAR.search(account)
    if unsafe:
        return None, (
            f"account contains {describe_char(unsafe.group())}; "
            "control and invisible characters are not allowed"
        )
    if not MIN_ACCOUNT_CHARS <= len(account) <= MAX_ACCOUNT_CHARS:
        return None, length_message(len(account))
    return (raw if len(account) == len(text) else raw.strip(b" \t")), None


@lru_cache(maxsize=1024)
def length_message(chars: int) -> str:
    noun = "character" if chars == 1 else "characters"
    return f"account has {chars} {noun}; {_ACCOUNT_RANGE}"


def too_long_message(size: int, what: str = "line") -> str:
    """For a line or field that was not kept in memory, so only its size in bytes is known."""
    return (
        f"account longer than {MAX_ACCOUNT_CHARS} characters (a {what} of {size:,} bytes); "
        f"{_ACCOUNT_RANGE}"
    )


def columns_message(columns: int) -> str:
    return f"{columns} columns; an account package CSV has exactly one column"


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "") or _SIMPLE_NAMES.get(char, "a control character")
    return f"U+{ord(char):04X} {name}"


def display(value: bytes | str, *, printable: bool = False) -> str:
    """A short, printable form of a value for error messages and the error report.

    ``printable`` says the value is known to hold no control or invisible character.
    """
    if isinstance(value, bytes):
        if printable and len(value) <= DISPLAY_CHARS:
            return value.decode("utf-8")  # the common short case, kept cheap
        value = value[: DISPLAY_CHARS * 4].decode("utf-8", "backslashreplace")
    value = value[: DISPLAY_CHARS + 1]
    if not printable:
        value = UNSAFE_CHAR.sub(lambda match: ascii(match.group())[1:-1], value)
    return value if len(value) <= DISPLAY_CHARS else value[: DISPLAY_CHARS - 1] + "…"
