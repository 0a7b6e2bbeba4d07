"""Approving never fails because the task queue is down: the sweeper sends it later."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from django.urls import reverse
from kombu import pools

from pushes.models import Push
from pushes.services import push_submit, sweep
from tests.factories import make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from pushes.models import App

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker, dropping pooled connections."""
    from console.celery import app as celery_app

    def reset() -> None:
        # kombu keeps pools in a global registry keyed by connection: clear it too, or a
        # closed pool would be handed out again for the same URL.
        pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    old = celery_app.conf.broker_url
    reset()
    celery_app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        celery_app.conf.broker_url = old


def test_approve_with_the_broker_down_answers_and_the_sweeper_sends_it_later(
    client: Client, app: App, marketer: User, reviewer: User
) -> None:
    pending = push_submit(push=make_push(app=app, author=marketer), by=marketer)
    client.force_login(reviewer)
    with broker(f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.post(
            reverse("console:review-approve", kwargs={"code": pending.code}),
            {"content_hash": pending.content_hash},
            follow=True,
        )
        assert response.status_code == 200
        assert "task queue cannot be reached" in response.content.decode()
        pending.refresh_from_db()
        assert pending.status == Push.Status.APPROVED
        assert pending.queued_at is None  # nothing was queued
        page = client.get(reverse("console:push-detail", kwargs={"code": pending.code}))
        assert "sent as soon as the queue is back" in page.content.decode()
    # The queue is back: the next sweep queues it.
    assert sweep()["requeued"] == 1
    pending.refresh_from_db()
    assert pending.queued_at is not None
