"""Reachability preflight: before a push is confirmed, ask its gateway which of its accounts
have a device bound under its account type (`v3/device/account/query`).

An account push to accounts that are unbound, or bound under another account type, is
accepted by TPNS and reaches nobody. So the preview says how many would be reached:

- typed lists (up to 1,000 accounts) are checked while the page waits, in batches, within
  PREFLIGHT_TIMEOUT_SECONDS in all; the answer is cached briefly for the same accounts;
- account packages (and longer lists) are checked by a worker with a progress bar: at a
  TPNS region a uniform random sample (PREFLIGHT_SAMPLE_SIZE accounts, drawn while the file
  is streamed) gives an estimate; the local sandbox has every account checked.

A slow or failing gateway gives "not checked" with the reason, never a blocked page, and
"not checked" is not 0%: only a check that found no account reachable stops Confirm, until
the author says to send anyway (recorded on the push and in the audit log).
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pushes import permissions
from pushes.audit import audit_record
from pushes.errors import NobodyReachable
from pushes.models import Gateway, Push, ReachCheck, account_type_label
from pushes.models.reach import MAX_UNBOUND_KEPT
from pushes.packages import PackageError
from pushes.selectors.preflight import (
    batches,
    reach_check_current,
    reach_is_inline,
    reach_target_hash,
    reach_total,
    reservoir_sample,
)
from pushes.services.queue import CHECK_REACH, enqueue_on_commit
from pushes.services.steps import app_credentials
from pushes.tpns import client
from pushes.tpns.errors import CONNECT_TIMEOUT, READ_TIMEOUT, TpnsError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from django.contrib.auth.models import User

    from pushes.models import App
    from pushes.tpns.hosts import Credentials

log = logging.getLogger(__name__)

# A worker check that has not finished after this is taken to be lost (its message, or its
# worker) and is started again when someone looks.
STALE_AFTER = timedelta(minutes=20)
# A worker's result is shown again for this long before a new check starts by itself.
KEEP_WORKER_RESULT = timedelta(hours=1)
PROGRESS_EVERY_SECONDS = 0.5
S = ReachCheck.Status


@dataclass
class Tally:
    """What the gateway said about the accounts queried so far."""

    checked: int = 0
    bound: int = 0
    devices: int = 0
    unbound: list[str] = field(default_factory=list)

    def add(self, accounts: list[str], tokens: dict[str, list[str]]) -> None:
        for account in accounts:
            bound_tokens = tokens.get(account) or []
            self.checked += 1
            if bound_tokens:
                self.bound += 1
                self.devices += len(bound_tokens)
            elif len(self.unbound) < MAX_UNBOUND_KEPT:
                self.unbound.append(account)


class OutOfTime(Exception):
    """The check's time ran out between two calls."""


class _NoFile(Exception):
    """The package's file is gone (retention) or unreadable."""


# ---------------------------------------------------------------- who, when


def may_check(push: Push, user: User) -> bool:
    """Its author (preview) and the app's reviewers and admins (review)."""
    return permissions.is_author(push, user) or permissions.has_role(
        push.app, user, permissions.REVIEWERS
    )


def _require(push: Push, by: User) -> None:
    permissions.require(
        may_check(push, by), _("Only its author or a reviewer can check who a push reaches.")
    )


def reach_check_for_page(*, push: Push, by: User) -> ReachCheck | None:
    """The check the preview shows: the current one while it is fresh, else a new one.
    None while the push has no accounts to check."""
    _require(push, by)
    if not reach_total(push):
        return None
    current = reach_check_current(push)
    if current is not None and _reusable(current, push):
        return current
    return _start(push, by, use_cache=True)


def reach_check_again(*, push: Push, by: User) -> ReachCheck | None:
    """Check again now (the gateway is asked, whatever is cached), unless a check of the
    same accounts is still running."""
    _require(push, by)
    if not reach_total(push):
        return None
    current = reach_check_current(push)
    if current is not None and not current.is_finished and not _stale(current):
        return current
    return _start(push, by, use_cache=False)


def _stale(check: ReachCheck) -> bool:
    return check.created_at < timezone.now() - STALE_AFTER


def _reusable(check: ReachCheck, push: Push) -> bool:
    if not check.is_finished:
        return not _stale(check)
    if check.checked_at is None:
        return False
    age = timezone.now() - check.checked_at
    if reach_is_inline(push) or check.status == S.NOT_CHECKED:
        return age < timedelta(seconds=settings.PREFLIGHT_CACHE_SECONDS)
    return age < KEEP_WORKER_RESULT


def batch_size(app: App) -> int:
    """Accounts per query: TPNS's limit is undocumented (a setting); the sandbox is local."""
    if app.gateway == Gateway.SANDBOX:
        return max(1, settings.PREFLIGHT_SANDBOX_BATCH)
    return max(1, settings.TPNS_ACCOUNT_QUERY_BATCH)


