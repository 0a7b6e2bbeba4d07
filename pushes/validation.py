"""What makes a push valid to submit, as pure functions shared by services and selectors.

Typed accounts are checked with exactly the account-package rules; a push is checked with
the TPNS request schema, its problems worded for people and keyed by form field. Problems are
worded in the active language: the package rules and the schema word theirs in English (they
are stored, and the sandbox answers with them), translated here for the person reading them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

from pushes import snapshot
from pushes.models import AccountPackage, Push
from pushes.packages import PackageError, RowError, iter_accounts, localize, validate_package
from pushes.packages.wording import Phrasebook

MAX_TYPED_ACCOUNTS = 100_000
# Bad lines listed by the form, its error summary and the record page; the rest are
# counted ("… and 35 more"). Only the first MAX_KEPT_BAD_LINES are kept at all.
MAX_LISTED_BAD_LINES = 20
MAX_KEPT_BAD_LINES = 100


@dataclass(frozen=True)
class BadLine:
    """A typed line the account rules refuse (line 0: the text as a whole)."""

    line: int
    value: str  # as typed, made printable and cut short by the package rules
    reason: str  # in the active language

    def __str__(self) -> str:
        return line_problem(self.line, self.reason, self.value)


@dataclass(frozen=True)
class TypedAccounts:
    """Typed accounts: the valid ones (each once, in order) even when other lines are bad."""

    accounts: list[str]
    duplicates: int
    bad_lines: list[BadLine]  # the first MAX_KEPT_BAD_LINES
    invalid: int  # every bad line (a problem with the text as a whole counts as one)
    lines: int

    @property
    def errors(self) -> list[tuple[int, str]]:
        """(line, reason) of the bad lines kept."""
        return [(bad.line, bad.reason) for bad in self.bad_lines]


def parse_typed_accounts(text: str) -> TypedAccounts:
    """Typed accounts, checked with exactly the account-package rules (one per line).

    A draft keeps the valid accounts of a text with bad lines, so its count is right; the
    bad lines still stop Preview and Confirm (see `validate_for_submit`)."""
    bad: list[BadLine] = []

    def collect(error: RowError) -> None:
        if len(bad) < MAX_KEPT_BAD_LINES:
            bad.append(BadLine(error.line, error.value, localize(error.reason)))

    data = text.encode("utf-8")
    if not data.strip():
        return TypedAccounts(accounts=[], duplicates=0, bad_lines=[], invalid=0, lines=0)
    result = validate_package(io.BytesIO(data), "typed.txt", on_error=collect)
    if result.problem and not any(line.line == 0 for line in bad):
        bad.insert(0, BadLine(0, "", localize(result.problem)))
    accounts: list[str] = []
    if not result.problem:
        try:
            accounts = list(iter_accounts(io.BytesIO(data), "typed.txt"))
        except PackageError:
            accounts = []
    return TypedAccounts(
        accounts=accounts,
        duplicates=result.duplicates,
        bad_lines=bad,
        invalid=result.invalid_rows + bool(result.problem),
        lines=result.rows,
    )


# English, so it can be compared and searched for; shown through gettext.
IOS_OPEN_ACTION = N_(
    "Opening a URL or an intent works on Android only: TPNS has no open action for iOS. "
    "Choose “Open the app”, and pass the link in the custom key/values for the iOS app to open."
)


def line_problem(line: int, reason: str, value: str = "") -> str:
    """A typed account's problem, with its line number and, when known, the value as typed
    (line 0: the text as a whole)."""
    if not line:
        return reason
    if value:
        return _("Line %(line)s, “%(value)s”: %(problem)s") % {
            "line": line,
            "value": value,
            "problem": reason,
        }
    return _("Line %(line)s: %(problem)s") % {"line": line, "problem": reason}


def more_bad_lines(count: int) -> str:
    """What follows the listed bad lines when there are more of them."""
    return ngettext(
        "… and %(count)s more line to fix (the first %(listed)s are listed).",
        "… and %(count)s more lines to fix (the first %(listed)s are listed).",
        count,
    ) % {"count": f"{count:,}", "listed": MAX_LISTED_BAD_LINES}


Problems = list[tuple[str, str]]  # (form field, message)


def validate_for_submit(push: Push, *, now: datetime | None = None) -> dict[str, list[str]]:
    """Every reason this push cannot be submitted, keyed by form field."""
    problems = _target_problems(push) + _setting_problems(push, now or timezone.now())
    if not problems:
        problems = _schema_problems(push, now)
    errors: dict[str, list[str]] = {}
    for name, message in problems:
        errors.setdefault(name, []).append(message)
    return errors


def _target_problems(push: Push) -> Problems:
    if push.source == Push.Source.MANUAL:
        return _typed_account_problems(push.accounts_text)
    package = push.package
    if package is None:
        return [("package", _("Choose or upload an account package."))]
    if package.status != AccountPackage.Status.VALID:
        state = package.get_status_display().lower()
        return [
            (
                "package",
                _("The package “%(name)s” is not valid: %(state)s.")
                % {"name": package.original_name, "state": state},
            )
        ]
    if package.file_deleted_at is not None:
        return [
            (
                "package",
                _("The package file was deleted by the retention policy; upload it again."),
            )
        ]
    return []


def _typed_account_problems(text: str) -> Problems:
    typed = parse_typed_accounts(text)
    listed = typed.bad_lines[:MAX_LISTED_BAD_LINES]
    problems = [("accounts_text", line_problem(b.line, b.reason, b.value)) for b in listed]
    if typed.invalid > len(listed):
        problems.append(("accounts_text", more_bad_lines(typed.invalid - len(listed))))
    if not typed.invalid and not typed.accounts:
        problems.append(("accounts_text", _("Enter at least one account, one per line.")))
    if typed.lines > MAX_TYPED_ACCOUNTS:
        problems.append(("accounts_text", too_many_typed()))
    return problems


def too_many_typed() -> str:
    return _("Type at most %(max)s accounts; upload a package for more.") % {
        "max": f"{MAX_TYPED_ACCOUNTS:,}"
    }


def _setting_problems(push: Push, now: datetime) -> Problems:
    problems: Problems = []
    if push.app.platform == "ios" and push.open_action != Push.OpenAction.APP:
        problems.append(("open_action", _(IOS_OPEN_ACTION)))
    if push.send_time is not None and push.send_time <= now:
        problems.append(
            ("send_time", _("The scheduled time is in the past; clear it to send on approval."))
        )
    return problems


def _schema_problems(push: Push, now: datetime | None) -> Problems:
    """What the TPNS request schema says of the request this push would send."""
    upload_id = 1 if push.target == Push.Target.PACKAGE else None
    request = snapshot.build_request(push, upload_id=upload_id)
    return [
        (_form_field(problem.field), _sentence(problem.field, problem.message))
        for problem in request.validate(now=now)
    ]


def _form_field(path: str) -> str:
    if path.startswith("account_list"):
        return "accounts_text"
    if path.startswith("message.title") or path.endswith("title"):
        return "title"
    if path.startswith("message.content") or path.startswith("message"):
        return "content"
    if "custom_content" in path:
        return "custom_content"
    return (
        path
        if path in {"expire_time", "send_time", "account_type", "account_push_type", "message_type"}
        else "__all__"
    )


# The request schema names fields by their JSON path; people read the field's name.
_PATH_WORDS = {
    "message": N_("The message"),
    "message.title": N_("The title"),
    "message.content": N_("The content"),
    "message.custom_content": N_("The custom content"),
    "expire_time": N_("Offline storage"),
    "send_time": N_("The scheduled time"),
    "account_type": N_("The account type"),
    "account_push_type": N_("Push to"),
    "message_type": N_("The push type"),
}

# What the request schema (pushes.tpns.schema, English: the sandbox answers with it too) says
# of a request a push can build, translated where people read it.
SCHEMA_WORDING = Phrasebook(
    (
        N_("is required for a notification"),
        N_("is %(size)s bytes as JSON; TPNS allows at most %(max)s (4 KB)"),
        N_(
            "is %(count)s characters, longer than %(channels)s allow; "
            "those channels cut it short or fall back to the TPNS channel"
        ),
        N_("is more than 10 minutes in the past"),
        N_("must be at most 90 days ahead"),
        N_("must be between %(min)s and %(max)s"),
        N_("must be at least %(min)s"),
        N_("must be one of %(choices)s"),
        N_("must be a whole number"),
        N_("must be a string"),
        N_("at least one account is required"),
        N_("must be %(min)s to %(max)s characters long (it has %(count)s)"),
    )
)


def _path_words(path: str) -> str | None:
    words = _PATH_WORDS.get(path)
    if words is not None:
        return _(words)
    if path.startswith("message.") and "[" not in path:
        return _("The %(name)s") % {"name": path.rsplit(".", 1)[-1].replace("_", " ")}
    return None


def schema_problem(path: str, message: str) -> str:
    """A schema problem as the schema words it, ``path: message``, in the active language."""
    problem = SCHEMA_WORDING.localize(message)
    return _("%(field)s: %(problem)s") % {"field": path, "problem": problem} if path else problem


def _sentence(path: str, message: str) -> str:
    """A schema problem in words: ("message.title", "is required") → "The title is required."."""
    words = _path_words(path)
    if words is None:
        return schema_problem(path, message)
    values = {"field": words, "problem": SCHEMA_WORDING.localize(message)}
    if message.endswith("."):
        return _("%(field)s %(problem)s") % values
    return _("%(field)s %(problem)s.") % values
