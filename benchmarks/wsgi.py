"""WSGI application of the benchmark server: the demo plus the baseline routes, no rate limit,
row counts kept (the runner's settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are ready only after setup)

from benchmarks.runner import BENCH_WALLET  # noqa: E402

settings.ROOT_URLCONF = "benchmarks.urls"
settings.WALLET = {**getattr(settings, "WALLET", {}), **BENCH_WALLET}
