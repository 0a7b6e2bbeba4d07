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

from pushes import snapshot
from pushes.models import AccountPackage, Push
from pushes.packages import RowError, iter_accounts, localize, validate_package
from pushes.packages.wording import Phrasebook

MAX_TYPED_ACCOUNTS = 100_000


@dataclass(frozen=True)
class TypedAccounts:
    accounts: list[str]
    duplicates: int
    errors: list[tuple[int, str]]  # (line, reason), the reason in the active language
    lines: int


def parse_typed_accounts(text: str) -> TypedAccounts:
    """Typed accounts, checked with exactly the account-package rules (one per line)."""
    errors: list[tuple[int, str]] = []

    def collect(error: RowError) -> None:
        if len(errors) < 100:
            errors.append((error.line, localize(error.reason)))

    data = text.encode("utf-8")
    if not data.strip():
        return TypedAccounts(accounts=[], duplicates=0, errors=[], lines=0)
    result = validate_package(io.BytesIO(data), "typed.txt", on_error=collect)
    if result.problem and not errors:
        errors.append((0, localize(result.problem)))
    accounts = list(iter_accounts(io.BytesIO(data), "typed.txt")) if not errors else []
    return TypedAccounts(
        accounts=accounts, duplicates=result.duplicates, errors=errors, lines=result.rows
    )


# English, so it can be compared and searched for; shown through gettext.
IOS_OPEN_ACTION = N_(
    "Opening a URL or an intent works on Android only: TPNS has no open action for iOS. "
    "Choose “Open the app”, and pass the link in the custom key/values for the iOS app to open."
)


def line_problem(line: int, reason: str) -> str:
    """A typed account's problem, with its line number (0: the text as a whole)."""
    return _("Line %(line)s: %(problem)s") % {"line": line, "problem": reason} if line else reason


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
    problems = [("accounts_text", line_problem(line, reason)) for line, reason in typed.errors[:20]]
    if not typed.errors and not typed.accounts:
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
