"""Personas of another app, for the access tests of the console."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.models import User

from pushes.models import App, Role
from tests.factories import AppFactory, MembershipFactory, UserFactory


@pytest.fixture
def other_app(db: None) -> App:
    return cast("App", AppFactory(name="Other Shop"))


@pytest.fixture
def other_admin(other_app: App) -> User:
    """An admin of another app: every role check passes on that app, none on this one."""
    membership = MembershipFactory(
        app=other_app, user=UserFactory(username="oscar"), role=Role.ADMIN
    )
    return cast("User", membership.user)
