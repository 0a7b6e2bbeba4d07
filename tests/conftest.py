"""Shared fixtures: personas around one app, and a rule for missing services.

Locally a test that needs a missing service or browser skips; under CI=true it fails.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings

from pushes.models import App, Membership, Role
from tests.factories import AppFactory, MembershipFactory, UserFactory

if TYPE_CHECKING:
    from pushes.sandbox.models import SandboxPush

IN_CI = os.getenv("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when something a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


TEST_QUEUE = f"pushdeck-tests-{os.getpid()}"


@pytest.fixture(autouse=True, scope="session")
def _private_task_queue() -> Iterator[None]:
    """Tasks queued by tests go to a queue of this run, emptied at the end, so no other
    worker (say, one of `make run`) picks up work that names this run's rows."""
    from console.celery import app as celery_app

    celery_app.conf.task_default_queue = TEST_QUEUE
    celery_app.amqp.__dict__.pop("queues", None)
    celery_app.amqp.__dict__.pop("router", None)
    yield
    with celery_app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_purge(TEST_QUEUE)


@pytest.fixture(autouse=True, scope="session")
def _compiled_catalogs() -> None:
    """The message catalogs as `make install` compiles them, so a bare `pytest` on a fresh
    checkout (no .mo files, perhaps no gettext) renders zh-hans too."""
    from console.catalogs import compile_stale

    compiled = compile_stale()
    if compiled:
        from django.utils.translation.reloader import translation_file_changed

        # Catalogs loaded before these were compiled would hide them: forget them, as
        # runserver does when a .mo file changes.
        translation_file_changed(sender=None, file_path=compiled[0])


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language and time zone: a request in zh-hans (the
    middleware activates the reader's language in this thread) must not leak into the next
    test's direct calls."""
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def app(db: None) -> App:
    return cast(App, AppFactory(name="Demo Shop"))


@pytest.fixture
def marketer(app: App) -> User:
    return cast(
        Membership, MembershipFactory(app=app, user=UserFactory(username="mia"), role=Role.MARKETER)
    ).user


@pytest.fixture
def reviewer(app: App) -> User:
    return cast(
        Membership, MembershipFactory(app=app, user=UserFactory(username="rob"), role=Role.REVIEWER)
    ).user


@pytest.fixture
def app_admin(app: App) -> User:
    return cast(
        Membership, MembershipFactory(app=app, user=UserFactory(username="ada"), role=Role.ADMIN)
    ).user


@pytest.fixture
def stranger(db: None) -> User:
    """A marketer of another app."""
    return cast(
        Membership, MembershipFactory(user=UserFactory(username="sam"), role=Role.MARKETER)
    ).user


@pytest.fixture
def staff(db: None) -> User:
    return cast(User, UserFactory(username="root", is_staff=True))


@pytest.fixture
def private_cache(settings: Settings) -> None:
    """An empty cache of this test's own."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }
    cache.clear()


@dataclass
class Gateway:
    """The built-in sandbox, served over real HTTP by pytest-django's live server."""

    url: str
    app: App

    def bind(self, *accounts: str, devices: int = 1, account_type: int = 0) -> None:
        from pushes.sandbox import services as sandbox

        sandbox_app = sandbox.ensure_app(
            access_id=self.app.access_id, secret_key=self.app.secret_key, name=self.app.name
        )
        for account in accounts:
            for n in range(devices):
                device = sandbox.register_device(app=sandbox_app, label=f"{account} {n}")
                sandbox.bind(
                    app=sandbox_app, account=account, account_type=account_type, device=device
                )

    def fault(self, endpoint: str, action: str, **kwargs: Any) -> None:
        from pushes.sandbox.services import add_fault

        add_fault(self.app, endpoint, action, **kwargs)

    def pushes(self) -> list[SandboxPush]:
        from pushes.sandbox.models import SandboxPush

        return list(SandboxPush.objects.filter(app__access_id=self.app.access_id).order_by("id"))

    def deliveries(self) -> list[tuple[str, str]]:
        from pushes.sandbox.models import Delivery

        rows = Delivery.objects.filter(push__app__access_id=self.app.access_id)
        return sorted(rows.values_list("account", "title"))


@pytest.fixture
def gateway(
    live_server: object, settings: Settings, app: App, private_cache: None, tmp_path: Path
) -> Gateway:
    from pushes.sandbox import services as sandbox

    settings.TPNS_SANDBOX_BASE_URL = f"{live_server.url}/sandbox"  # type: ignore[attr-defined]
    settings.SANDBOX_FAULTS_ENABLED = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sandbox.ensure_app(access_id=app.access_id, secret_key=app.secret_key, name=app.name)
    return Gateway(url=settings.TPNS_SANDBOX_BASE_URL, app=app)
