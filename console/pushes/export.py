"""The pushes list as a CSV file for spreadsheets, streamed a chunk of rows at a time."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from pushes.models import Push
from pushes.selectors import rate

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime, tzinfo

    from django.db.models import QuerySet

# Rows fetched per database round trip, and the bytes gathered before each write out.
CHUNK_ROWS = 500
FLUSH_BYTES = 64 * 1024
# Excel reads a CSV as UTF-8 (Chinese titles) only when it starts with a byte order mark.
BOM = "\ufeff"
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text a spreadsheet could run as a formula, made plain text with a leading quote."""
    if not isinstance(value, str):
        return value
    # Some spreadsheet imports trim leading spaces first, so look past them too.
    risky = value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START)
    return "'" + value if risky else value


@dataclass(frozen=True)
class _Wording:
    """Everything translated, fixed while the request's language and time zone are active:
    the rows are written after the view has returned."""

    header: list[str]
    statuses: dict[str, str]
    targets: dict[str, str]
    zone: tzinfo


def push_csv(pushes: QuerySet[Push], *, zone: tzinfo) -> Iterator[bytes]:
    """The header and one row per push, as UTF-8 with a byte order mark."""
    wording = _Wording(
        header=[
            _("Created"),
            _("App"),
            _("Title"),
            _("Target"),
            _("Accounts"),
            _("Status"),
            _("Author"),
            _("Push ID"),
            _("Sent at"),
            _("Planned"),
            _("Sent"),
            _("Reached"),
            _("Clicked"),
            _("Cleared"),
            _("Reach rate"),
            _("Click rate"),
        ],
        statuses={value: str(label) for value, label in Push.Status.choices},
        targets={
            Push.Source.PACKAGE: _("Package"),
            Push.Target.ACCOUNT: _("One account"),
            Push.Target.PACKAGE: _("Typed list (as package)"),
            Push.Target.ACCOUNT_LIST: _("Account list"),
        },
        zone=zone,
    )
    return _chunks(pushes, wording)


class _Buffer:
    """What csv.writer writes into, handed on and emptied chunk by chunk."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts, self.size = [], 0
        return data


def _chunks(pushes: QuerySet[Push], wording: _Wording) -> Iterator[bytes]:
    buffer = _Buffer()
    buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(wording.header)
    for push in pushes.iterator(chunk_size=CHUNK_ROWS):
        writer.writerow(_row(push, wording))
        if buffer.size >= FLUSH_BYTES:
            yield buffer.take()
    yield buffer.take()


def _row(push: Push, wording: _Wording) -> list[object]:
    target_key = Push.Source.PACKAGE if push.source == Push.Source.PACKAGE else push.target
    cells: list[object] = [
        _when(push.created_at, wording.zone),
        push.app.name,
        push.title,
        wording.targets.get(target_key, ""),
        push.total_count,
        wording.statuses.get(push.status, push.status),
        push.created_by.get_username(),
        push.push_id,
        _when(push.sent_at, wording.zone),
        *_results(push),
    ]
    return [safe_cell(cell) for cell in cells]


def _results(push: Push) -> list[object]:
    """planned, sent, reached, clicked, cleared and the two rates; blanks before any."""
    # A push without results raises on access; select_related has already looked.
    results: Any = getattr(push, "results", None)
    if results is None:
        return [""] * 7
    counts = [results.planned, results.sent, results.arrived, results.clicked, results.cleared]
    reach = rate(results.arrived, results.sent)
    click = rate(results.clicked, results.arrived)
    return [*counts, _percent(reach), _percent(click)]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:g}%"


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else timezone.localtime(moment, zone).isoformat(timespec="seconds")
