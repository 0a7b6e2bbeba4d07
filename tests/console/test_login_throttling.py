"""Login throttling: the client's address behind trusted proxies, lockout by username from
any address, and a cool-off that doubles with each lockout."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from console.throttle import cool_off

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _throttled(settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_MINUTES = 10


def attempt(client: Client, username: str, password: str, forwarded_for: str = "") -> int:
    headers: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    response = client.post("/login/", {"username": username, "password": password}, **headers)
    return response.status_code


def test_without_trusted_proxies_the_forwarded_address_is_ignored(
    client: Client, marketer: User
) -> None:
    attempt(client, "mia", "wrong", forwarded_for="203.0.113.7")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(
    settings: Settings, client: Client, marketer: User
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    attempt(client, "mia", "wrong", forwarded_for="203.0.113.7, 10.0.0.2")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()


def test_a_username_is_locked_out_whatever_the_address(
    settings: Settings, client: Client, marketer: User
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for n in range(3):
        attempt(client, "mia", "wrong", forwarded_for=f"203.0.113.{n + 1}, 10.0.0.2")
    # The right password from a fresh address is refused too: mia is locked out.
    assert attempt(client, "mia", PASSWORD, forwarded_for="198.51.100.9, 10.0.0.2") == 429
    assert "_auth_user_id" not in client.session


def test_each_lockout_of_a_username_doubles_the_cool_off(client: Client, marketer: User) -> None:
    request = RequestFactory().post("/login/", {"username": "mia"})
    assert cool_off(request) == timedelta(minutes=10)
    for _ in range(3):
        attempt(client, "mia", "wrong")
    assert cool_off(request) == timedelta(minutes=10)  # the first lockout: the base
    AccessAttempt.objects.all().delete()  # that cool-off is over
    for _ in range(3):
        attempt(client, "mia", "wrong")
    assert cool_off(request) == timedelta(minutes=20)
    AccessAttempt.objects.all().delete()
    for _ in range(3):
        attempt(client, "mia", "wrong")
    assert cool_off(request) == timedelta(minutes=40)
    # Another user is not slowed down by mia's lockouts.
    assert cool_off(RequestFactory().post("/login/", {"username": "rob"})) == timedelta(minutes=10)
