"""A persistent database connection whose backend was terminated does not fail a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.conftest import require

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_pages_answer_after_the_database_terminated_pooled_connections(
    live_server: object, client: Client, marketer: User
) -> None:
    require(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL)")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    # As in production (.env.example): the server's connection outlives its requests.
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        client.force_login(marketer)
        session = requests.Session()
        session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies["sessionid"].value)
        url = f"{live_server.url}{reverse('console:app-list')}"  # type: ignore[attr-defined]
        assert session.get(url, timeout=10).status_code == 200
        # The database (a failover, a pooler, an operator) ends the server's backend.
        assert _terminate_other_backends() >= 1
        answers = [session.get(url, timeout=10).status_code for _ in range(3)]
        assert answers == [200, 200, 200]
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
