"""Settings of a minimal shop that installs the wallet app by following the README.

It has its own user model (``accounts.User``, logging in by email), its own URLs and an SQLite
database in a temporary directory (``HOSTPROJECT_DATABASE`` overrides the path).
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "hostproject-only-used-by-the-test-suite"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tests.hostproject.accounts",
    # The wallet and what it builds on (README, "Install into an existing shop").
    "rest_framework",
    "rest_framework_json_api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "wallet",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wallet.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "tests.hostproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The shop's own base.html, which the wallet's pages extend.
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get(
            "HOSTPROJECT_DATABASE",
            str(Path(tempfile.gettempdir()) / "wallet-hostproject" / "db.sqlite3"),
        ),
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "wallet.backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Cheap hashing keeps the smoke test quick; a real shop keeps Django's default hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/admin/login/"

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

WALLET = {
    "MODE": "test",
}

# No OAUTH2_PROVIDER: the wallet's token views bring their own validator and backend.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
