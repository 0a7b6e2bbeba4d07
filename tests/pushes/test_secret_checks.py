"""A SecretKey that the configured FERNET_KEYS cannot decrypt is reported and never sends."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from pushes.checks import SECRETS_TAG
from pushes.models import Push
from pushes.services import push_approve, push_deliver, push_submit
from tests.factories import AppFactory, make_push

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django.fixtures import Settings

    from pushes.models import App

pytestmark = pytest.mark.django_db


def lose_the_key(settings: Settings) -> None:
    """The key the secrets were encrypted with is gone from FERNET_KEYS."""
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]


def test_the_check_names_the_apps_whose_secret_does_not_decrypt(settings: Settings) -> None:
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]
    broken = cast("App", AppFactory(name="Old Shop"))
    assert run_checks(tags=[SECRETS_TAG]) == []
    lose_the_key(settings)
    AppFactory(name="New Shop")  # encrypted with the current key: fine
    problems = run_checks(tags=[SECRETS_TAG])
    assert [p.id for p in problems] == ["pushes.E001"]
    assert "“Old Shop”" in problems[0].msg and "New Shop" not in problems[0].msg
    with pytest.raises(SystemCheckError, match="Old Shop"):
        call_command("check")
    assert broken.pk


def test_a_push_whose_secret_does_not_decrypt_fails_at_once(
    settings: Settings, app: App, marketer: User, reviewer: User
) -> None:
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]
    app.secret_key = "a-secret-key-of-the-app"
    app.save()
    push = push_approve(
        push=push_submit(push=make_push(app=app, author=marketer), by=marketer), by=reviewer
    )
    lose_the_key(settings)
    push_deliver(push_id=push.id)
    push.refresh_from_db()
    assert push.status == Push.Status.FAILED
    assert "cannot be decrypted" in push.err_msg and "Nothing was sent" in push.err_msg
    assert push.attempts.count() == 0
