"""Outages and unexpected failures: 503 with Retry-After, bounded cache waits, signalled 500s.

- The database down: the storefront answers the branded 503 page, the API a JSON:API 503, each
  with ``Retry-After`` and one warning line per request (no traceback).
- A cache that accepts connections but never answers costs at most its 0.25 s socket timeout.
- While the shared cache is unreachable the rate limits still hold, counted in process memory,
  and the outage is logged once a minute.
- An unexpected API exception is logged with its traceback, sent through
  ``got_request_exception`` and answered as a JSON:API 500.
"""

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache.backends.base import BaseCache
from django.core.signals import got_request_exception
from django.db import OperationalError, connections
from django.test import Client

from tests.support.api import assert_error
from tests.support.api_client import JsonApiClient
from wallet import ratelimit
from wallet.api import viewsets

ROOT = Path(__file__).resolve().parents[2]
JSONAPI = "application/vnd.api+json"


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    """Every new query fails as when the server refuses connections."""
    wrapper = type(connections["default"])
    original = wrapper.ensure_connection

    def refuse(self):
        raise OperationalError('connection to server at "db" failed: Connection refused')

    wrapper.ensure_connection = refuse
    try:
        yield
    finally:
        wrapper.ensure_connection = original


def records_with_tracebacks(caplog) -> list[logging.LogRecord]:
    """Log records that carry a traceback."""
    return [record for record in caplog.records if record.exc_info or record.exc_text]


# --- the database down ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_storefront_answers_the_branded_503_page_while_the_database_is_down(
    client, customer, caplog
):
    client.force_login(customer.user)
    caplog.set_level(logging.INFO)

    with database_down():
        response = client.get("/wallet/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "We will be right back" in page
    assert 'class="site-header"' in page  # the shop's layout
    assert "Traceback" not in page


@pytest.mark.django_db
def test_a_storefront_outage_logs_one_line_without_a_traceback(client, customer, caplog):
    client.force_login(customer.user)
    caplog.set_level(logging.INFO)

    with database_down():
        client.get("/wallet/")

    assert records_with_tracebacks(caplog) == []
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.name for record in warnings] == ["wallet.outage"]
    assert "/wallet/" in warnings[0].getMessage()


def test_the_api_answers_a_json_api_503_while_the_database_is_down(api_client, caplog):
    caplog.set_level(logging.INFO)

    with database_down():
        response = api_client.get("/api/orders")

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == JSONAPI


def test_an_api_outage_logs_one_line_without_a_traceback(api_client, caplog):
    caplog.set_level(logging.INFO)

    with database_down():
        api_client.get("/api/orders")

    assert records_with_tracebacks(caplog) == []
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert "database is unavailable" in warnings[0].getMessage()


def test_a_write_during_an_outage_is_a_json_api_503(api_client):
    body = {"data": {"type": "customers", "attributes": {"email": "down@example.com"}}}

    with database_down():
        response = api_client.post("/api/customers", body)

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_the_token_endpoint_answers_503_with_one_line_while_the_database_is_down(caplog):
    caplog.set_level(logging.INFO)
    grant = {"grant_type": "client_credentials", "client_id": "any", "client_secret": "any"}

    with database_down():
        response = Client().post("/oauth/token", grant)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["error"] == "temporarily_unavailable"
    assert records_with_tracebacks(caplog) == []
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


# --- unexpected exceptions -----------------------------------------------------------------------


def test_an_unexpected_api_exception_is_signalled_logged_and_a_json_api_500(
    api_client, order, monkeypatch, caplog
):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(viewsets, "build_document", explode)
    api_client.client.raise_request_exception = False
    signalled = []

    def receiver(sender, request, **kwargs):
        signalled.append((request.path, sys.exc_info()[1]))

    got_request_exception.connect(receiver)
    try:
        response = api_client.get(f"/api/orders/{order.pk}")
    finally:
        got_request_exception.disconnect(receiver)

    assert_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "boom" not in response.content.decode()
    assert len(signalled) == 1
    path, exc = signalled[0]
    assert path == f"/api/orders/{order.pk}"
    assert isinstance(exc, RuntimeError)
    logged = records_with_tracebacks(caplog)
    assert len(logged) == 1
    assert logged[0].name == "wallet.api"
    assert logged[0].levelno == logging.ERROR
    assert logged[0].exc_info[1] is exc


def test_a_validation_error_is_not_signalled(api_client):
    signalled = []

    def receiver(sender, request, **kwargs):
        signalled.append(request)

    got_request_exception.connect(receiver)
    try:
        response = api_client.post("/api/customers", {"data": {"type": "customers"}})
    finally:
        got_request_exception.disconnect(receiver)

    assert_error(response, 422, "VALIDATION_ERROR")
    assert signalled == []


# --- a cache that never answers ------------------------------------------------------------------


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never answers; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for sock in accepted:
            sock.close()
        listener.close()