def _start(push: Push, by: User, *, use_cache: bool) -> ReachCheck:
    total = reach_total(push)
    check = ReachCheck(
        push=push,
        target_hash=reach_target_hash(push),
        gateway=push.app.gateway,
        account_type=push.account_type,
        requested_by=by,
        total=total,
    )
    if reach_is_inline(push):
        return _run_inline(check, push, use_cache=use_cache)
    sample = max(1, settings.PREFLIGHT_SAMPLE_SIZE)
    check.exact = push.app.gateway == Gateway.SANDBOX or total <= sample
    check.sample_size = total if check.exact else sample
    check.save()
    check_id = check.pk
    enqueue_on_commit(
        CHECK_REACH,
        check_id,
        on_failure=lambda: _finish_not_checked(check_id, ReachCheck.Reason.NO_WORKER, ""),
    )
    check.refresh_from_db()  # outside a transaction the message is already queued (or not)
    return check


# ---------------------------------------------------------------- asking the gateway


def query_accounts(
    creds: Credentials,
    accounts: Iterable[str],
    account_type: int,
    *,
    batch: int,
    deadline: float | None = None,
    on_batch: Callable[[Tally], None] | None = None,
) -> Tally:
    """Ask the gateway about the accounts, `batch` at a time. With `deadline` (a monotonic
    time) every call gets only what is left of it; else each gets PREFLIGHT_TIMEOUT_SECONDS."""
    tally = Tally()
    for accounts_batch in batches(accounts, batch):
        answer = client.account_query(
            creds,
            accounts=accounts_batch,
            account_type=account_type,
            timeout=_timeout(deadline),
        )
        tally.add(accounts_batch, answer.account_tokens)
        if on_batch is not None:
            on_batch(tally)
    return tally


def _timeout(deadline: float | None) -> tuple[float, float]:
    limit = float(settings.PREFLIGHT_TIMEOUT_SECONDS)
    if deadline is not None:
        limit = deadline - time.monotonic()
        if limit <= 0:
            raise OutOfTime
    return min(float(settings.TPNS_CONNECT_TIMEOUT), limit), limit


def _cache_key(push: Push) -> str:
    # The app and its gateway, the account type and the list itself (by its hash).
    return f"pushdeck:reach:{push.app_id}:{reach_target_hash(push)}"


def _run_inline(check: ReachCheck, push: Push, *, use_cache: bool) -> ReachCheck:
    """A typed list, checked while the page waits: all of it, within the time limit."""
    check.exact = True
    check.sample_size = check.total
    check.started_at = timezone.now()
    key = _cache_key(push)
    cached = cache.get(key) if use_cache else None
    if cached is not None:
        tally = Tally(**cached)
    else:
        deadline = time.monotonic() + float(settings.PREFLIGHT_TIMEOUT_SECONDS)
        try:
            tally = query_accounts(
                app_credentials(push.app),
                push.accounts,
                push.account_type,
                batch=batch_size(push.app),
                deadline=deadline,
            )
        except (TpnsError, OutOfTime) as exc:
            check.save()
            _finish_not_checked(check.pk, *_why(exc))
            check.refresh_from_db()
            return check
        cache.set(key, asdict(tally), settings.PREFLIGHT_CACHE_SECONDS)
    check.save()
    _finish_done(check, tally)
    return check


def _why(exc: BaseException) -> tuple[str, str]:
    """The reason a check could not be made, and the technical detail to show with it."""
    if isinstance(exc, OutOfTime | SoftTimeLimitExceeded):
        return ReachCheck.Reason.TIMEOUT, ""
    if isinstance(exc, TpnsError):
        timed_out = exc.kind in (READ_TIMEOUT, CONNECT_TIMEOUT)
        return (ReachCheck.Reason.TIMEOUT if timed_out else ReachCheck.Reason.GATEWAY), str(exc)
    if isinstance(exc, _NoFile | PackageError | OSError):
        return ReachCheck.Reason.NO_FILE, str(exc)
    return ReachCheck.Reason.FAILED, type(exc).__name__


# ---------------------------------------------------------------- the worker's check


def reach_check_run(*, check_id: int) -> str:
    """Run a queued check (a package, or a long list). Safe to rerun: a check is claimed
    once; one whose worker died is taken over after STALE_AFTER."""
    check = _claim(check_id)
    if check is None:
        return "skipped"
    push = check.push
    if reach_target_hash(push) != check.target_hash:
        _finish_not_checked(check.pk, ReachCheck.Reason.CHANGED, "")
        return "changed"
    try:
        tally = _check_in_worker(check, push)
    except (TpnsError, OutOfTime, SoftTimeLimitExceeded, _NoFile, PackageError, OSError) as exc:
        _finish_not_checked(check.pk, *_why(exc))
        return "not_checked"
    except Exception as exc:
        log.exception("reach check %s failed", check_id)
        _finish_not_checked(check.pk, *_why(exc))
        return "not_checked"
    _finish_done(check, tally)
    return "done"


