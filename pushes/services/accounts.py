"""The account lookup, after TPNS's troubleshooting tool: an account's devices (tokens, newest
binding first), the accounts bound to a token, a token's pushes today, and the Pushdeck pushes
that targeted an account; plus the per-package account indexes that make the last one fast.

Everything about devices comes from the app's gateway through the TPNS client, sandbox or
TPNS alike. Lookups are reads: nothing is audited, and account names are never logged above
DEBUG. A gateway error or timeout becomes a sentence on the result, so the rest of the page
(the pushes found in Pushdeck) still shows.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from pushes.account_types import account_type_label
from pushes.audit import audit_record
from pushes.models import AccountPackage, Push
from pushes.selectors.accounts import (
    AccountPushes,
    account_pushes,
    pushes_by_gateway_id,
    require_lookup,
)
from pushes.services import budget
from pushes.services.queue import BUILD_ACCOUNT_INDEX, enqueue_on_commit
from pushes.services.steps import app_credentials
from pushes.tpns import client
from pushes.tpns.errors import CONNECT_TIMEOUT, READ_TIMEOUT, TpnsError, describe

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

log = logging.getLogger(__name__)

# A person is waiting for the page: a gateway that has not answered by then will not help.
READ_TIMEOUT_SECONDS = 5.0
# A token's pushes today cost a statistics call (200 an hour per app, shared with results
# and in-doubt lookups), so an answer is kept this long for reloads and paging.
TODAY_CACHE_SECONDS = 60
# Packages whose index a sweep queues at most, per run.
SWEEP_BUILDS = 20


def _timeout() -> tuple[float, float]:
    return float(settings.TPNS_CONNECT_TIMEOUT), READ_TIMEOUT_SECONDS


@dataclass(frozen=True)
class GatewayProblem:
    """Why the gateway gave no answer: a sentence in the reader's language, and its words."""

    message: str
    detail: str


def _problem(exc: TpnsError) -> GatewayProblem:
    if exc.kind in {READ_TIMEOUT, CONNECT_TIMEOUT}:
        message = _("The gateway did not answer in time.")
    else:
        message = _("The gateway could not answer this lookup.")
    return GatewayProblem(message=message, detail=describe(exc))


# ---------------------------------------------------------------- devices


@dataclass(frozen=True)
class BoundElsewhere:
    """The account is bound on `devices` devices under another account type."""

    account_type: int
    devices: int

    @property
    def label(self) -> str:
        return account_type_label(self.account_type)


@dataclass
class AccountDevices:
    account: str
    account_type: int
    tokens: list[str] = field(default_factory=list)  # newest binding first, as TPNS lists them
    problem: GatewayProblem | None = None
    elsewhere: list[BoundElsewhere] = field(default_factory=list)


def account_devices(*, app: App, by: User, account: str, account_type: int) -> AccountDevices:
    """The account's tokens under this account type (device/account/query, by account).

    With none, asks once more without a type, and which types those tokens hold the account
    under: the silent failure of account pushes is an account bound under another type.
    """
    require_lookup(app, by)
    account = account.strip(" \t")
    found = AccountDevices(account=account, account_type=account_type)
    creds = app_credentials(app)
    try:
        answer = client.account_query(
            creds, accounts=[account], account_type=account_type, timeout=_timeout()
        )
        found.tokens = answer.account_tokens.get(account, [])
        if not found.tokens:
            found.elsewhere = _bound_elsewhere(app, account, account_type)
    except TpnsError as exc:
        found.problem = _problem(exc)
    return found


def _bound_elsewhere(app: App, account: str, account_type: int) -> list[BoundElsewhere]:
    """Under which other types the account is bound; nothing when the gateway cannot say."""
    creds = app_credentials(app)
    try:
        tokens = client.account_query(creds, accounts=[account], timeout=_timeout())
        listed = tokens.account_tokens.get(account, [])[: client.MAX_TOKENS_PER_BATCH]
        if not listed:
            return []
        bound = client.account_query(creds, tokens=listed, timeout=_timeout())
    except TpnsError:
        return []  # the answer that matters (no device under this type) stands
    counts: dict[int, int] = {}
    for refs in bound.token_account_refs.values():
        for ref in refs:
            other = ref.account_type
            if ref.account == account and other is not None and other != account_type:
                counts[other] = counts.get(other, 0) + 1
    return [BoundElsewhere(kind, devices) for kind, devices in sorted(counts.items())]


@dataclass
class TokenAccounts:
    token: str
    accounts: list[client.AccountRef] = field(default_factory=list)
    problem: GatewayProblem | None = None


def token_accounts(*, app: App, by: User, token: str) -> TokenAccounts:
    """The accounts bound to a token (device/account/query, by token)."""
    require_lookup(app, by)
    token = token.strip()
    found = TokenAccounts(token=token)
    try:
        answer = client.account_query(app_credentials(app), tokens=[token], timeout=_timeout())
        found.accounts = answer.token_account_refs.get(token, [])
    except TpnsError as exc:
        found.problem = _problem(exc)
    return found


# ---------------------------------------------------------------- a token's pushes today


@dataclass(frozen=True)
class TodayPush:
    push_id: str
    at: datetime | None
    target_type: str
    push: Push | None  # the Pushdeck push with this push_id in this app, if any


