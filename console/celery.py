"""The Celery application; configuration comes from Django settings (CELERY_*)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("pushdeck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _check_secrets(**_: object) -> None:
    """A worker that cannot read an app's SecretKey says so when it starts."""
    from pushes.checks import log_secret_problems

    log_secret_problems()
