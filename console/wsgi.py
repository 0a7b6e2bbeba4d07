from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
application = get_wsgi_application()

from pushes.checks import log_secret_problems  # noqa: E402  (needs the apps loaded)

log_secret_problems()
