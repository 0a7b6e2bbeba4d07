"""The push state machine: one table, one move, one audit event per move."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pushes import lifecycle
from pushes.errors import WrongState
from pushes.models import AuditEvent, Push
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pushes.models import App

pytestmark = pytest.mark.django_db

S = Push.Status


def test_every_status_has_a_row_and_finished_ones_lead_nowhere() -> None:
    assert set(lifecycle.TRANSITIONS) == set(S.values)
    assert lifecycle.TRANSITIONS[S.FAILED] == frozenset()
    assert lifecycle.TRANSITIONS[S.CANCELLED] == frozenset()


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        (S.DRAFT, S.APPROVED),  # never without review
        (S.PENDING_REVIEW, S.SENT),
        (S.IN_DOUBT, S.SENDING),  # an in-doubt push is never resent by a worker
        (S.SENT, S.APPROVED),
        (S.FAILED, S.APPROVED),
    ],
)
def test_moves_the_table_does_not_allow_are_refused(
    app: App, marketer: User, frm: str, to: str
) -> None:
    push = make_push(app=app, author=marketer)
    Push.objects.filter(id=push.id).update(status=frm)
    push.refresh_from_db()
    with pytest.raises(WrongState):
        lifecycle.move(push, frm, to)
    assert Push.objects.get(id=push.id).status == frm


def test_a_move_is_conditional_and_audited_once(app: App, marketer: User) -> None:
    push = make_push(app=app, author=marketer)
    stale = Push.objects.get(id=push.id)
    assert lifecycle.move(push, S.DRAFT, S.CANCELLED, actor=marketer) is True
    assert lifecycle.move(stale, S.DRAFT, S.CANCELLED, actor=marketer) is False  # lost the race
    events = AuditEvent.objects.filter(action="push.cancelled", object_id=str(push.pk))
    assert events.count() == 1
    assert events.get().data == {"from": "draft"}


def test_every_task_services_queue_by_name_is_registered() -> None:
    from console.celery import app as celery_app
    from pushes.services import queue

    celery_app.loader.import_default_modules()
    assert set(queue.TASKS) <= set(celery_app.tasks)
