"""Settings of the demo shop, read from the environment through django-environ.

Every variable is documented in ``.env.example``.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from wallet.jwt_tokens import ensure_private_key_file

BASE_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "django-insecure-wallet-demo-development-key-change-me"

env = environ.Env(
    DEBUG=(bool, True),
    SECRET_KEY=(str, DEVELOPMENT_SECRET_KEY),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    CACHE_URL=(str, "locmemcache://wallet"),
    WALLET_MODE=(str, "test"),
    WALLET_JWT_PRIVATE_KEY=(str, ""),
    WALLET_ORGANIZATION_SLUG=(str, "wallet-demo"),
    LOG_LEVEL=(str, "INFO"),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_json_api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "wallet",
    # The demo project itself: its ``wallet_demo`` command is not part of the reusable app.
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wallet.ratelimit.RateLimitMiddleware",
    # Last, so it sees the exceptions of every view: a database outage answers a 503.
    "wallet.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (no connect per request), checked before reuse after a restart.
DATABASES["default"]["CONN_MAX_AGE"] = 60 if not DEBUG else 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = not DEBUG
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers queue for SQLite's write lock instead of failing with "database is
    # locked": every transaction takes the lock when it begins (a deferred one cannot wait when
    # it upgrades), waits up to 20 s for it, and WAL lets readers run beside the writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The wallet's queries take milliseconds. PostgreSQL compiles any query whose estimated cost
    # passes jit_above_cost (an estimate a filter at a million rows easily reaches) at 20-450 ms
    # a query: JIT serves long analytical queries, not these.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
CACHES = {"default": env.cache("CACHE_URL")}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    # A Redis that accepts connections but never answers costs each call at most this long
    # (redis-py waits forever by default); the rate limiter then counts in process memory.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "SOCKET_CONNECT_TIMEOUT": env.float("CACHE_TIMEOUT", default=0.25),
            "SOCKET_TIMEOUT": env.float("CACHE_TIMEOUT", default=0.25),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "wallet.backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "wallet:saved-cards"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The languages whose translations ship (wallet/locale and config/locale); a browser asking
# for another gets English, and the page's lang attribute says so.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The RSA key signing access tokens (JWTs): WALLET_JWT_PRIVATE_KEY (a PEM or a PEM file's path),
# else the demo's own key file, created on first start and kept across restarts (gitignored).
JWT_PRIVATE_KEY = env("WALLET_JWT_PRIVATE_KEY")
if not JWT_PRIVATE_KEY:
    try:
        JWT_PRIVATE_KEY = str(ensure_private_key_file(BASE_DIR / "var" / "jwt-private-key.pem"))
    except OSError:  # a read-only checkout: the wallet then signs with a per-process key
        JWT_PRIVATE_KEY = ""

WALLET = {
    "MODE": env("WALLET_MODE"),
    "JWT_PRIVATE_KEY": JWT_PRIVATE_KEY or None,
    "ORGANIZATION_SLUG": env("WALLET_ORGANIZATION_SLUG"),
}

# OAuth2 (django-oauth-toolkit): tokens for integrations, sales channels and customers.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# The wallet's token views bring their own validator and backend, and the access token lifetime
# is WALLET["ACCESS_TOKEN_EXPIRE_SECONDS"]: only what DOT itself reads is set here.
OAUTH2_PROVIDER = {
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Store only checksums of access and refresh tokens, never the tokens themselves.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "wallet": {"handlers": ["console"], "level": env("LOG_LEVEL")},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
