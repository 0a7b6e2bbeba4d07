"""Reads for the account lookup: the Pushdeck pushes that targeted an account.

A push targets an account through its typed list (`Push.accounts`) or its account package.
Typed lists are searched in the database: on PostgreSQL `accounts @> '["bob"]'` is a GIN index
scan (migration 0010); SQLite has no such index, so candidates are found by a LIKE over the
stored JSON and checked exactly here. Packages are never read: each valid package has a
compact index of its accounts' hashes (pushes/packages/index.py) that answers in three small
reads, and only the packages this app's pushes used are asked.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from pushes import permissions
from pushes.models import AccountPackage, Push

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.core.files.storage import Storage
    from django.db.models import QuerySet

    from pushes.models import App
    from pushes.packages.index import ReadAt

log = logging.getLogger(__name__)


@dataclass
class PackageSearch:
    """Which of the app's used packages hold the account, and which could not be asked."""

    holding: list[int] = field(default_factory=list)  # package ids
    unindexed: list[int] = field(default_factory=list)  # valid, file kept, no index yet
    files_deleted: int = 0  # their files (and indexes) were deleted: cannot be searched
    unreadable: int = 0  # an index that could not be read (storage error, damaged file)


@dataclass
class AccountPushes:
    pushes: QuerySet[Push]
    packages: PackageSearch


def require_lookup(app: App, user: AbstractBaseUser | AnonymousUser) -> None:
    permissions.require(
        permissions.can_look_up_accounts(app, user),
        _("Only members of the app can look its accounts up."),
    )


def account_pushes(
    *, app: App, user: AbstractBaseUser | AnonymousUser, account: str
) -> AccountPushes:
    """The app's pushes (drafts aside) that targeted the account, newest first."""
    require_lookup(app, user)
    account = account.strip(" \t")
    packages = packages_holding(app=app, account=account)
    typed = _typed_pushes(app, account)
    pushes = (
        Push.objects.filter(app=app)
        .exclude(status=Push.Status.DRAFT)
        .filter(typed | Q(package_id__in=packages.holding))
        .select_related("created_by", "package")
        .order_by("-created_at", "-id")
    )
    return AccountPushes(pushes=pushes, packages=packages)


def _typed_pushes(app: App, account: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(accounts__contains=[account])
    # JSONField has no `contains` on SQLite: a LIKE over the stored JSON narrows the
    # candidates (case-insensitively, so too many), then each list is checked exactly.
    candidates = (
        Push.objects.filter(app=app)
        .exclude(status=Push.Status.DRAFT)
        .annotate(stored=Cast("accounts", CharField()))
        .filter(stored__contains=json.dumps(account))
        .values_list("id", "accounts")
    )
    return Q(id__in=[push_id for push_id, accounts in candidates if account in accounts])


def used_packages(app: App) -> QuerySet[AccountPackage]:
    """The packages this app's pushes (drafts aside) were sent or are to be sent with."""
    used = Push.objects.filter(app=app, package__isnull=False).exclude(status=Push.Status.DRAFT)
    return AccountPackage.objects.filter(app=app, id__in=used.values("package_id"))


def packages_holding(*, app: App, account: str) -> PackageSearch:
    """Ask the index of every package the app's pushes used whether it holds the account."""
    found = PackageSearch()
    rows = used_packages(app).values_list("id", "status", "account_index", "file_deleted_at")
    for package_id, status, index_name, deleted_at in rows:
        if deleted_at is not None:
            found.files_deleted += 1
        elif not index_name:
            if status == AccountPackage.Status.VALID:
                found.unindexed.append(package_id)
        else:
            held = index_contains(default_storage, index_name, account)
            if held is None:
                found.unreadable += 1
            elif held:
                found.holding.append(package_id)
    return found


def index_contains(storage: Storage, name: str, account: str) -> bool | None:
    """Whether the index file holds the account; None when it cannot be read."""
    from pushes.packages import index  # numpy, loaded by the first lookup

    try:
        bucket = getattr(storage, "bucket", None)
        if bucket is not None:
            return index.contains(_ranged_reader(storage, bucket, name), account)
        with storage.open(name, "rb") as stored:
            return index.contains(index.file_reader(stored), account)  # type: ignore[arg-type]
    except Exception:  # storage errors differ by backend (OSError, botocore's ClientError…)
        log.warning("account index %s could not be read", name, exc_info=True)
        return None


def _ranged_reader(storage: Storage, bucket: Any, name: str) -> ReadAt:
    """Byte ranges of an object on S3. django-storages' S3 file downloads the whole object
    on its first read, so each read here is a ranged GET of its own."""
    key = storage._normalize_name(name)  # type: ignore[attr-defined]

    def read_range(offset: int, size: int) -> bytes:
        answer = bucket.Object(key).get(Range=f"bytes={offset}-{offset + size - 1}")
        return bytes(answer["Body"].read())

    return read_range


def pushes_by_gateway_id(*, app: App, push_ids: Iterable[str]) -> dict[str, Push]:
    """This app's pushes by their TPNS push_id (a push of another app is never matched)."""
    wanted = [push_id for push_id in push_ids if push_id]
    if not wanted:
        return {}
    pushes = Push.objects.filter(app=app, push_id__in=wanted).only(
        "id", "code", "title", "status", "push_id", "sent_at", "app_id"
    )
    return {push.push_id: push for push in pushes}
