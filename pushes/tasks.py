"""Celery tasks: take ids, call one service."""

from __future__ import annotations

from celery import Task, shared_task


@shared_task(bind=True, acks_late=True)
def answer_ping(self: Task, ping_id: int) -> None:
    """Prove a worker is consuming the broker: stamp the ping row."""
    from pushes.services import health_ping_answer

    health_ping_answer(ping_id=ping_id, worker=self.request.hostname or "")
