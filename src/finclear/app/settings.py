"""Django settings, all read from FINCLEAR_* environment variables (see the README).

Embedded mode (the default) runs on SQLite under ``var/`` with the database task backend.
Production mode (``FINCLEAR_ENV=production``) refuses to start without a secret key.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("FINCLEAR_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole number from the environment, at least ``minimum``; a bad value stops the start
    with an error that names the variable and what it holds."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: not a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r}: must be at least {minimum}")
    return number


ENVIRONMENT = os.environ.get("FINCLEAR_ENV", "embedded")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("FINCLEAR_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("FINCLEAR_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("FINCLEAR_SECRET_KEY must be set when FINCLEAR_ENV=production")
    SECRET_KEY = "finclear-embedded-insecure-key-for-local-use-only"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("FINCLEAR_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FINCLEAR_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "finclear.accounts",
    "finclear.audit",
    "finclear.organizations",
    "finclear.payers",
    "finclear.patients",
    "finclear.scheduling",
    "finclear.workqueue",
    "finclear.intake",
    "finclear.demo",
    "finclear.web",
    "finclear.authorizations",
    "finclear.eligibility",
    "finclear.contracts",
    "finclear.estimates",
    "finclear.assistance",
    "finclear.api",
    "finclear.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "finclear.audit.context.AuditContextMiddleware",
    "finclear.accounts.idle.IdleLogoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "finclear.app.urls"
WSGI_APPLICATION = "finclear.app.wsgi.application"
ASGI_APPLICATION = "finclear.app.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("FINCLEAR_DATABASE_URL", f"sqlite:///{VAR_DIR / 'finclear.sqlite3'}"),
        conn_max_age=env_int("FINCLEAR_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def build_cache(url: str) -> dict[str, str]:
    """FINCLEAR_CACHE_URL: unset, each process keeps its own; ``redis://`` or ``file:///dir``
    shares one between the web processes (worklist counts, filter options, sign-in throttle)."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("file:///"):
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": url[len("file://") :],
        }
    raise ImproperlyConfigured(
        f"FINCLEAR_CACHE_URL: {url!r} is none of redis://, rediss:// or file:///<directory>"
    )


CACHES = {"default": build_cache(os.environ.get("FINCLEAR_CACHE_URL", "").strip())}


def build_session_engine(cache: dict[str, str]) -> str:
    """Sessions read from a cache the web processes share and written through to the database
    (a query a page fewer); with a per-process cache, one process would still hold a session
    another had ended, so they are read from the database."""
    if cache["BACKEND"].endswith("LocMemCache"):
        return "django.contrib.sessions.backends.db"
    return "django.contrib.sessions.backends.cached_db"


SESSION_ENGINE = build_session_engine(CACHES["default"])

AUTHENTICATION_BACKENDS = ["finclear.accounts.backends.LockoutModelBackend"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# The payer difficulty weighing a case's priority is a 90-day rate, cached this many seconds per
# payer (0: computed exactly for every recompute); see finclear.workqueue.facts.
FINCLEAR_PAYER_DIFFICULTY_TTL = env_int("FINCLEAR_PAYER_DIFFICULTY_TTL", 300)
# HIPAA automatic logoff: sessions end after this many seconds without activity.
FINCLEAR_IDLE_TIMEOUT = env_int("FINCLEAR_IDLE_TIMEOUT", 15 * 60, minimum=1)
# Sign-in lockout: an account locks for FINCLEAR_LOCKOUT_SECONDS after this many failures in a
# row; an address is refused after FINCLEAR_LOGIN_IP_MAX_FAILURES failures in that window.
FINCLEAR_LOGIN_MAX_FAILURES = env_int("FINCLEAR_LOGIN_MAX_FAILURES", 5, minimum=1)
FINCLEAR_LOCKOUT_SECONDS = env_int("FINCLEAR_LOCKOUT_SECONDS", 15 * 60)
FINCLEAR_LOGIN_IP_MAX_FAILURES = env_int("FINCLEAR_LOGIN_IP_MAX_FAILURES", 50, minimum=1)
# Reverse proxies in front of the app whose X-Forwarded-For is trusted for the audit address.
FINCLEAR_TRUSTED_PROXY_HOPS = env_int("FINCLEAR_TRUSTED_PROXY_HOPS", 0)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("FINCLEAR_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("FINCLEAR_TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": (
        {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default"],
        }
        if os.environ.get("FINCLEAR_TASKS", "db") == "rq"
        else {"BACKEND": "django_tasks_db.DatabaseBackend"}
    )
}
RQ_QUEUES = {"default": {"URL": os.environ.get("FINCLEAR_REDIS_URL", "redis://127.0.0.1:6379/0")}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FINCLEAR_LOG_LEVEL", "INFO")},
    # Per-request chatter of the HTTP client and the task runner: warnings only, unless asked.
    "loggers": {
        name: {"level": os.environ.get("FINCLEAR_LOG_LEVEL_LIBS", "WARNING")}
        for name in ("httpx", "httpcore", "django_tasks", "django_tasks_db")
    },
}
