"""System checks of the push domain, run by `manage.py check` and at web and worker start-up.

Losing the old key of FERNET_KEYS fails silently otherwise: pages work, and only sending
shows that an app's SecretKey is unreadable.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError

from pushes.crypto import SecretDecryptionError, decrypt
from pushes.models import App

log = logging.getLogger(__name__)

SECRETS_TAG = "pushdeck_secrets"


@register(SECRETS_TAG)
def check_secrets_decrypt(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every stored SecretKey decrypts with the configured FERNET_KEYS."""
    try:
        apps = list(App.objects.only("id", "name", "secret_key_encrypted"))
    except DatabaseError:
        return []  # no database or no tables yet (before migrate): nothing stored to check
    broken = []
    for app in apps:
        try:
            decrypt(app.secret_key_encrypted)
        except SecretDecryptionError:
            broken.append(app.name)
    if not broken:
        return []
    return [
        Error(
            "The SecretKey of "
            + ", ".join(f"“{name}”" for name in broken)
            + " cannot be decrypted with FERNET_KEYS; their pushes fail until it can.",
            hint="Put the old key back in FERNET_KEYS (after the new one), or enter the "
            "SecretKey of each app again.",
            id="pushes.E001",
        )
    ]


def log_secret_problems() -> int:
    """At start-up of the web server and each worker: say it loudly, keep running."""
    from django.core.checks import run_checks

    problems = run_checks(tags=[SECRETS_TAG])
    for problem in problems:
        log.error("%s (%s) %s", problem.msg, problem.id, problem.hint or "")
    return len(problems)
