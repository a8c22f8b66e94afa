"""Rendezvous settings: everything comes from the environment (see README "Configuration").

A value that cannot be parsed stops the process at start, not at the first request.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Security (HTTPS, cookies, headers) ------------------------------------------------------
# Behind a proxy that ends TLS, e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO: a request
# is secure when the proxy says it came over https.
if env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (env.str("SECURE_PROXY_SSL_HEADER"), "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sites that may show the booking pages in a frame, e.g. https://www.example.com.
PAGES_FRAME_ANCESTORS = env.list("PAGES_FRAME_ANCESTORS", default=[])

INSTALLED_APPS = [
    "bookings.admin_site.RendezvousAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "eventtypes",
    "bookings",
    "webhooks",
    "api",
    "notifications",
    "calendars",
    "pages",
]

MIDDLEWARE = [
    "api.request_ids.RequestIdMiddleware",
    "api.json_only.JsonOnlyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pages.content_policy.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.parsing.ApiRequestGuardMiddleware",
    "api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's single write lock at BEGIN, so the availability check and the
    # insert of a booking can never interleave with another writer's.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, whose per-request health check asks the server only when the
        # connection shows trouble (config/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "config.postgresql"
        # Statements are bound on the server, and prepared when a connection runs one a second
        # time: PostgreSQL then plans it once (planning the event type lookup took as long as
        # running it; the slot engine's statement, three times as long). Off
        # (DATABASE_PREPARED_STATEMENTS=false: bound on the client, never prepared) behind a
        # pooler in transaction mode that does not carry prepared statements across
        # connections (PgBouncer before 1.21).
        if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
            options = DATABASES["default"].setdefault("OPTIONS", {})
            options["server_side_binding"] = True
            options["prepare_threshold"] = 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a booking write waits for a lock held by another (PostgreSQL) before answering
# 409 lock_timeout with Retry-After.
BOOKING_LOCK_TIMEOUT_MS = env.int("BOOKING_LOCK_TIMEOUT_MS", default=3000)

# --- Redis, Celery, cache --------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process right away (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# One queue per deployment (tests use their own).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="rendezvous")
# A request that publishes a task gives up quickly when the broker is unreachable; the
# periodic sweep picks up what was not queued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}

# --- Webhooks --------------------------------------------------------------------------------
# Seconds a subscriber has to answer (connect, send, read) before the attempt counts as failed.
# Where the built-in video location opens a room (a Jitsi Meet server).
VIDEO_ROOM_BASE_URL = env.str("VIDEO_ROOM_BASE_URL", default="https://meet.jit.si").rstrip("/")

# Booking, rescheduling and cancelling forms one client address may send per minute.
PAGES_POSTS_PER_MINUTE = env.int("PAGES_POSTS_PER_MINUTE", default=20)
# API calls a minute per API key (or signed-in user), and per address without a key.
API_CALLS_PER_MINUTE = env.int("API_CALLS_PER_MINUTE", default=120)
API_ANONYMOUS_CALLS_PER_MINUTE = env.int("API_ANONYMOUS_CALLS_PER_MINUTE", default=60)
# Proxies in front of the web processes that add to X-Forwarded-For: the client's address is the
# one the nearest of them saw. 0: REMOTE_ADDR.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10)
# Let subscriber URLs reach loopback and private addresses: for tests and local development
# only (on by default when DEBUG is).
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=DEBUG)
# How long a worker holds a delivery it is sending; after that (the worker died) the sweep
# hands it to another. Longer than a request can take.
WEBHOOKS_LEASE_SECONDS = env.int(
    "WEBHOOKS_LEASE_SECONDS", default=int(2 * WEBHOOKS_TIMEOUT_SECONDS) + 10
)
# How often the sweep runs: every 30 s beside a worker, every second in the embedded setup
# (where it is the only dispatcher).
WEBHOOKS_SWEEP_SECONDS = env.float("WEBHOOKS_SWEEP_SECONDS", default=30 if REDIS_URL else 1)

# --- The hosts' own calendars (calendars/) ------------------------------------------------------
# Fernet keys (comma-separated) that encrypt calendar passwords: the first encrypts, all decrypt.
# To rotate, put a new key first, run `manage.py rotate_calendar_keys`, then drop the old one.
# Unset: one key derived from SECRET_KEY.
CALENDAR_ENCRYPTION_KEYS = env.list("CALENDAR_ENCRYPTION_KEYS", default=[])
# How often every connection is synced in the background.
CALENDAR_SYNC_EVERY_SECONDS = env.float("CALENDAR_SYNC_EVERY_SECONDS", default=300)
# Slots of a host whose calendars were synced longer ago than this refresh them first, within
# CALENDAR_REFRESH_TIMEOUT_SECONDS; when that fails the last synced data is served.
CALENDAR_STALE_AFTER_SECONDS = env.int("CALENDAR_STALE_AFTER_SECONDS", default=900)
CALENDAR_REFRESH_TIMEOUT_SECONDS = env.float("CALENDAR_REFRESH_TIMEOUT_SECONDS", default=2)
# After a failed sync, slots do not try that connection again for this long (the beat does).
CALENDAR_RETRY_PAUSE_SECONDS = env.int("CALENDAR_RETRY_PAUSE_SECONDS", default=120)
# Seconds each background request to a calendar server may take; the most read from one answer.
CALENDAR_TIMEOUT_SECONDS = env.float("CALENDAR_TIMEOUT_SECONDS", default=15)
CALENDAR_MAX_BYTES = env.int("CALENDAR_MAX_BYTES", default=10 * 1024 * 1024)
# How far ahead events are read (slots further ahead than this do not see the hosts' calendars:
# keep it at least as long as the booking windows), and the most event instances kept per
# calendar.
CALENDAR_SYNC_DAYS = env.int("CALENDAR_SYNC_DAYS", default=366)
CALENDAR_MAX_EVENTS = env.int("CALENDAR_MAX_EVENTS", default=20000)
# Calendar servers on loopback and private addresses (a Nextcloud or Radicale on the LAN; the
# demo's own feed). Off unless DEBUG: what a calendar server answers is read back.
CALENDAR_ALLOW_PRIVATE_NETWORKS = env.bool("CALENDAR_ALLOW_PRIVATE_NETWORKS", default=DEBUG)

# The tasks each outbox event is queued for after its change commits.
OUTBOX_CONSUMERS = [
    "webhooks.tasks.dispatch_event",
    "notifications.tasks.notify_event",
    "calendars.tasks.write_back_event",
]
CELERY_BEAT_SCHEDULE = {
    "webhooks-sweep": {"task": "webhooks.tasks.sweep", "schedule": WEBHOOKS_SWEEP_SECONDS},
    "notifications-sweep": {
        "task": "notifications.tasks.sweep",
        "schedule": WEBHOOKS_SWEEP_SECONDS,
    },
    "notifications-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": env.float("REMINDERS_EVERY_SECONDS", default=60),
    },
    "bookings-announce-meetings": {"task": "bookings.tasks.announce_meetings", "schedule": 30},
    "calendars-sync": {"task": "calendars.tasks.sync_all", "schedule": CALENDAR_SYNC_EVERY_SECONDS},
    "calendars-write-back": {
        "task": "calendars.tasks.sweep",
        "schedule": WEBHOOKS_SWEEP_SECONDS,
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rdv",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email -----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rendezvous <bookings@localhost>")
# A mail server that stops answering must not hold a worker's thread for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=30)
# How long a worker holds an email or a reminder it is sending; after that (the worker died) the
# sweep sends it again. Longer than a send can take: the timeout bounds each step of the SMTP
# conversation (connect, TLS, login, each recipient, the data), not the whole of it.
EMAILS_LEASE_SECONDS = env.int("EMAILS_LEASE_SECONDS", default=10 * EMAIL_TIMEOUT)

# --- Time and language -----------------------------------------------------------------------
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every answer is JSON (the interactive explorer is /v2/docs).
    "DEFAULT_RENDERER_CLASSES": ["api.rendering.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsing.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.TakeSkipPagination",
    "EXCEPTION_HANDLER": "api.errors.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "STRICT_JSON": True,
    # `format` is a query parameter of the API (GET /v2/slots?format=range), not a renderer.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rendezvous API",
    "DESCRIPTION": (
        "Scheduling and booking API, compatible with Cal.com API v2 (bookings 2024-08-13, "
        "slots 2024-09-04, event types 2024-06-14, schedules 2024-06-11). Authenticate with "
        "`Authorization: Bearer rdv_…`. Errors come as {status: error, timestamp, path, "
        "error: {code, message, details}}."
    ),
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_LIB_DOC_EXCLUDES": "api.schema.doc_barrier",
    # /v2/docs loads Swagger UI from this service's static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "bookings.models.Booking.Status",
        "SlotReasonEnum": "eventtypes.availability.REASON_ORDER",
        "SuccessStatusEnum": ["success"],
        "ErrorStatusEnum": ["error"],
        "CalendarIntegrationEnum": "api.calendars.serializers.INTEGRATIONS",
        "WritableCalendarIntegrationEnum": "api.calendars.serializers.WRITABLE_INTEGRATIONS",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "api.request_ids.RequestIdFilter"}},
    "formatters": {
        "with_request_id": {
            "format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "with_request_id",
        }
    },
    "loggers": {
        name: {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")}
        for name in (
            "accounts",
            "api",
            "bookings",
            "eventtypes",
            "notifications",
            "pages",
            "webhooks",
            "celery",
        )
    }
    # Django's own errors (a 500 outside the API's views, a disallowed Host) with the same ids;
    # not every 4xx, which Django logs as warnings.
    | {
        name: {"handlers": ["console"], "level": "ERROR", "propagate": False}
        for name in ("django.request", "django.security")
    },
}