PROBE_SCRIPT = """
import json, time
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.test import Client

def timed_get():
    started = time.monotonic()
    try:
        cache.get("probe")
        failed = False
    except Exception:
        failed = True
    return failed, time.monotonic() - started

timed_get()  # imports the Redis client
failed, get_seconds = timed_get()

client = Client()
client.get("/wallet/")  # imports the views (not rate-limited: no cache call)
times, statuses, limited = [], [], []
for _ in range(5):
    started = time.monotonic()
    response = client.get("/api/orders", HTTP_ACCEPT="application/vnd.api+json")
    times.append(time.monotonic() - started)
    statuses.append(response.status_code)
    limited.append("X-Ratelimit-Limit" in response)
print(json.dumps({
    "options": settings.CACHES["default"].get("OPTIONS", {}),
    "get_failed": failed, "get_seconds": get_seconds,
    "request_seconds": times, "statuses": statuses, "limited": limited,
}))
"""


@pytest.fixture(scope="module")
def hung_cache_probe(tmp_path_factory) -> dict:
    """The demo settings with ``CACHE_URL`` at a Redis that never answers, probed in a
    subprocess: a cache call, then five API requests (each rate-limited through the cache)."""
    with silent_server() as port:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CACHE_URL": f"redis://127.0.0.1:{port}/0",
            "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('hung') / 'db.sqlite3'}",
        }
        done = subprocess.run(
            [sys.executable, "-c", PROBE_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demo_gives_redis_quarter_second_socket_timeouts(hung_cache_probe):
    assert hung_cache_probe["options"]["SOCKET_CONNECT_TIMEOUT"] == 0.25
    assert hung_cache_probe["options"]["SOCKET_TIMEOUT"] == 0.25


def test_a_cache_that_never_answers_fails_within_its_timeout(hung_cache_probe):
    assert hung_cache_probe["get_failed"]
    assert 0.2 <= hung_cache_probe["get_seconds"] < 0.6


def test_a_cache_that_never_answers_adds_at_most_its_timeout_per_request(hung_cache_probe):
    assert hung_cache_probe["statuses"] == [401] * 5
    assert max(hung_cache_probe["request_seconds"]) < 0.6
    # The first request waits out the timeout; the next ones count in memory right away.
    assert sum(hung_cache_probe["request_seconds"]) < 0.9
    assert hung_cache_probe["limited"] == [True] * 5


# --- the rate limits through a cache outage ------------------------------------------------------


class UnreachableCache(BaseCache):
    """A cache backend whose every call fails as an unreachable Redis does."""

    calls = 0

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        type(self).calls += 1
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    add = get = set = delete = incr = get_many = clear = touch = has_key = _fail


@pytest.fixture
def cache_unreachable(settings, monkeypatch):
    """The default cache unreachable, small limits, a clock for the outage log; yields it."""
    settings.CACHES = {
        "default": {"BACKEND": "tests.api.test_outages.UnreachableCache"},
    }
    settings.WALLET = {**settings.WALLET, "RATE_LIMITS": {"test": [(3, 60)], "token": [(2, 60)]}}
    now = SimpleNamespace(value=1000.0)
    monkeypatch.setattr(
        ratelimit, "time", SimpleNamespace(monotonic=lambda: now.value, time=time.time)
    )
    UnreachableCache.calls = 0
    ratelimit.fallback.reset()
    yield now
    ratelimit.fallback.reset()


@pytest.fixture
def anonymous(db) -> JsonApiClient:
    """An API client without credentials (counted per IP)."""
    return JsonApiClient(Client())


def test_the_api_limit_holds_while_the_cache_is_unreachable(cache_unreachable, anonymous):
    statuses = [anonymous.get("/api/orders").status_code for _ in range(5)]

    assert statuses == [401, 401, 401, 429, 429]


def test_the_password_grant_limit_holds_while_the_cache_is_unreachable(cache_unreachable, db):
    from wallet.oauth import create_credential

    credential, _secret = create_credential(name="shop", kind="sales_channel", mode="test")
    guess = {
        "grant_type": "password",
        "client_id": credential.application.client_id,
        "username": "victim@example.com",
        "password": "wrong-guess",
    }

    statuses = [Client().post("/oauth/token", guess).status_code for _ in range(4)]

    assert statuses == [400, 400, 429, 429]  # invalid_grant twice, then refused unheard


def test_an_unreachable_cache_is_tried_again_after_a_pause(cache_unreachable, anonymous):
    anonymous.get("/api/orders")
    calls_after_first = UnreachableCache.calls
    anonymous.get("/api/orders")
    assert UnreachableCache.calls == calls_after_first  # not tried again right away

    cache_unreachable.value += ratelimit.SharedCacheFallback.retry_after + 1
    anonymous.get("/api/orders")

    assert UnreachableCache.calls == calls_after_first + 1


def test_a_cache_outage_is_logged_once_a_minute(cache_unreachable, anonymous, caplog):
    caplog.set_level(logging.INFO, logger="wallet.ratelimit")

    for _ in range(10):
        cache_unreachable.value += 6  # past the pause: the cache is tried (and fails) each time
        anonymous.get("/api/orders")

    outage_lines = [r for r in caplog.records if r.name == "wallet.ratelimit"]
    assert len(outage_lines) == 1
    assert outage_lines[0].levelno == logging.WARNING
    assert outage_lines[0].exc_info is None
    assert "unreachable" in outage_lines[0].getMessage()

    cache_unreachable.value += 60
    anonymous.get("/api/orders")

    assert len([r for r in caplog.records if r.name == "wallet.ratelimit"]) == 2
