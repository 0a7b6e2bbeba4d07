"""Reads for the Create Push flow, the pushes list and the push record page."""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pushes import permissions, snapshot
from pushes.models import AccountPackage, App, Membership, Push, Role
from pushes.tpns import schema
from pushes.tpns.schema import MAX_ACCOUNTS_PER_LIST
from pushes.validation import (
    MAX_LISTED_BAD_LINES,
    MAX_TYPED_ACCOUNTS,
    SCHEMA_WORDING,
    BadLine,
    more_bad_lines,
    parse_typed_accounts,
    too_many_typed,
    validate_for_submit,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The same line ends the package rules accept: LF, CRLF and a lone CR.
_LINE_END = re.compile(r"\r\n|\r|\n")
_MAX_LISTED = 20
# A TPNS push_id is a number; anything else is searched as a code or in titles.
_PUSH_ID = re.compile(r"[0-9]{1,64}")


def _visible_app_ids(user: User) -> QuerySet[Membership, Any] | None:
    """None for staff (every app), otherwise the ids of the apps the user belongs to."""
    if permissions.is_staff(user):
        return None
    return Membership.objects.filter(user_id=user.pk).values("app_id")


def apps_for_push_list(*, user: User) -> QuerySet[App]:
    ids = _visible_app_ids(user)
    apps = App.objects.order_by("name")
    return apps if ids is None else apps.filter(id__in=ids)


def apps_user_can_push(*, user: User) -> QuerySet[App]:
    """Apps where the user may create pushes (marketers and admins; staff: all)."""
    if permissions.is_staff(user):
        return App.objects.order_by("name")
    authors = Membership.objects.filter(
        user_id=user.pk, role__in=[Role.ADMIN, Role.MARKETER]
    ).values("app_id")
    return App.objects.filter(id__in=authors).order_by("name")


def push_authors_for_user(*, user: User) -> QuerySet[Any]:
    """Everyone who wrote a push the user can see, for the list's author filter."""
    ids = _visible_app_ids(user)
    # One index probe per person, not a read of every push for their authors.
    wrote = Push.objects.filter(created_by_id=OuterRef("pk"))
    if ids is not None:
        wrote = wrote.filter(app_id__in=ids)
    return get_user_model().objects.filter(Exists(wrote)).order_by("username")


def push_list_for_user(
    *,
    user: User,
    app: App | None = None,
    status: str = "",
    author_id: int | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    q: str = "",
) -> QuerySet[Push]:
    """Pushes of the user's apps (staff: all), newest first, filtered.

    `q` finds a push by its TPNS push_id or its code, else by a word of its title.
    """
    ids = _visible_app_ids(user)
    pushes = Push.objects.select_related("app", "created_by", "package", "results").defer(
        *Push.LARGE_FIELDS
    )
    if ids is not None:
        pushes = pushes.filter(app_id__in=ids)
    if app is not None:
        pushes = pushes.filter(app=app)
    if status:
        pushes = pushes.filter(status=status)
    if author_id is not None:
        pushes = pushes.filter(created_by_id=author_id)
    # Dates are the days people see, in the console's time zone.
    if created_from is not None:
        pushes = pushes.filter(created_at__gte=_start_of(created_from))
    if created_to is not None:
        pushes = pushes.filter(created_at__lt=_start_of(created_to + timedelta(days=1)))
    if q.strip():
        pushes = _search(pushes, q.strip(), every_app=ids is None)
    return pushes.order_by("-created_at", "-id")


def _search(pushes: QuerySet[Push], q: str, *, every_app: bool) -> QuerySet[Push]:
    """An exact push_id or code when one of the filtered pushes has it (looked up through
    their unique indexes), else a case-insensitive part of the title."""
    if _PUSH_ID.fullmatch(q):
        exact = pushes.filter(push_id=q)
        if every_app:
            # push_id is indexed after app_id (unique per app): naming the apps lets the
            # database look it up once per app instead of scanning every push.
            exact = exact.filter(app_id__in=App.objects.values("id"))
    else:
        code = _as_uuid(q)
        exact = pushes.filter(code=code) if code is not None else pushes.none()
    if exact.exists():
        return exact
    return pushes.filter(title__icontains=q)


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def package_for_app(*, app: App, code: str) -> AccountPackage | None:
    try:
        uuid = UUID(str(code))
    except ValueError:
        return None
    return AccountPackage.objects.filter(app=app, code=uuid).first()


@dataclass(frozen=True)
class Duplicate:
    line: int
    account: str
    first_line: int


@dataclass(frozen=True)
class AccountsCheck:
    """What the live check of typed accounts says, with line numbers."""

    lines: int
    accounts: list[str]
    duplicates: int
    bad_lines: list[BadLine]
    invalid: int = 0
    repeated: list[Duplicate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.invalid and bool(self.accounts) and self.lines <= MAX_TYPED_ACCOUNTS

    @property
    def errors(self) -> list[tuple[int, str]]:
        return [(bad.line, bad.reason) for bad in self.bad_lines]

    @property
    def listed_bad_lines(self) -> list[BadLine]:
        """The bad lines a page lists; `more_bad_lines` counts the rest."""
        return self.bad_lines[:MAX_LISTED_BAD_LINES]

    @property
    def more_bad_lines(self) -> int:
        return max(0, self.invalid - len(self.listed_bad_lines))

    @property
    def more_bad_lines_text(self) -> str:
        return more_bad_lines(self.more_bad_lines) if self.more_bad_lines else ""

    @property
    def target(self) -> str:
        return snapshot.target_for_accounts(len(self.accounts))

    @property
    def summary(self) -> str:
        if self.invalid:
            return self._summary_with_bad_lines()
        if not self.accounts:
            return _("Enter at least one account, one per line.")
        if self.lines > MAX_TYPED_ACCOUNTS:
            return too_many_typed()
        text = self._valid_text()
        if self.duplicates:
            removed = ngettext(
                "%(count)s duplicate removed", "%(count)s duplicates removed", self.duplicates
            ) % {"count": f"{self.duplicates:,}"}
            text = _("%(accounts)s, %(duplicates)s") % {"accounts": text, "duplicates": removed}
        if self.target == Push.Target.PACKAGE:
            text = _(
                "%(summary)s. More than %(max)s accounts: sent as an account package "
                "built from the list"
            ) % {"summary": text, "max": f"{MAX_ACCOUNTS_PER_LIST:,}"}
        return _("%(summary)s.") % {"summary": text}

    def _valid_text(self) -> str:
        n = len(self.accounts)
        return ngettext("%(count)s valid account", "%(count)s valid accounts", n) % {
            "count": f"{n:,}"
        }

    def _summary_with_bad_lines(self) -> str:
        fix = ngettext("%(count)s line to fix.", "%(count)s lines to fix.", self.invalid) % {
            "count": f"{self.invalid:,}"
        }
        if not self.accounts:
            return fix
        # A draft keeps the valid ones; Preview and Confirm wait for the bad lines.
        return _("%(problems)s %(accounts)s kept in the draft.") % {
            "problems": fix,
            "accounts": self._valid_text(),
        }

    def as_json(self) -> dict[str, Any]:
        listed = self.listed_bad_lines
        return {
            "ok": self.ok,
            "summary": self.summary,
            "lines": self.lines,
            "accounts": len(self.accounts),
            "duplicates": self.duplicates,
            "target": self.target if self.accounts else "",
            "first": self.accounts[:5],
            "errors": [{"line": b.line, "value": b.value, "reason": b.reason} for b in listed],
            "more_errors": self.more_bad_lines,
            "repeated": [
                {"line": d.line, "account": d.account, "first_line": d.first_line}
                for d in self.repeated
            ],
        }


def accounts_check(text: str) -> AccountsCheck:
    """Typed accounts checked with the package rules, plus which lines repeat which."""
    typed = parse_typed_accounts(text)
    repeated: list[Duplicate] = []
    if typed.duplicates and not typed.invalid:
        seen: dict[str, int] = {}
        for number, line in enumerate(_LINE_END.split(text), start=1):
            # Only ASCII spaces and tabs are stripped, as in the package rules.
            account = line.strip(" \t")
            if not account:
                continue
            if account in seen:
                repeated.append(Duplicate(number, account, seen[account]))
                if len(repeated) >= _MAX_LISTED:
                    break
            else:
                seen[account] = number
    return AccountsCheck(
        lines=typed.lines,
        accounts=typed.accounts,
        duplicates=typed.duplicates,
        bad_lines=typed.bad_lines,
        invalid=typed.invalid,
        repeated=repeated,
    )


def recent_test_pushes(*, app: App, limit: int = 5) -> QuerySet[Push]:
    """The app's latest test pushes, shown beside Send test."""
    return (
        app.pushes.filter(is_test=True).select_related("created_by").order_by("-created_at")[:limit]
    )


def submit_problems(push: Push) -> dict[str, list[str]]:
    """Every reason the push cannot be submitted yet, keyed by form field.

    `validate_for_submit` checks the message only once the accounts are right; the form
    shows all problems at once, so the message is also checked against stand-in accounts.
    """
    errors = validate_for_submit(push)
    if "accounts_text" in errors or "package" in errors:
        stand_in = copy.copy(push)
        stand_in.source = Push.Source.MANUAL
        stand_in.accounts_text = "stand-in"
        stand_in.accounts = ["stand-in"]
        stand_in.package = None
        stand_in.target = "account"
        for name, messages in validate_for_submit(stand_in).items():
            errors.setdefault(name, messages)
    return errors


# What the Create Push form and preview show of the TPNS limits (tpns-api.md §3.5).
TITLE_LIMITS = schema.TITLE_LIMITS
CONTENT_LIMITS = schema.CONTENT_LIMITS
MAX_EXPIRE_TIME = schema.MAX_EXPIRE_TIME
MAX_MESSAGE_BYTES = schema.MAX_MESSAGE_BYTES
# The longest title a push keeps (its column): the form says so rather than cutting it.
MAX_TITLE_CHARS = int(Push._meta.get_field("title").max_length or 0)


def channel_warnings(message: schema.Message) -> list[schema.FieldError]:
    """Vendor channels that would cut this message's title or content short; each warning's
    message in the active language."""
    return [
        dataclasses.replace(warning, message=SCHEMA_WORDING.localize(warning.message))
        for warning in schema.channel_warnings(message)
    ]


def preview_request(push: Push) -> schema.PushRequest:
    """Exactly the request a push sends (without the upload_id added at send time)."""
    return snapshot.build_request(push)


def preview_hash(push: Push) -> str:
    """The content hash an approval of this push, as it is now, would bind to."""
    return snapshot.content_hash(snapshot.snapshot(push))
