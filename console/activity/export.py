"""The audit log as a CSV file: each event's sentence and its raw data, streamed."""

from __future__ import annotations

import json
from itertools import islice
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from console.csv_stream import csv_chunks
from pushes import selectors

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import tzinfo

    from django.db.models import QuerySet

    from pushes.models import AuditEvent
    from pushes.selectors import AuditEntry

# Events described per round of queries.
CHUNK_ROWS = 500


def audit_csv(events: QuerySet[AuditEvent], *, language: str, zone: tzinfo) -> Iterator[bytes]:
    """The header and one row per event, as UTF-8 with a byte order mark.

    The rows are written after the view has returned, so the request's language and time
    zone are taken along and put back for each chunk.
    """
    with translation.override(language), timezone.override(zone):
        header = [
            _("Event"),
            _("Time"),
            _("Who"),
            _("App"),
            _("Action"),
            _("Event type"),
            _("What happened"),
            _("Object"),
            _("Object type"),
            _("Object ID"),
            _("Data (JSON)"),
        ]
    return _chunks(events, header, language, zone)


def _chunks(
    events: QuerySet[AuditEvent], header: list[str], language: str, zone: tzinfo
) -> Iterator[bytes]:
    return csv_chunks(header, _rows(events, language, zone))


def _rows(events: QuerySet[AuditEvent], language: str, zone: tzinfo) -> Iterator[list[object]]:
    rows = events.iterator(chunk_size=CHUNK_ROWS)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        with translation.override(language), timezone.override(zone):
            entries = selectors.audit_entries(chunk)
        for entry in entries:
            yield _row(entry, zone)


def _row(entry: AuditEntry, zone: tzinfo) -> list[object]:
    cells: list[object] = [
        entry.id,
        timezone.localtime(entry.at, zone).isoformat(timespec="seconds"),
        entry.actor or "Pushdeck",
        entry.app,
        entry.label,
        entry.action,
        entry.sentence,
        entry.object_repr,
        entry.object_type,
        entry.object_id,
        json.dumps(entry.data, ensure_ascii=False, sort_keys=True),
    ]
    return cells
