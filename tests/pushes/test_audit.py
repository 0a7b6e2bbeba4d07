from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes.audit import GENESIS, audit_record, verify_chain
from pushes.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

pytestmark = pytest.mark.django_db


def test_events_chain_onto_each_other(app: App, staff: User) -> None:
    first = audit_record(actor=staff, action="app.paused", obj=app)
    second = audit_record(actor=None, action="app.resumed", obj=app, data={"why": "test"})
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert second.actor_name == "" and first.actor_name == "root"
    assert verify_chain() is None


def test_tampering_with_data_is_detected(app: App, staff: User) -> None:
    audit_record(actor=staff, action="app.paused", obj=app)
    victim = audit_record(actor=staff, action="member.added", obj=app, data={"role": "reviewer"})
    audit_record(actor=staff, action="app.resumed", obj=app)
    AuditEvent.objects.filter(pk=victim.pk).update(data={"role": "admin"})
    assert verify_chain() == victim.pk


def test_deleting_an_event_breaks_the_chain(app: App, staff: User) -> None:
    audit_record(actor=staff, action="app.paused", obj=app)
    middle = audit_record(actor=staff, action="app.resumed", obj=app)
    last = audit_record(actor=staff, action="app.paused", obj=app)
    AuditEvent.objects.filter(pk=middle.pk).delete()  # bypasses the model guard, as SQL would
    assert verify_chain() == last.pk


def test_events_cannot_be_edited_or_deleted_through_the_model(app: App, staff: User) -> None:
    event = audit_record(actor=staff, action="app.paused", obj=app)
    event.action = "app.resumed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_two_events_cannot_share_a_tail(app: App, staff: User) -> None:
    from django.db import IntegrityError, transaction

    first = audit_record(actor=staff, action="app.paused", obj=app)
    fork = AuditEvent(
        created_at=first.created_at,
        action="x",
        object_type="pushes.app",
        object_id="1",
        prev_hash=first.prev_hash,
        hash="f" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()