def _claim(check_id: int) -> ReachCheck | None:
    now = timezone.now()
    claimable = Q(status=S.QUEUED) | Q(status=S.RUNNING, started_at__lt=now - STALE_AFTER)
    claimed = ReachCheck.objects.filter(claimable, pk=check_id).update(
        status=S.RUNNING, started_at=now, read=0, checked=0, bound=0, devices=0, updated_at=now
    )
    if not claimed:
        return None
    return ReachCheck.objects.select_related("push__app", "push__package", "requested_by").get(
        pk=check_id
    )


def _check_in_worker(check: ReachCheck, push: Push) -> Tally:
    progress = _Progress(check.pk)
    creds = app_credentials(push.app)
    batch = batch_size(push.app)
    with _accounts(push) as accounts:
        if check.exact:
            return query_accounts(
                creds, accounts, check.account_type, batch=batch, on_batch=progress.queried
            )
        sample, seen = reservoir_sample(accounts, check.sample_size, progress=progress.read)
    progress.read(max(seen, check.total), now=True)
    return query_accounts(creds, sample, check.account_type, batch=batch, on_batch=progress.queried)


@contextmanager
def _accounts(push: Push) -> Iterator[Iterator[str]]:
    """The push's accounts as a stream: its typed list, or its package read from storage
    (each account once, never the whole file in memory)."""
    if push.source == Push.Source.MANUAL:
        yield iter(push.accounts)
        return
    package = push.package
    if package is None or not package.has_file:
        raise _NoFile("the account package file is no longer stored")
    # Imported here: the reader brings numpy, which most processes never need.
    from pushes.packages import iter_accounts

    with package.file.open("rb") as fileobj:
        yield iter_accounts(cast("BinaryIO", fileobj), package.original_name)


class _Progress:
    """Writes how far the check is, at most every PROGRESS_EVERY_SECONDS, for the page."""

    def __init__(self, check_id: int) -> None:
        self.check_id = check_id
        self.last = 0.0

    def _due(self, now: bool) -> bool:
        if not now and time.monotonic() - self.last < PROGRESS_EVERY_SECONDS:
            return False
        self.last = time.monotonic()
        return True

    def read(self, seen: int, now: bool = False) -> None:
        if self._due(now):
            self._save(read=seen)

    def queried(self, tally: Tally) -> None:
        if self._due(False):
            self._save(checked=tally.checked, bound=tally.bound, devices=tally.devices)

    def _save(self, **fields: Any) -> None:
        ReachCheck.objects.filter(pk=self.check_id, status=S.RUNNING).update(
            updated_at=timezone.now(), **fields
        )


# ---------------------------------------------------------------- results


def _finish_done(check: ReachCheck, tally: Tally) -> None:
    check.status = S.DONE
    check.reason, check.detail = "", ""
    check.checked, check.bound, check.devices = tally.checked, tally.bound, tally.devices
    check.unbound = tally.unbound
    check.read = max(check.read, check.total)
    check.checked_at = timezone.now()
    with transaction.atomic():
        check.save()
        _audit_checked(check)


def _finish_not_checked(check_id: int, reason: str, detail: str) -> None:
    with transaction.atomic():
        check = (
            ReachCheck.objects.select_for_update(of=("self",))
            .select_related("push__app", "requested_by")
            .filter(pk=check_id)
            .first()
        )
        if check is None or check.is_finished:
            return
        check.status = S.NOT_CHECKED
        check.reason, check.detail = reason, detail[:2000]
        check.checked = check.bound = check.devices = 0
        check.unbound = []
        check.checked_at = timezone.now()
        check.save()
        _audit_checked(check)


def _audit_checked(check: ReachCheck) -> None:
    audit_record(
        actor=check.requested_by,
        action="push.reach_checked",
        obj=check.push,
        data={
            "status": check.status,
            "reason": check.reason,
            "total": check.total,
            "checked": check.checked,
            "bound": check.bound,
            "devices": check.devices,
            "exact": check.exact,
            "account_type": check.account_type,
            "gateway": check.gateway,
        },
    )


# ---------------------------------------------------------------- Confirm


def reach_require_or_override(*, push: Push, by: User, override: bool) -> bool:
    """Called while a push is submitted. When its current check found no account
    reachable, submitting needs `override`, which is audited; True when it was needed."""
    check = reach_check_current(push)
    if check is None or not check.nobody_reachable:
        return False
    if not override:
        raise NobodyReachable(
            _(
                "No account of this push has a device bound as account type %(type)s, so it "
                "would reach nobody. Check the accounts and the account type, or confirm "
                "that you checked them and send it anyway."
            )
            % {"type": account_type_label(check.account_type)}
        )
    audit_record(
        actor=by,
        action="push.unreachable_confirmed",
        obj=push,
        data={
            "check": check.pk,
            "checked": check.checked,
            "total": check.total,
            "exact": check.exact,
            "account_type": check.account_type,
        },
    )
    return True
