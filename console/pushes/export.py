"""The pushes list as a CSV file for spreadsheets, streamed a chunk of rows at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from console.csv_stream import csv_chunks
from pushes.models import Push
from pushes.selectors import rate

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime, tzinfo

    from django.db.models import QuerySet

# Rows fetched per database round trip.
CHUNK_ROWS = 500


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


def _chunks(pushes: QuerySet[Push], wording: _Wording) -> Iterator[bytes]:
    rows = (_row(push, wording) for push in pushes.iterator(chunk_size=CHUNK_ROWS))
    return csv_chunks(wording.header, rows)


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
    return cells


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
