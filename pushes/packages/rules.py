"""The TPNS account package rules; every rejection is worded from `wording`."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from pushes.packages import wording

MAX_PACKAGE_BYTES = 100 * 1024 * 1024
MAX_FILENAME_CHARS = 100
MIN_ACCOUNT_CHARS = 2
MAX_ACCOUNT_CHARS = 100
FORMATS = ("zip", "txt", "csv")
DISPLAY_CHARS = 120

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


@cache
def _unsafe_patterns() -> tuple[re.Pattern[bytes], re.Pattern[str]]:
    # Built on first use, not at import: walking the Unicode tables takes tens of
    # milliseconds, which every process importing the package would pay.
    points = _unsafe_nonascii()
    return _utf8_pattern(points), re.compile(f"[\x00-\x1f\x7f{_str_class(points)}]")


def unsafe_nonascii_utf8() -> re.Pattern[bytes]:
    """Matches, in UTF-8 bytes, any non-ASCII control or invisible character."""
    return _unsafe_patterns()[0]


def unsafe_char() -> re.Pattern[str]:
    """Matches any control or invisible character, ASCII or not."""
    return _unsafe_patterns()[1]


# Column names people put on the first row of an exported list, compared without case, spaces,
# "_" or "-". A real account spelled like one is rare; pushing a header as an account is not.
HEADER_WORDS = frozenset(
    {
        "account",
        "accounts",
        "accountid",
        "accountids",
        "accountname",
        "user",
        "users",
        "userid",
        "userids",
        "username",
        "uid",
        "uids",
        "openid",
        "openids",
        "unionid",
        "账号",
        "帐号",
        "账户",
        "帐户",
        "用户",
        "用户id",
        "用户名",
        "账号id",
        "帐号id",
        "用户账号",
        "用户帐号",
        "账号列表",
    }
)
_HEADER_NOISE = re.compile(r"[\s_\-]+")
_HEADER_MAX_BYTES = 64


_SIMPLE_NAMES = {"\x00": "NUL", "\t": "TAB", "\x1b": "ESC", "\x7f": "DEL", "\x85": "NEXT LINE"}


def file_format(filename: str) -> str:
    """The lower-case extension when it is one TPNS accepts, else ``""``."""
    _, dot, ext = filename.rpartition(".")
    ext = ext.lower()
    return ext if dot and ext in FORMATS else ""


def validate_filename(filename: str) -> str | None:
    """The reason TPNS would refuse this file name, or None."""
    if not filename:
        return wording.NAME_EMPTY
    if len(filename) > MAX_FILENAME_CHARS:
        return wording.NAME_TOO_LONG % {"count": len(filename)}
    if file_format(filename):
        return None
    _, dot, ext = filename.rpartition(".")
    if not dot:
        return wording.NO_EXTENSION
    return wording.WRONG_TYPE % {"ext": display(ext)}


def strip_bom(head: bytes) -> bytes:
    return head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head


def sniff_text(head: bytes, *, fmt: str, subject: str, inner: bool) -> str | None:
    """The reason a .txt/.csv whose first bytes are ``head`` is not a UTF-8 text file, or None."""
    values = {"subject": subject, "format": fmt}
    if head.startswith(_UTF16_BOMS):
        return wording.UTF16 % values
    if head.startswith(_ZIP_MAGIC):
        if b"[Content_Types].xml" in head[:4096]:
            return wording.OFFICE % values
        if inner:
            return wording.ZIP_INSIDE % values
        return wording.ZIP_NOT_TEXT % values
    if head.startswith(_OLE_MAGIC):
        return wording.OFFICE % values
    if head.startswith(b"\x1f\x8b"):
        return wording.GZIP % values
    if head.startswith(b"%PDF-"):
        return wording.PDF % values
    # Binary formats above are full of NULs too, so this guess for BOM-less UTF-16 comes last.
    if _mostly_nul(head[:4096]):
        return wording.UTF16 % values
    return None


def sniff_zip(head: bytes) -> str | None:
    """The reason a .zip whose first bytes are ``head`` is not a zip archive, or None."""
    if not head:
        return wording.EMPTY % {"subject": wording.THE_FILE}
    if head.startswith(_ZIP_MAGIC):
        return None
    sample = head[:4096]
    if not _mostly_nul(sample) and not re.search(rb"[\x00-\x08\x0e-\x1f]", sample):
        return wording.NOT_ZIP_TEXT
    return wording.NOT_ZIP


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
        return None, wording.BAD_UTF8 % {
            "byte": f"{raw[exc.start]:02X}",
            "position": exc.start + 1,
        }
    account = text.strip(_SPACES)
    if not account:
        return None, None
    unsafe = unsafe_char().search(account)
    if unsafe:
        return None, wording.UNSAFE_CHAR % {"char": describe_char(unsafe.group())}
    if not MIN_ACCOUNT_CHARS <= len(account) <= MAX_ACCOUNT_CHARS:
        return None, length_message(len(account))
    return (raw if len(account) == len(text) else raw.strip(b" \t")), None


def header_word(raw: bytes) -> str | None:
    """The column name a first row holds (without its quotes), or None when it is no header.

    Matches ``account``, ``User_ID``, ``"openid"``, ``账号`` and the like: case, spaces,
    ``_``, ``-``, a stray BOM and one pair of surrounding quotes do not matter.
    """
    if len(raw) > _HEADER_MAX_BYTES:
        return None
    try:
        text = raw.decode("utf-8").lstrip("\ufeff").strip(_SPACES)
    except UnicodeDecodeError:
        return None
    for quote in ('"', "'"):
        if len(text) >= 2 and text[0] == text[-1] == quote:
            text = text[1:-1].strip(_SPACES)
    key = _HEADER_NOISE.sub("", text).casefold()
    return text if key in HEADER_WORDS else None


@lru_cache(maxsize=1024)
def length_message(chars: int) -> str:
    template = wording.LENGTH_ONE if chars == 1 else wording.LENGTH
    return template % {"count": chars, "min": MIN_ACCOUNT_CHARS, "max": MAX_ACCOUNT_CHARS}


def too_long_message(size: int, what: str = "line") -> str:
    """For a line or field that was not kept in memory, so only its size in bytes is known."""
    template = wording.FIELD_TOO_LONG if what == "field" else wording.LINE_TOO_LONG
    return template % {"size": f"{size:,}", "min": MIN_ACCOUNT_CHARS, "max": MAX_ACCOUNT_CHARS}


def columns_message(columns: int) -> str:
    return wording.COLUMNS % {"count": columns}


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "") or _SIMPLE_NAMES.get(char)
    if name is None:
        return wording.CONTROL_CHAR % {"code": f"{ord(char):04X}"}
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
        value = unsafe_char().sub(lambda match: ascii(match.group())[1:-1], value)
    return value if len(value) <= DISPLAY_CHARS else value[: DISPLAY_CHARS - 1] + "…"
