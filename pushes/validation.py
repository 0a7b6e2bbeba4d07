"""What makes a push valid to submit, as pure functions shared by services and selectors.

Typed accounts are checked with exactly the account-package rules; a push is checked with
the TPNS request schema, its problems worded for people and keyed by form field.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from pushes import snapshot
from pushes.models import AccountPackage, Push
from pushes.packages import RowError, iter_accounts, validate_package

MAX_TYPED_ACCOUNTS = 100_000


@dataclass(frozen=True)
class TypedAccounts:
    accounts: list[str]
    duplicates: int
    errors: list[tuple[int, str]]  # (line, reason)
    lines: int


def parse_typed_accounts(text: str) -> TypedAccounts:
    """Typed accounts, checked with exactly the account-package rules (one per line)."""
    errors: list[tuple[int, str]] = []

    def collect(error: RowError) -> None:
        if len(errors) < 100:
            errors.append((error.line, error.reason))

    data = text.encode("utf-8")
    if not data.strip():
        return TypedAccounts(accounts=[], duplicates=0, errors=[], lines=0)
    result = validate_package(io.BytesIO(data), "typed.txt", on_error=collect)
    if result.problem and not errors:
        errors.append((0, result.problem))
    accounts = list(iter_accounts(io.BytesIO(data), "typed.txt")) if not errors else []
    return TypedAccounts(
        accounts=accounts, duplicates=result.duplicates, errors=errors, lines=result.rows
    )


IOS_OPEN_ACTION = (
    "Opening a URL or an intent works on Android only: TPNS has no open action for iOS. "
    "Choose “Open the app”, and pass the link in the custom key/values for the iOS app to open."
)


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
        return [("package", "Choose or upload an account package.")]
    if package.status != AccountPackage.Status.VALID:
        state = package.get_status_display().lower()
        return [("package", f"The package “{package.original_name}” is not valid: {state}.")]
    if package.file_deleted_at is not None:
        return [
            ("package", "The package file was deleted by the retention policy; upload it again.")
        ]
    return []


def _typed_account_problems(text: str) -> Problems:
    typed = parse_typed_accounts(text)
    problems = [
        ("accounts_text", f"Line {line}: {reason}" if line else reason)
        for line, reason in typed.errors[:20]
    ]
    if not typed.errors and not typed.accounts:
        problems.append(("accounts_text", "Enter at least one account, one per line."))
    if typed.lines > MAX_TYPED_ACCOUNTS:
        problems.append(
            (
                "accounts_text",
                f"Type at most {MAX_TYPED_ACCOUNTS:,} accounts; upload a package for more.",
            )
        )
    return problems


def _setting_problems(push: Push, now: datetime) -> Problems:
    problems: Problems = []
    if push.app.platform == "ios" and push.open_action != Push.OpenAction.APP:
        problems.append(("open_action", IOS_OPEN_ACTION))
    if push.send_time is not None and push.send_time <= now:
        problems.append(
            ("send_time", "The scheduled time is in the past; clear it to send on approval.")
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
    "message": "The message",
    "message.title": "The title",
    "message.content": "The content",
    "expire_time": "Offline storage",
    "send_time": "The scheduled time",
    "account_type": "The account type",
    "account_push_type": "Push to",
    "message_type": "The push type",
}


def _sentence(path: str, message: str) -> str:
    """A schema problem in words: ("message.title", "is required") → "The title is required."."""
    words = _PATH_WORDS.get(path)
    if words is None and path.startswith("message.") and "[" not in path:
        words = "The " + path.rsplit(".", 1)[-1].replace("_", " ")
    if words is None:
        return f"{path}: {message}" if path else message
    return f"{words} {message}{'' if message.endswith('.') else '.'}"
