"""All configuration comes from the environment, read here and nowhere else.

Every helper fails loudly on a value it cannot parse: a typo in production configuration must stop the
process at start-up, not surface as odd behaviour at 3 a.m.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, low: float | None = None, high: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from exc
    if (low is not None and value < low) or (high is not None and value > high):
        raise ImproperlyConfigured(f"{name}={value} must lie in [{low}, {high}]")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


VAR_DIR = Path(env_str("FDS_VAR_DIR", str(BASE_DIR / "var")))
DEBUG = env_bool("DJANGO_DEBUG", False)
# The demo and the tests set DJANGO_DEBUG or FDS_INSECURE_DEV_KEY; production must bring its own key.
_dev_key_allowed = DEBUG or env_bool("FDS_INSECURE_DEV_KEY", False)
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY", "insecure-development-key-never-use-in-production" if _dev_key_allowed else None
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "axes",
    "fdsportal",
    "access",
    "audit",
    "alerts",
    "cases",
    "smishing",
    "customers",
    "detection",
]

MIDDLEWARE = [
    # First, so that a database outage met anywhere below answers 503 instead of 500.
    "fdsportal.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in person's saved language wins over the cookie (access.language).
    "access.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that a locked-out user never reaches a view.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "fdsportal.urls"
ASGI_APPLICATION = "fdsportal.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fdsportal.context_processors.navigation",
            ],
        },
    },
]

# --- Database: DATABASE_URL (PostgreSQL in production) or the embedded SQLite file.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections (health-checked): opening a PostgreSQL connection per request was about
    # 20 ms of a single-transaction API call. With FDS_DB_POOL the pool does this job instead.
    _db = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=0 if env_bool("FDS_DB_POOL", False) else env_int("FDS_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
    if _db["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(f"DATABASE_URL engine {_db['ENGINE']} is not supported")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "fdsportal.sqlite3")}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _db.setdefault("OPTIONS", {})
    # Server-side parameter binding: client-side binding re-renders every query text and spent ~40 % of
    # a 1,000-transaction scoring batch formatting its IN lists.
    _db["OPTIONS"].setdefault("server_side_binding", env_bool("FDS_DB_SERVER_SIDE_BINDING", True))
    if env_bool("FDS_DB_POOL", False):
        _db["OPTIONS"]["pool"] = {"min_size": 1, "max_size": env_int("FDS_DB_POOL_SIZE", 8, minimum=1)}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that test servers in other processes (daphne, Celery) see the test data.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.sqlite3")}
DATABASES: dict[str, dict[str, Any]] = {"default": dict(_db)}
IS_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, channel layer and cache. The run command starts an embedded server and
# sets REDIS_URL; nothing here starts processes.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("FDS_CACHE_PREFIX", "fds"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # redis-py 8 lowered the default socket timeout to 5 s, which tears down any consumer
                # idle for longer; None waits for messages as long as the socket lives.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": env_str("FDS_CACHE_PREFIX", "fds"),
            },
        }
    }
else:
    # Only for one-process use (management commands, unit tests): these do not cross processes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves the message for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# A message a worker took but never acknowledged (the whole worker was SIGKILLed, the host died) comes
# back only after the visibility timeout. It stays long, above the slowest task (retraining), so a
# running task is never handed to a second worker; scoring does not wait for it: the sweeper below
# re-queues every transaction accepted but not scored within FDS_SCORE_SWEEP_AFTER_SECONDS.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a Redis restart must never stop a worker for good
CELERY_TIMEZONE = "Asia/Seoul"
# Smishing work (text scoring, retraining) has its own queue and workers: a slow message must never
# hold up fraud scoring, which stays on the default queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
FDS_SMISHING_QUEUE = env_str("FDS_SMISHING_QUEUE", "smishing")
CELERY_TASK_ROUTES = {"smishing.tasks.*": {"queue": FDS_SMISHING_QUEUE}}
FDS_SCORE_SWEEP_AFTER_SECONDS = env_int("FDS_SCORE_SWEEP_AFTER_SECONDS", 60, minimum=1)
FDS_SCORE_SWEEP_EVERY_SECONDS = env_int("FDS_SCORE_SWEEP_EVERY_SECONDS", 15, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "alerts-score-pending": {
        "task": "alerts.tasks.transactions_score_pending",
        "schedule": float(FDS_SCORE_SWEEP_EVERY_SECONDS),
    },
    "cases-sla-escalate": {"task": "cases.tasks.cases_sla_escalate", "schedule": 60.0},
    "cases-refunds-reconcile": {"task": "cases.tasks.refunds_reconcile", "schedule": 300.0},
    "cases-refunds-in-flight": {"task": "cases.tasks.refunds_in_flight_resolve", "schedule": 60.0},
    "alerts-snooze-expire": {"task": "cases.tasks.alerts_snooze_expire", "schedule": 60.0},
    "smishing-score-stale": {"task": "smishing.tasks.submissions_score_stale", "schedule": 60.0},
}

# --- Auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("FDS_TEST_FAST_PASSWORD_HASHER", False):
    # Test runs only (set by the test plugin, inherited by their server processes): Argon2 is slow by
    # design and made every test that creates a user pay for it.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("FDS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_float("FDS_LOGIN_COOLOFF_HOURS", 0.25, low=0.0)
# Lock a username from one client address: a per-username lock let anyone lock the approvers out from
# anywhere, again and again, and a per-address lock would lock a whole floor behind one egress IP.
# Guessing stays bounded: five tries per name per address per cool-off.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "access.lockouts.client_ip"
FDS_TRUSTED_PROXY_COUNT = env_int("FDS_TRUSTED_PROXY_COUNT", 0, minimum=0)
# Unlocking goes through the audited lockouts page only, not the axes admin pages.
AXES_ENABLE_ADMIN = False
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("FDS_AXES_ENABLED", True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("FDS_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("FDS_SESSION_SECONDS", 8 * 3600, minimum=300)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy: no inline scripts anywhere; pages load their JS from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # plotly.js sets inline styles on its SVG
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Cases and refunds
# Refunds above this amount need a second person's approval (four-eyes); at or below, the system approves.
FDS_REFUND_FOUR_EYES_KRW = env_int("FDS_REFUND_FOUR_EYES_KRW", 1_000_000, minimum=0)
FDS_QA_SAMPLE_RATE = env_float("FDS_QA_SAMPLE_RATE", 0.1, low=0.0, high=1.0)
FDS_SLA_WARN_HOURS = env_int("FDS_SLA_WARN_HOURS", 24, minimum=1)
FDS_REFUND_SLA_BUSINESS_DAYS = env_int("FDS_REFUND_SLA_BUSINESS_DAYS", 3, minimum=1)
FDS_EVIDENCE_MAX_BYTES = env_int("FDS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
FDS_REFUND_RECONCILE_GRACE_SECONDS = env_int("FDS_REFUND_RECONCILE_GRACE_SECONDS", 120, minimum=0)
FDS_PAYMENT_GATEWAY = env_str("FDS_PAYMENT_GATEWAY", "cases.gateway.SimulatedCoreBankingGateway")
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Smishing
FDS_SMISHING_MAX_CHARS = env_int("FDS_SMISHING_MAX_CHARS", 2000, minimum=100)
if FDS_SMISHING_MAX_CHARS > 10_000:  # untrusted.text.MAX_TEXT_CHARS: no pattern runs on more
    raise ImproperlyConfigured("FDS_SMISHING_MAX_CHARS must be at most 10000")
FDS_SMISHING_RATE_PER_MINUTE = env_int("FDS_SMISHING_RATE_PER_MINUTE", 30, minimum=1)
FDS_SMISHING_SCORE_BATCH = env_int("FDS_SMISHING_SCORE_BATCH", 64, minimum=1)
FDS_SMISHING_CLAIM_TIMEOUT = env_int("FDS_SMISHING_CLAIM_TIMEOUT", 120, minimum=10)
FDS_SMISHING_CORPUS_PER_TEMPLATE = env_int("FDS_SMISHING_CORPUS_PER_TEMPLATE", 16, minimum=1)
FDS_SMISHING_SPLIT_SEED = env_int("FDS_SMISHING_SPLIT_SEED", 0, minimum=0)
FDS_SMISHING_ACTIVATION_TOLERANCE = env_float("FDS_SMISHING_ACTIVATION_TOLERANCE", 0.0, low=0.0, high=0.1)
# An OpenAI-compatible endpoint list turns the optional paragraph explainer on; empty keeps it off.
FDS_SMISHING_LLM_ENDPOINTS = env_list("FDS_SMISHING_LLM_ENDPOINTS", [])
FDS_SMISHING_LLM_MODEL = env_str("FDS_SMISHING_LLM_MODEL", "default")
FDS_SMISHING_LLM_API_KEY = env_str("FDS_SMISHING_LLM_API_KEY", "")
FDS_SMISHING_LLM_TIMEOUT = env_float("FDS_SMISHING_LLM_TIMEOUT", 5.0, low=0.1, high=120.0)
FDS_SMISHING_LLM_MAX_CONCURRENCY = env_int("FDS_SMISHING_LLM_MAX_CONCURRENCY", 4, minimum=1)

# --- I18N: Korean first, English available.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as 2026-12-01 07:00 and numbers with thousands separators in both languages (fdsportal/formats).
FORMAT_MODULE_PATH = ["fdsportal.formats"]
# A person's language: their saved choice, else the language cookie (the login page), else Korean.
# The browser's Accept-Language is not consulted: bank staff's browsers are often set to English.
LANGUAGE_COOKIE_NAME = "fds_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # plotly.js exactly as the installed plotly package bundles it, so the two can never drift apart.
    ("plotly", Path(str(__import__("plotly").__file__)).parent / "package_data"),
]
# Production runs collectstatic; the demo and test servers serve straight from the finders.
WHITENOISE_USE_FINDERS = env_bool("FDS_STATIC_FINDERS", DEBUG)
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS
MEDIA_ROOT = Path(env_str("FDS_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: evidence is downloaded through a permission-checked view
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FDS_MAX_REQUEST_BYTES", 16 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Domain settings
# Shared read-only data sets (the public handbook, the SMS corpora) beside the checkout.
_shared_default = BASE_DIR.parent / "shared"
FDS_SHARED_DIR = Path(
    env_str("FDS_SHARED_DIR", str(_shared_default if _shared_default.exists() else Path("/work/shared")))
)
FDS_SCORE_BATCH_SIZE = env_int("FDS_SCORE_BATCH_SIZE", 1000, minimum=1)
FDS_API_MAX_BATCH = env_int("FDS_API_MAX_BATCH", 10_000, minimum=1)
# How far in the future a reported event time may lie (client clock drift); later is refused.
FDS_MAX_CLOCK_SKEW_SECONDS = env_int("FDS_MAX_CLOCK_SKEW_SECONDS", 300, minimum=0)
# Each live alert queue re-reads the alerts it has not been sent this often: a push lost to a Redis
# restart or to a worker killed between commit and push still reaches every open queue.
FDS_FEED_CATCHUP_SECONDS = env_float("FDS_FEED_CATCHUP_SECONDS", 5.0, low=0.5, high=300.0)
# Fraud labels reach the system late (a victim calls days later); merchant risk only looks at labels
# of transactions older than this, in training and in serving alike.
FDS_LABEL_DELAY_DAYS = env_int("FDS_LABEL_DELAY_DAYS", 7, minimum=0)
# --- FDS model lifecycle (alerts.lifecycle, alerts.drift)
# Operations' alert budget: precision "at the budget" is measured on this many alerts a day.
FDS_ALERT_BUDGET_PER_DAY = env_int("FDS_ALERT_BUDGET_PER_DAY", 50, minimum=1)
# Retraining trains on this many days of labelled transactions; the last FDS_RETRAIN_EVAL_DAYS of them
# are held out, and champion and challenger are both judged on them.
FDS_RETRAIN_WINDOW_DAYS = env_int("FDS_RETRAIN_WINDOW_DAYS", 90, minimum=7)
FDS_RETRAIN_EVAL_DAYS = env_int("FDS_RETRAIN_EVAL_DAYS", 7, minimum=1)
# Scheduled retraining every N hours (0: off; the test plugin turns it off).
FDS_RETRAIN_EVERY_HOURS = env_int("FDS_RETRAIN_EVERY_HOURS", 168, minimum=0)
# A challenger may be promoted only if no agreed metric is lower than the champion's by more than this.
FDS_PROMOTION_TOLERANCE = env_float("FDS_PROMOTION_TOLERANCE", 0.0, low=0.0, high=0.1)
FDS_SHADOW_SCORING = env_bool("FDS_SHADOW_SCORING", True)
FDS_DRIFT_PSI_ALERT = env_float("FDS_DRIFT_PSI_ALERT", 0.25, low=0.01, high=10.0)
FDS_DRIFT_WINDOW_HOURS = env_int("FDS_DRIFT_WINDOW_HOURS", 24, minimum=1)
# Traffic that must never train a model: external ids starting with one of these.
FDS_TEST_TRAFFIC_PREFIXES = tuple(env_list("FDS_TEST_TRAFFIC_PREFIXES", ["TEST-", "test-"]))
CELERY_BEAT_SCHEDULE["alerts-drift-compute"] = {"task": "alerts.tasks.drift_compute_task", "schedule": 3600.0}
if FDS_RETRAIN_EVERY_HOURS:
    CELERY_BEAT_SCHEDULE["alerts-retrain-scheduled"] = {
        "task": "alerts.tasks.retraining_scheduled_task",
        "schedule": 3600.0,  # checks hourly; starts a run once FDS_RETRAIN_EVERY_HOURS have passed
    }
FDS_REASON_LANGUAGE = env_str("FDS_REASON_LANGUAGE", "ko")
if FDS_REASON_LANGUAGE not in {"ko", "en"}:
    raise ImproperlyConfigured("FDS_REASON_LANGUAGE must be ko or en")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("FDS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Audit chain
# The key that seals audit events. Keep it in a secret store, outside the database: whoever can write
# the database but not read this key cannot forge a consistent chain. Required in production and
# never derived from SECRET_KEY (every web process holds that one).
_audit_key_given = bool(os.environ.get("FDS_AUDIT_HMAC_KEY"))
FDS_AUDIT_HMAC_KEY = env_str(
    "FDS_AUDIT_HMAC_KEY",
    "insecure-development-audit-key-never-use-in-production" if _dev_key_allowed else None,
)
if not _dev_key_allowed and (len(FDS_AUDIT_HMAC_KEY) < 32 or FDS_AUDIT_HMAC_KEY == SECRET_KEY):
    raise ImproperlyConfigured("FDS_AUDIT_HMAC_KEY must be its own secret of at least 32 characters")
# Stored with every event, so keys can rotate: by default a fingerprint of the key itself.
FDS_AUDIT_HMAC_KEY_ID = env_str(
    "FDS_AUDIT_HMAC_KEY_ID", "k-" + hashlib.sha256(FDS_AUDIT_HMAC_KEY.encode()).hexdigest()[:12]
)
# Retired keys, still needed to verify the events they sealed: "id=key,id=key".
FDS_AUDIT_HMAC_RETIRED_KEYS: dict[str, str] = {}
for _entry in env_list("FDS_AUDIT_HMAC_RETIRED_KEYS", []):
    _key_id, _sep, _key = _entry.partition("=")
    if not _sep or not _key_id.strip() or not _key:
        raise ImproperlyConfigured("FDS_AUDIT_HMAC_RETIRED_KEYS entries look like id=key")
    FDS_AUDIT_HMAC_RETIRED_KEYS[_key_id.strip()] = _key
if FDS_AUDIT_HMAC_KEY_ID in FDS_AUDIT_HMAC_RETIRED_KEYS:
    raise ImproperlyConfigured("FDS_AUDIT_HMAC_KEY_ID names a retired key")
# Events written before key ids existed carry the id "legacy": sealed with the configured key, or
# (development databases only) with the old key derived from the secret key.
FDS_AUDIT_HMAC_RETIRED_KEYS.setdefault(
    "legacy", FDS_AUDIT_HMAC_KEY if _audit_key_given else "audit:" + SECRET_KEY
)
# The chain's checkpoint (head id and hash, sealed) lives outside the database, so a truncated or
# wiped trail cannot hide. Point it at storage the database's administrators cannot rewrite.
FDS_AUDIT_CHECKPOINT_PATH = Path(env_str("FDS_AUDIT_CHECKPOINT_PATH", str(VAR_DIR / "audit-checkpoint.json")))
FDS_AUDIT_CHECKPOINT_SECONDS = env_float("FDS_AUDIT_CHECKPOINT_SECONDS", 300.0, low=10.0)
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {
    "task": "audit.tasks.audit_checkpoint_write",
    "schedule": FDS_AUDIT_CHECKPOINT_SECONDS,
}
