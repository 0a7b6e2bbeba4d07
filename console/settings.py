"""Pushdeck settings.

Embedded defaults need no server (SQLite, filesystem storage, kombu's filesystem broker).
Environment variables switch on the real services; every one is listed in `.env.example`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("PUSHDECK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.getenv(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.getenv(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_int_list(name: str, default: list[int]) -> list[int]:
    items = env_list(name, [str(n) for n in default])
    try:
        values = [int(item) for item in items]
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be comma-separated integers, got {os.getenv(name)!r}"
        ) from exc
    if not values or min(values) < 0:
        raise ImproperlyConfigured(f"{name} must list at least one number of seconds >= 0")
    return values


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.getenv(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Secure by default: off unless asked for. `make run` and `make test` set DEBUG=1.
DEBUG = env_bool("DEBUG", False)
_PRODUCTION_HINT = " (DEBUG is off unless DEBUG=1; see .env.example)"

_DEV_SECRET_KEY = "pushdeck-local-development-only-key-8c1f6b0e5d2a4f79b3e6c9a1d7f0e2b4"
SECRET_KEY = os.getenv("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0" + _PRODUCTION_HINT)

# Fernet keys for secrets at rest (App.secret_key). The first encrypts; all decrypt,
# so a new key is rotated in by putting it first. Locally one is derived from SECRET_KEY.
FERNET_KEYS = env_list("FERNET_KEYS", [])
if not FERNET_KEYS and not DEBUG:
    raise ImproperlyConfigured("FERNET_KEYS must be set when DEBUG=0" + _PRODUCTION_HINT)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0" + _PRODUCTION_HINT)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "pushes",
    "pushes.sandbox",
    "console.app_config.ConsoleConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, so static files (an SVG opened on its own) get the headers too.
    "csp.middleware.CSPMiddleware",
    "console.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the browser (Accept-Language) or the language cookie; a signed-in
    # person's stored choice wins below, once the user is known.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "console.middleware.UserPreferenceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.navigation",
            ],
        },
    },
]

# A server database keeps each thread's connection for a minute (a new PostgreSQL connection
# costs more than most pages' queries); SQLite opens its file for nothing.
_SERVER_DATABASE = os.getenv("DATABASE_URL", "").startswith(("postgres", "mysql"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if _SERVER_DATABASE else 0),
        # A persistent connection whose backend was terminated is replaced at the start of
        # the next request instead of failing it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share the file: take the write lock when a transaction starts
    # (a deferred one fails at once when it must upgrade), wait for it, and let readers
    # proceed while one process writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The list indexes carry the app as a non-key column for PostgreSQL's index-only counts;
# SQLite ignores that column by design, which is no reason for every command to warn.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:app-list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = "console.throttle.cool_off"  # doubles with each lockout of a username
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# English and Simplified Chinese: from the browser's Accept-Language, or the person's own
# choice (stored on their profile, console/middleware.py). Catalogs are compiled from
# locale/*/LC_MESSAGES/*.po by `python -m console.catalogs` (make install), no gettext needed.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Counts read 20,001 in both languages (console/formats/ gives zh-hans the separator that
# Django leaves out); identifiers such as push_id or ret_code are shown with |unlocalize.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["console.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

S3_BUCKET = os.getenv("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.getenv("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.getenv("AWS_S3_REGION_NAME") or None
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": S3_BUCKET, "file_overwrite": False, "location": "pushdeck"},
    }
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads of account packages (≤100 MB) stream to a temporary file, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = os.getenv("FILE_UPLOAD_TEMP_DIR") or None

# Celery: JSON only, tasks take ids. Without REDIS_URL kombu's filesystem transport
# carries messages between the web process and a real worker process.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
_BROKER_DIR = VAR_DIR / "broker"
if not REDIS_URL:
    for folder in ("queue", "processed", "control"):
        (_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Well above the hard time limit, so Redis redelivers only tasks whose worker died.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Delivery uploads up to 100 MB to TPNS (read timeout TPNS_UPLOAD_READ_TIMEOUT), so its
# task gets longer limits; both stay far below the broker's visibility timeout.
PUSH_TASK_SOFT_TIME_LIMIT = 300
PUSH_TASK_TIME_LIMIT = 330
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = os.getenv("CELERY_QUEUE", "celery")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sweep": {"task": "pushes.tasks.sweep", "schedule": 60.0},
    # Scheduled pushes go out within seconds of their time; due in-doubt lookups start.
    "dispatch": {"task": "pushes.tasks.dispatch", "schedule": 2.0},
    "package-retention": {"task": "pushes.tasks.apply_package_retention", "schedule": 3600.0},
    "sandbox-scheduled": {"task": "pushes.sandbox.tasks.deliver_due_scheduled", "schedule": 15.0},
}
# An approved push whose task has not claimed it within this time is queued again
# (claims make duplicates harmless); `sending` older than this became `in_doubt`.
PUSH_REQUEUE_AFTER_SECONDS = env_int("PUSH_REQUEUE_AFTER_SECONDS", 120)
PUSH_STALE_AFTER_SECONDS = env_int("PUSH_STALE_AFTER_SECONDS", PUSH_TASK_TIME_LIMIT + 30)
PUSH_MAX_RETRIES = env_int("PUSH_MAX_RETRIES", 5)
PUSH_RETRY_BACKOFF_SECONDS = env_int("PUSH_RETRY_BACKOFF_SECONDS", 10)
PUSH_RETRY_BACKOFF_MAX_SECONDS = env_int("PUSH_RETRY_BACKOFF_MAX_SECONDS", 600)
# In-doubt pushes: when to look them up in the gateway's push records (the last step
# repeats until the records are a month old), how long after the call a complete scan
# proves a push absent, and how recent a finished lookup must be for a person to resend.
PUSH_LOOKUP_BACKOFF_SECONDS = env_int_list(
    "PUSH_LOOKUP_BACKOFF_SECONDS", [30, 120, 600, 3600, 21600]
)
# Delivery results: refreshed this many seconds after sending, then every PUSH_RESULTS_EVERY
# seconds until PUSH_RESULTS_FOLLOW seconds after sending, when they are frozen.
PUSH_RESULTS_SCHEDULE_SECONDS = env_int_list("PUSH_RESULTS_SCHEDULE_SECONDS", [60, 300, 900, 3600])
PUSH_RESULTS_EVERY_SECONDS = env_int("PUSH_RESULTS_EVERY_SECONDS", 6 * 3600)
PUSH_RESULTS_FOLLOW_SECONDS = env_int("PUSH_RESULTS_FOLLOW_SECONDS", 72 * 3600)
# The Refresh button works at most this often per push.
PUSH_RESULTS_MANUAL_MIN_SECONDS = env_int("PUSH_RESULTS_MANUAL_MIN_SECONDS", 60)
PUSH_LOOKUP_SETTLE_SECONDS = env_int("PUSH_LOOKUP_SETTLE_SECONDS", 600)
PUSH_LOOKUP_FRESH_SECONDS = env_int("PUSH_LOOKUP_FRESH_SECONDS", 600)
# TPNS: statistics calls (get_push_record among them) per app and hour.
TPNS_STATISTICS_CALLS_PER_HOUR = env_int("TPNS_STATISTICS_CALLS_PER_HOUR", 200)

# TPNS. The sandbox gateway lives in this same Django project under /sandbox/;
# workers reach it over HTTP at this base URL.
TPNS_SANDBOX_BASE_URL = os.getenv("TPNS_SANDBOX_BASE_URL", "http://127.0.0.1:8000/sandbox")
TPNS_CONNECT_TIMEOUT = float(os.getenv("TPNS_CONNECT_TIMEOUT", "3.05"))
TPNS_READ_TIMEOUT = float(os.getenv("TPNS_READ_TIMEOUT", "15"))
TPNS_UPLOAD_READ_TIMEOUT = float(os.getenv("TPNS_UPLOAD_READ_TIMEOUT", "120"))
SANDBOX_CLOCK_SKEW_SECONDS = env_int("SANDBOX_CLOCK_SKEW_SECONDS", 600)
# HTTP status of the sandbox's auth failures: 200 with ret_code 1008003 (the documented
# default), or 403 as some TPNS hosts answer.
SANDBOX_AUTH_FAILURE_STATUS = env_int("SANDBOX_AUTH_FAILURE_STATUS", 200)
# Fault injection on the sandbox (tests and demos of failure handling); off in production.
SANDBOX_FAULTS_ENABLED = env_bool("SANDBOX_FAULTS_ENABLED", DEBUG)
# Django's own admin at /django-admin/ (staff only); production may turn it off.
DJANGO_ADMIN_ENABLED = env_bool("DJANGO_ADMIN_ENABLED", True)
# The sandbox (its /sandbox/v3 API and the console's Sandbox inbox) is served only when
# enabled: by default in development, in production only on purpose.
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG)
# Failed sandbox authentications allowed per AccessID and client address in a window;
# past that the pair is refused (1008028) until the window ends. 0 turns this off.
SANDBOX_AUTH_FAILURE_LIMIT = env_int("SANDBOX_AUTH_FAILURE_LIMIT", 10)
SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = env_int("SANDBOX_AUTH_FAILURE_WINDOW_SECONDS", 60)
# The sandbox's own hourly limit on statistics calls per app, as TPNS's (tpns-api.md §10).
SANDBOX_STATISTICS_CALLS_PER_HOUR = env_int("SANDBOX_STATISTICS_CALLS_PER_HOUR", 200)
# Push plans an app may create a day (add_plan_push), as TPNS's.
SANDBOX_PLANS_PER_DAY = env_int("SANDBOX_PLANS_PER_DAY", 200)

# Reachability preflight (device/account/query before Confirm). TPNS does not document how
# many accounts one query may name: this many per call to a TPNS region; the sandbox, local,
# takes up to 1,000 a call.
TPNS_ACCOUNT_QUERY_BATCH = env_int("TPNS_ACCOUNT_QUERY_BATCH", 100)
PREFLIGHT_SANDBOX_BATCH = env_int("PREFLIGHT_SANDBOX_BATCH", 1000)
# Seconds the whole check of typed accounts may take while the page waits (each call in a
# worker gets as long); past it the page says "not checked" and the author goes on.
PREFLIGHT_TIMEOUT_SECONDS = float(os.getenv("PREFLIGHT_TIMEOUT_SECONDS", "3"))
# Accounts drawn at random from an account package to estimate its reach (TPNS gateways).
PREFLIGHT_SAMPLE_SIZE = env_int("PREFLIGHT_SAMPLE_SIZE", 1000)
# How long a check of the same accounts is reused before the gateway is asked again.
PREFLIGHT_CACHE_SECONDS = env_int("PREFLIGHT_CACHE_SECONDS", 60)

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "pushdeck@localhost")
# E-mail people what the console's notification list tells them.
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", False)
PUSHDECK_BASE_URL = os.getenv("PUSHDECK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Reverse proxies in front of Pushdeck (TLS terminators, load balancers). Only when some
# are configured is X-Forwarded-Proto trusted, and the client address for login
# throttling is read that many hops back in X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Health checks come in over plain HTTP from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: scripts and styles come only from our static files, never
# inline, so injected markup cannot run script or restyle a page into a phishing form.
# tests/console/test_security_headers.py keeps templates free of inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Browser features the console never uses, denied to every page and anything it frames.
# Chromium ignores a name it does not know (tests/browser/test_security_headers.py).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes announces its version at every start (each management command
        # included): commands print only what they mean to.
        "axes.apps": {"level": "WARNING"},
    },
}