@dataclass
class TodayPushes:
    token: str
    pushes: list[TodayPush] = field(default_factory=list)
    problem: GatewayProblem | None = None
    over_budget: bool = False


def token_pushes_today(*, app: App, by: User, token: str) -> TodayPushes:
    """What the gateway sent the token today (toolbox/getPushListByToken), newest first.

    A statistics call, paid from the app's hourly budget; an answer is reused for a minute.
    """
    require_lookup(app, by)
    token = token.strip()
    found = TodayPushes(token=token)
    key = f"account-lookup:today:{app.id}:{hashlib.sha256(token.encode()).hexdigest()}"
    rows: list[tuple[str, int, str]] | None = cache.get(key)
    if rows is None:
        if not budget.take(app=app):
            found.over_budget = True
            return found
        try:
            listed = client.get_push_list_by_token(app_credentials(app), token, timeout=_timeout())
        except TpnsError as exc:
            found.problem = _problem(exc)
            return found
        rows = [(row.push_id, row.push_time, row.target_type) for row in listed]
        cache.set(key, rows, TODAY_CACHE_SECONDS)
    known = pushes_by_gateway_id(app=app, push_ids=[push_id for push_id, _, _ in rows])
    found.pushes = [
        TodayPush(push_id, _when(stamp), target_type, known.get(push_id))
        for push_id, stamp, target_type in sorted(rows, key=lambda row: -row[1])
    ]
    return found


def _when(stamp: int) -> datetime | None:
    return datetime.fromtimestamp(stamp, tz=UTC) if stamp > 0 else None


# ---------------------------------------------------------------- Pushdeck's pushes


def pushes_to_account(*, app: App, by: User, account: str) -> AccountPushes:
    """The app's pushes that targeted the account; packages not indexed yet are queued."""
    found = account_pushes(app=app, user=by, account=account)
    for package_id in found.packages.unindexed:
        enqueue_on_commit(BUILD_ACCOUNT_INDEX, package_id)
    return found


# ---------------------------------------------------------------- the package indexes


def account_index_queue(*, package: AccountPackage) -> None:
    """A package became valid: index its accounts once this transaction commits."""
    if package.status == AccountPackage.Status.VALID:
        enqueue_on_commit(BUILD_ACCOUNT_INDEX, package.id)


def account_index_name(package: AccountPackage) -> str:
    return f"packages/{package.app.code}/{package.code}-accounts.idx"


def account_index_build(*, package_id: int) -> bool:
    """Build a valid package's account index and keep it in storage. Safe to rerun."""
    from pushes.packages.index import build_index  # numpy, loaded by the first build

    package = AccountPackage.objects.select_related("app").filter(id=package_id).first()
    if package is None or package.status != AccountPackage.Status.VALID:
        return False
    if package.account_index or not package.has_file:
        return False
    with tempfile.TemporaryFile() as out:
        with package.file.open("rb") as source:
            info = build_index(source, package.original_name, out)  # type: ignore[arg-type]
        out.seek(0)
        name = default_storage.save(account_index_name(package), File(out))
    with transaction.atomic():
        # Kept only while the package still has its files and no other index.
        kept = AccountPackage.objects.filter(
            id=package.id, account_index="", file_deleted_at__isnull=True
        ).update(account_index=name)
        if kept:
            audit_record(
                actor=None,
                action="package.account_index_built",
                obj=package,
                data={"name": package.original_name, "accounts": info.count, "size": info.size},
            )
    if not kept:
        default_storage.delete(name)
    return bool(kept)


def account_index_sweep(*, builds: int = SWEEP_BUILDS) -> dict[str, int]:
    """Delete the indexes of packages whose files were deleted; queue missing ones.

    Run by the periodic sweep: package files are deleted by retention or by a person, and
    their index goes with them within a minute (the lookup stops reading it at once). An
    index is built for every valid package a push used, also those validated before
    indexes existed.
    """
    deleted = 0
    gone = AccountPackage.objects.filter(file_deleted_at__isnull=False).exclude(account_index="")
    for package_id, name in gone.values_list("id", "account_index"):
        default_storage.delete(name)
        AccountPackage.objects.filter(id=package_id, account_index=name).update(account_index="")
        deleted += 1
    missing = (
        AccountPackage.objects.filter(
            status=AccountPackage.Status.VALID,
            account_index="",
            file_deleted_at__isnull=True,
            id__in=Push.objects.filter(package__isnull=False).values("package_id"),
        )
        .order_by("-id")
        .values_list("id", flat=True)[:builds]
    )
    queued = 0
    with transaction.atomic():
        for package_id in missing:
            enqueue_on_commit(BUILD_ACCOUNT_INDEX, package_id)
            queued += 1
    return {"account_indexes_deleted": deleted, "account_indexes_queued": queued}


__all__ = [
    "AccountDevices",
    "BoundElsewhere",
    "GatewayProblem",
    "TodayPush",
    "TodayPushes",
    "TokenAccounts",
    "account_devices",
    "account_index_build",
    "account_index_name",
    "account_index_queue",
    "account_index_sweep",
    "pushes_to_account",
    "token_accounts",
    "token_pushes_today",
]
