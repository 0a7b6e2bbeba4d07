"""Turning one sandbox push into Delivery rows, fast enough for multi-million-account packages.

Accounts are streamed in chunks; bindings are looked up per chunk with `account__in`, or — when
the app has few bindings of that account type, the usual case for a sandbox — loaded once into a
dict, so a 5,000,000-account package whose accounts are mostly unbound costs one pass over the
file. Unbound accounts are only counted, never collected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, BinaryIO, cast

from django.utils import timezone

from pushes.sandbox.engagement import Drawer, Model
from pushes.sandbox.models import AccountBinding, Delivery, Device
from pushes.sandbox.validation import dedupe

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from pushes.sandbox.models import SandboxPush

CHUNK_SIZE = 5000
# Below this many bindings (of one app and account type) they are held in memory.
IN_MEMORY_BINDINGS_LIMIT = 200_000
TITLE_MAX_CHARS = 500


@dataclass
class Counts:
    targeted: int = 0
    delivered: int = 0
    unbound: int = 0


def message_text(message: dict[str, object]) -> tuple[str, str]:
    """(title, content) as a device would show them; iOS may carry them in aps.alert only."""
    title, content = message.get("title"), message.get("content")
    alert: object = {}
    ios = message.get("ios")
    if isinstance(ios, dict) and isinstance(ios.get("aps"), dict):
        alert = ios["aps"].get("alert") or {}
    if isinstance(alert, dict):
        title = title or alert.get("title")
        content = content or alert.get("body")
    return str(title or "")[:TITLE_MAX_CHARS], str(content or "")


def chunks(values: Iterable[str], size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def deliver(push: SandboxPush, *, now: datetime | None = None) -> Counts:
    """Create the push's deliveries and store its counts. Call inside a transaction.

    An unsaved push is inserted only when its first deliveries are written (or at the end), so
    on SQLite the write lock is not held while a large package is read.
    """
    now = now or timezone.now()
    writer = _Writer(push, now=now)
    audience = push.audience_type
    if audience in {"account", "account_list", "package_account_push"}:
        counts = _deliver_to_accounts(push, _account_targets(push), writer)
    elif audience in {"token", "token_list", "package_token_push"}:
        counts = _deliver_to_tokens(push, _token_targets(push), writer)
    elif audience == "all":
        counts = _deliver_to_all(push, writer)
    else:  # tag: the sandbox keeps no tags, so a tag push reaches nobody.
        counts = Counts()
    writer.flush()
    push.targeted, push.delivered, push.unbound = counts.targeted, counts.delivered, counts.unbound
    push.delivered_at = now
    if push.pk is None:
        push.insert_with_new_push_id()
    else:
        push.save(update_fields=["targeted", "delivered", "unbound", "delivered_at"])
    return counts


class _Writer:
    def __init__(self, push: SandboxPush, *, now: datetime) -> None:
        self.push = push
        self.now = now
        self.title, self.content = message_text(push.request.get("message") or {})
        self.drawer = Drawer(Model.of(push.app), now=now)
        self.pending: list[Delivery] = []

    def add(self, device_id: int, account: str = "") -> None:
        outcome = self.drawer.draw()
        self.pending.append(
            Delivery(
                push=self.push,
                device_id=device_id,
                account=account,
                title=self.title,
                content=self.content,
                delivered_at=self.now,
                arrived_at=outcome.arrived_at,
                clicked_at=outcome.clicked_at,
                cleared_at=outcome.cleared_at,
            )
        )
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        if self.push.pk is None:
            self.push.insert_with_new_push_id()
            for item in self.pending:
                item.push = self.push  # refresh the cached push_id on each row
        Delivery.objects.bulk_create(self.pending, batch_size=1000)
        self.pending = []


def _account_targets(push: SandboxPush) -> Iterator[str]:
    if push.audience_type == "package_account_push":
        yield from _package_entries(push)
        return
    accounts = [a for a in push.request.get("account_list") or [] if isinstance(a, str)]
    yield from dedupe(accounts[:1] if push.audience_type == "account" else accounts)


def _token_targets(push: SandboxPush) -> Iterator[str]:
    if push.audience_type == "package_token_push":
        yield from _package_entries(push)
        return
    tokens = [t for t in push.request.get("token_list") or [] if isinstance(t, str)]
    yield from dedupe(tokens[:1] if push.audience_type == "token" else tokens)


def _package_entries(push: SandboxPush) -> Iterator[str]:
    from pushes.packages import iter_accounts

    upload = push.upload
    if upload is None or not upload.file.name:  # deleted after the push was scheduled
        return
    with upload.file.storage.open(upload.file.name, "rb") as fileobj:
        yield from iter_accounts(cast("BinaryIO", fileobj), upload.filename, detect_header=False)


def _deliver_to_accounts(push: SandboxPush, accounts: Iterable[str], writer: _Writer) -> Counts:
    counts = Counts()
    lookup = _binding_lookup(push)
    all_devices = push.account_push_type == 1
    for chunk in chunks(accounts):
        found = lookup(chunk)
        counts.targeted += len(chunk)
        counts.unbound += len(chunk) - len(found)
        for account, device_ids in found.items():
            for device_id in device_ids if all_devices else device_ids[:1]:
                writer.add(device_id, account)
                counts.delivered += 1
    return counts


def _binding_lookup(push: SandboxPush) -> Callable[[list[str]], dict[str, list[int]]]:
    """account → its device ids, newest binding first, for the accounts of one chunk."""
    bindings = AccountBinding.objects.filter(
        app_id=push.app_id, account_type=push.account_type
    ).order_by("account", "-bound_at", "-id")
    is_package = push.audience_type == "package_account_push"
    if is_package and bindings.count() <= IN_MEMORY_BINDINGS_LIMIT:
        index: dict[str, list[int]] = {}
        for account, device_id in bindings.values_list("account", "device_id").iterator(
            chunk_size=CHUNK_SIZE
        ):
            index.setdefault(account, []).append(device_id)
        return lambda chunk: {a: index[a] for a in chunk if a in index}

    def query(chunk: list[str]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for account, device_id in bindings.filter(account__in=chunk).values_list(
            "account", "device_id"
        ):
            found.setdefault(account, []).append(device_id)
        return found

    return query


def _deliver_to_tokens(push: SandboxPush, tokens: Iterable[str], writer: _Writer) -> Counts:
    counts = Counts()
    devices = Device.objects.filter(app_id=push.app_id)
    for chunk in chunks(tokens):
        found = dict(devices.filter(token__in=chunk).values_list("token", "id"))
        counts.targeted += len(chunk)
        counts.unbound += len(chunk) - len(found)
        for device_id in found.values():
            writer.add(device_id)
            counts.delivered += 1
    return counts


def _deliver_to_all(push: SandboxPush, writer: _Writer) -> Counts:
    counts = Counts()
    device_ids = Device.objects.filter(app_id=push.app_id).values_list("id", flat=True)
    for device_id in device_ids.iterator(chunk_size=CHUNK_SIZE):
        writer.add(device_id)
        counts.targeted += 1
        counts.delivered += 1
    return counts
