from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.db import connection

from pushes import services
from pushes.models import HealthPing
from tests.conftest import IN_CI
from tests.integration.conftest import wait_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.integration.conftest import Worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_answers_a_ping_through_the_broker(
    worker_factory: Callable[..., Worker],
) -> None:
    worker_factory()
    ping = services.health_ping_create()

    def answered() -> HealthPing | None:
        ping.refresh_from_db()
        return ping if ping.answered_at else None

    wait_for(answered)
    assert ping.worker.startswith("test-")
    assert ping.answered_at is not None
    assert ping.answered_at >= ping.created_at


def test_ci_runs_against_postgresql_and_redis() -> None:
    if not IN_CI:
        pytest.skip("local runs may use the embedded defaults")
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert os.environ["REDIS_URL"] == settings.REDIS_URL


def test_ping_worker_command_reports_the_round_trip(
    worker_factory: Callable[..., Worker],
) -> None:
    import io

    from django.core.management import call_command

    worker_factory()
    out = io.StringIO()
    call_command("ping_worker", "--timeout", "20", stdout=out)
    assert out.getvalue().startswith("answered by test-")
