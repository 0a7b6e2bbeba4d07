"""The domain's words in Simplified Chinese: refusals, validation problems, package reports.

The package validator words its reasons in English always (they are stored, printed by
`validate_package` and answered by the sandbox); `localize` translates a finished reason
where people read it. The tests that call `require_catalog` check the Chinese itself and skip
while the compiled zh-hans catalog does not have their msgids yet.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

import pytest
from django.utils.translation import gettext, override

from pushes import permissions, validation
from pushes.errors import Invalid, NotAllowed
from pushes.packages import localize, validate_package, wording
from pushes.services import push_reject, push_submit
from pushes.tpns import schema
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

CJK = re.compile(r"[\u4e00-\u9fff]")

# A value for every placeholder the package templates use.
SAMPLES = {
    "name": "a.txt",
    "names": "a.txt, b.txt, …",
    "count": "3",
    "subject": "a.txt inside the zip",
    "format": "csv",
    "ext": "exe",
    "error": "Bad magic number for central directory",
    "byte": "FF",
    "position": "4",
    "char": "U+200B ZERO WIDTH SPACE",
    "code": "0001",
    "min": "2",
    "max": "100",
    "size": "70,000",
    "value": "account",
    "first": "2",
    "listed": "10,000",
}


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# Files that the validator refuses, between them for most of its reasons.
BAD_FILES = [
    ("a.txt", b""),
    ("a.txt", b"\n \n"),
    ("a.txt", b"\xff\xfea\x00b\x00"),
    ("a.txt", b"PK\x03\x04" + b"\x00" * 30),
    ("a.txt", b"%PDF-1.7\n"),
    ("a.txt", b"\x1f\x8b\x08\x00"),
    ("a.txt", b"ok-account\nx\n" + b"y" * 101 + b"\nbad\xffbyte\nzero\xe2\x80\x8bwidth\na\x01b\n"),
    ("a.txt", b"z" * 70_000 + b"\n"),
    ("a.csv", b'one,two\n"never closed\n"a"b\nab"c"\n"line\nbreak"\n'),
    ("a.csv", b'"user_id"\nalice\n'),
    ("a.exe", b"alice\n"),
    ("noextension", b"alice\n"),
    ("a.zip", b"alice\n"),
    ("a.zip", b"\x00\x01\x02 not a zip"),
    ("a.zip", _zip({})),
    ("a.zip", _zip({"a.txt": b"alice\n", "b.txt": b"bob\n"})),
    ("a.zip", _zip({"folder/a.txt": b"alice\n"})),
    ("a.zip", _zip({"__MACOSX/._a.txt": b"", "a.txt": b"alice\n"})),
    ("a.zip", _zip({"inner.zip": b"PK"})),
    ("a.zip", _zip({"a.pdf": b"%PDF"})),
    ("a.zip", _zip({"a.txt": b"\xff\xfea\x00"})),
    ("a.zip", _zip({"a.txt": b""})),
]


def _reasons(name: str, data: bytes) -> list[str]:
    result = validate_package(io.BytesIO(data), name)
    return [error.reason for error in result.errors]


def require_catalog(*msgids: str) -> None:
    """Skip unless the compiled zh-hans catalog translates every one of ``msgids``.

    Checked when the test runs, after the session has compiled the catalogs."""
    with override("zh-hans"):
        missing = [msgid for msgid in msgids if gettext(msgid) == msgid]
    if missing:
        pytest.skip(f"the compiled zh-hans catalog (locale/) does not translate {missing[0]!r} yet")


# ---------------------------------------------------------------- without a catalog


@pytest.mark.parametrize("template", wording.TEMPLATES)
def test_each_package_template_is_recognised_and_round_trips_in_english(template: str) -> None:
    reason = template % SAMPLES
    found = wording.PACKAGE_WORDING.match(reason)
    assert found is not None
    assert found[0] == template
    with override("en"):
        assert localize(reason) == reason


@pytest.mark.parametrize(("name", "data"), BAD_FILES)
def test_every_reason_the_validator_gives_is_worded_from_a_template(name: str, data: bytes) -> None:
    reasons = _reasons(name, data)
    assert reasons
    for reason in reasons:
        assert wording.PACKAGE_WORDING.match(reason) is not None, reason


def test_the_validator_words_its_reasons_in_english_whatever_the_language() -> None:
    data = _zip({"folder/a.txt": b"alice\n"})
    with override("en"):
        english = _reasons("a.zip", data)
    with override("zh-hans"):
        assert _reasons("a.zip", data) == english
    assert english == [
        "the zip contains a folder (folder/); zip the .txt or .csv file itself, not a folder"
    ]


def test_every_schema_problem_a_push_can_have_is_recognised() -> None:
    request = schema.PushRequest(
        audience_type="account",
        message_type="notify",
        message=schema.Message(title="", content="x" * 5000),
        account_list=["a"],
        account_type=-1,
        account_push_type=5,
        expire_time=10**9,
    )
    big = schema.Message(title="t" * 60, content="x" * 5000)
    messages = [problem.message for problem in request.validate()]
    messages += [problem.message for problem in schema.channel_warnings(big)]
    messages += [
        problem.message for problem in schema.PushRequest("account", "notify", big).validate()
    ]
    assert len(messages) >= 6
    for message in messages:
        assert validation.SCHEMA_WORDING.match(message) is not None, message


def test_an_unknown_reason_comes_back_unchanged() -> None:
    with override("zh-hans"):
        assert localize("something else entirely") == "something else entirely"


# ---------------------------------------------------------------- with the zh-hans catalog


@pytest.mark.django_db
def test_a_typed_accounts_problem_is_in_chinese(app: App, marketer: User) -> None:
    require_catalog("Line %(line)s, “%(value)s”: %(problem)s", wording.LENGTH_ONE)
    push = make_push(app=app, author=marketer, accounts="alice\nx\n")
    with override("zh-hans"):
        problems = validation.validate_for_submit(push)["accounts_text"]
    assert len(problems) == 1
    assert CJK.search(problems[0])
    assert "2" in problems[0]
    assert "Line" not in problems[0] and "character" not in problems[0]


@pytest.mark.django_db
def test_a_message_problem_is_in_chinese(app: App, marketer: User) -> None:
    require_catalog("%(field)s %(problem)s.", "The title", "is required for a notification")
    push = make_push(app=app, author=marketer, title="")
    with override("zh-hans"), pytest.raises(Invalid) as refused:
        push_submit(push=push, by=marketer)
    (title,) = refused.value.message_dict["title"]
    assert CJK.search(title)
    assert "required" not in title and "title" not in title


@pytest.mark.django_db
def test_refusals_are_in_chinese(app: App, marketer: User, stranger: User) -> None:
    require_catalog(
        "You cannot review your own push.", "Your role on this app does not allow this."
    )
    push = make_push(app=app, author=marketer)
    with override("zh-hans"):
        with pytest.raises(NotAllowed) as own:
            push_reject(push=push, by=marketer, comment="no")
        with pytest.raises(NotAllowed) as outsider:
            permissions.require_role(app, stranger, permissions.ADMINS)
    for refusal in (own.value, outsider.value):
        assert CJK.search(str(refusal))
        assert not re.search(r"[A-Za-z]{3,}", str(refusal))


def test_a_package_report_is_in_chinese_fresh_or_stored() -> None:
    require_catalog(wording.ZIP_FOLDER, wording.UTF16, wording.INSIDE_ZIP)
    folder = _reasons("a.zip", _zip({"folder/a.txt": b"alice\n"}))[0]
    inner = _reasons("a.zip", _zip({"a.txt": b"\xff\xfea\x00"}))[0]
    assert inner == "a.txt inside the zip is UTF-16; save it as UTF-8"  # as stored
    with override("zh-hans"):
        folder_zh, inner_zh = localize(folder), localize(inner)
    assert CJK.search(folder_zh) and "folder/" in folder_zh and "contains" not in folder_zh
    assert CJK.search(inner_zh) and "a.txt" in inner_zh and "inside" not in inner_zh
    assert "UTF-16" in inner_zh
