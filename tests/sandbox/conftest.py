"""Sandbox fixtures: a sandbox app, a private cache and media folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from pushes.sandbox import services
from pushes.sandbox.models import SandboxApp
from tests.sandbox.helpers import ACCESS_ID, SECRET_KEY


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> None:
    # Each test starts with an empty cache of its own (the rate limits live in the database).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sandbox-tests",
        }
    }
    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    # Uploaded packages go to a temporary folder, not the project's media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def sandbox_app(db: None) -> SandboxApp:
    return services.ensure_app(access_id=ACCESS_ID, secret_key=SECRET_KEY, name="Test app")
