"""The one settings module. Everything that differs between installations comes from
GRIDGOV_* environment variables; a malformed value stops the process with a clear message.

GRIDGOV_ENV is `production` (the default), `demo` or `test`. Only demo and test may run
without an explicit secret key: they generate one into ./var/.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GRIDGOV_VAR_DIR", Path.cwd() / "var")).resolve()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_text(name: str, default: str = "") -> str:
    """A string setting; `NAME_FILE` (a path) takes precedence, for container secrets."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {error}") from error
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from error


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


GRIDGOV_ENV = os.environ.get("GRIDGOV_ENV", "production")
if GRIDGOV_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"GRIDGOV_ENV must be production, demo or test, not {GRIDGOV_ENV!r}")
TESTING = GRIDGOV_ENV == "test"


def _generated_secret_key() -> str:
    """Demo and test installations keep a generated key in ./var so sessions survive restarts."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = env_text("GRIDGOV_SECRET_KEY")
if not SECRET_KEY:
    if GRIDGOV_ENV == "production":
        raise ImproperlyConfigured(
            "GRIDGOV_SECRET_KEY (or GRIDGOV_SECRET_KEY_FILE) must be set in production; "
            "set GRIDGOV_ENV=demo to run the demonstration with a generated key."
        )
    SECRET_KEY = _generated_secret_key()

DEBUG = env_bool("GRIDGOV_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "GRIDGOV_ALLOWED_HOSTS", "" if GRIDGOV_ENV == "production" else "127.0.0.1,localhost"
)
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("GRIDGOV_ALLOWED_HOSTS must list host names, not '*'")
CSRF_TRUSTED_ORIGINS = env_list("GRIDGOV_CSRF_TRUSTED_ORIGINS")

# Behind HTTPS (the production default) cookies are secure and browsers are told to stay on HTTPS.
HTTPS = env_bool("GRIDGOV_HTTPS", GRIDGOV_ENV == "production")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("GRIDGOV_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("GRIDGOV_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("GRIDGOV_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "ninja",
    "huey.contrib.djhuey",
    "gridgov.regions",
    "gridgov.accounts",
    "gridgov.registry",
    "gridgov.cases",
    "gridgov.visits",
    "gridgov.poverty",
    "gridgov.web",
    "gridgov.demo",
]

MIDDLEWARE = [
    "gridgov.accounts.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.accounts.middleware.IdleSessionMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.web.context.site",
            ]
        },
    }
]

# --- Database: SQLite in ./var by default (WAL, busy timeout); PostgreSQL by URL. ---
DATABASE_URL = os.environ.get("GRIDGOV_DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as error:
        raise ImproperlyConfigured(f"GRIDGOV_DATABASE_URL is malformed: {error}") from error
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "GRIDGOV_DATABASE_PREPARED", True
    ):
        # Parameters bound by the server, and a statement run five times on a connection
        # prepared there: PostgreSQL then skips parsing and planning the statements every
        # request repeats (a report's eight of them: intake ran half as fast again,
        # docs/operations/performance.md). Off (false) behind a pooler that hands one
        # session's statements to another connection (PgBouncer in transaction mode
        # before 1.21).
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "gridgov.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background jobs: in-process by default, Redis by URL. ---
REDIS_URL = os.environ.get("GRIDGOV_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gridgov",
        "url": REDIS_URL,
        "immediate": TESTING,
    }
else:
    # The queue's file lives in ./var even when the database is PostgreSQL.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gridgov",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }

# --- People: passwords, sessions, lockout, API tokens. ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A session ends after this many idle minutes: requests push the expiry forward (written at
# most once a minute, by accounts.middleware.IdleSessionMiddleware).
SESSION_COOKIE_AGE = env_int("GRIDGOV_SESSION_IDLE_MINUTES", 30) * 60
# Django's database sessions and model backend, reading their rows with statements written
# once (every signed-in request reads both). Sessions signed in under another backend end.
SESSION_ENGINE = "gridgov.accounts.sessions"
AUTHENTICATION_BACKENDS = ["gridgov.accounts.sessions.UserBackend"]
LOGIN_FAILURE_LIMIT = env_int("GRIDGOV_LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("GRIDGOV_LOGIN_LOCKOUT_MINUTES", 15)
API_TOKEN_DAYS = env_int("GRIDGOV_API_TOKEN_DAYS", 90)
# Residents without an account (the public page, Open311): requests taken per client address
# per hour, and wrong tracking codes tried per address per hour before lookups stop.
PUBLIC_REQUESTS_PER_HOUR = env_int("GRIDGOV_PUBLIC_REQUESTS_PER_HOUR", 5)
PUBLIC_WRONG_CODES_PER_HOUR = env_int("GRIDGOV_PUBLIC_WRONG_CODES_PER_HOUR", 20)

# --- Outbound copies of notifications (docs/operations/channels.md): the channels in use as
# dotted paths; the WeChat Work group robots by region-code prefix (`433124=https://…,…`,
# the longest prefix of the holding unit wins); the SMS gateway; seconds to wait for either.
GRIDGOV_CASES_CHANNELS = env_list("GRIDGOV_CASES_CHANNELS", "gridgov.cases.channels.LoggingChannel")


def _webhooks(name: str) -> dict[str, str]:
    webhooks = {}
    for item in env_text(name).split(","):
        if not item.strip():
            continue
        prefix, _equals, url = item.strip().partition("=")
        prefix, url = prefix.strip(), url.strip()
        if not (prefix.isdigit() and 2 <= len(prefix) <= 15):
            raise ImproperlyConfigured(f"{name}: {prefix!r} is not a region code (2–15 digits)")
        if not url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{name}: the robot of {prefix} needs an http(s) URL")
        webhooks[prefix] = url
    return webhooks


GRIDGOV_WECOM_WEBHOOKS = _webhooks("GRIDGOV_WECOM_WEBHOOKS")
GRIDGOV_SMS_GATEWAY_URL = env_text("GRIDGOV_SMS_GATEWAY_URL")
GRIDGOV_SMS_GATEWAY_TOKEN = env_text("GRIDGOV_SMS_GATEWAY_TOKEN")
GRIDGOV_CHANNEL_TIMEOUT = env_int("GRIDGOV_CHANNEL_TIMEOUT", 5)
if GRIDGOV_CHANNEL_TIMEOUT < 1:
    raise ImproperlyConfigured("GRIDGOV_CHANNEL_TIMEOUT must be at least 1 second")
for _path, _needs, _value in (
    ("WeComRobotChannel", "GRIDGOV_WECOM_WEBHOOKS", GRIDGOV_WECOM_WEBHOOKS),
    ("SmsGatewayChannel", "GRIDGOV_SMS_GATEWAY_URL", GRIDGOV_SMS_GATEWAY_URL),
):
    if any(path.endswith("." + _path) for path in GRIDGOV_CASES_CHANNELS) and not _value:
        raise ImproperlyConfigured(f"GRIDGOV_CASES_CHANNELS names {_path}: set {_needs}")

# --- The register's bulk files. An export of more rows than this needs someone else's
# approval (GB/T 35273 §7.1: batch downloads of personal information); an approved export
# can be downloaded for this many hours. Uploaded import files are refused above the size.
EXPORT_APPROVAL_ROWS = env_int("GRIDGOV_EXPORT_APPROVAL_ROWS", 500)
EXPORT_VALID_HOURS = env_int("GRIDGOV_EXPORT_VALID_HOURS", 24)
IMPORT_MAX_UPLOAD_MB = env_int("GRIDGOV_IMPORT_MAX_UPLOAD_MB", 200)

# --- Event attachments (photos, documents): kept through Django's storage under MEDIA_ROOT,
# never served from it directly; an upload larger than this is refused.
MEDIA_ROOT = Path(os.environ.get("GRIDGOV_MEDIA_ROOT", VAR_DIR / "media")).resolve()
MEDIA_URL = "/media/"
ATTACHMENT_MAX_BYTES = env_int("GRIDGOV_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- API: one page of a list holds at most this many rows, so no client can pull a whole
# table (the audit log grows by millions of rows) in one request.
NINJA_PAGINATION_MAX_LIMIT = 1000

# --- Language and time: Chinese first, stored in UTC, shown in Asia/Shanghai. ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static assets: ours, plus Leaflet from its installed package; nothing from a CDN. ---
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("GRIDGOV_STATIC_ROOT", VAR_DIR / "static"))
if TESTING:
    # Tests serve assets from the finders; an empty root keeps WhiteNoise from warning.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)


def _leaflet_static_dir() -> tuple[str, str]:
    import xstatic.pkg.leaflet as leaflet

    return ("leaflet", leaflet.BASE_DIR)


STATICFILES_DIRS = [_leaflet_static_dir()]
# The application serves its own assets (WhiteNoise): government intranets have no CDN.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = TESTING

# --- Maps: an intranet tile server if there is one; polygons are drawn either way. ---
MAP_TILE_URL = os.environ.get("GRIDGOV_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("GRIDGOV_MAP_TILE_ATTRIBUTION", "")

# --- Logging: one line per record, with the request id. ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "gridgov.accounts.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
