"""Shared fixtures: personas around one app, and a rule for missing services.

Locally a test that needs a missing service or browser skips; under CI=true it fails.
"""

from __future__ import annotations

import os

import pytest
from pytest_django.fixtures import Settings
from django.contrib.auth.models import User

from pushes.models import App, Role
from tests.factories import AppFactory, MembershipFactory, UserFactory

IN_CI = os.getenv("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when something a test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def app(db: None) -> App:
    return AppFactory(name="Demo Shop")


@pytest.fixture
def marketer(app: App) -> User:
    return MembershipFactory(app=app, user=UserFactory(username="mia"), role=Role.MARKETER).user


@pytest.fixture
def reviewer(app: App) -> User:
    return MembershipFactory(app=app, user=UserFactory(username="rob"), role=Role.REVIEWER).user


@pytest.fixture
def app_admin(app: App) -> User:
    return MembershipFactory(app=app, user=UserFactory(username="ada"), role=Role.ADMIN).user


@pytest.fixture
def stranger(db: None) -> User:
    """A marketer of another app."""
    return MembershipFactory(user=UserFactory(username="sam"), role=Role.MARKETER).user


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(username="root", is_staff=True)
