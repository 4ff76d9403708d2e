"""Rate limits: per credential and client IP, sliding windows in the cache, headers and 429."""

import socket

import pytest
from django.core.cache import caches
from django.test import Client

from tests import factories
from tests.support.tokens import PROBE, bearer
from wallet import ratelimit

pytestmark = pytest.mark.urls("tests.auth.urls")

SMALL = {"test": [(3, 60)], "live": [(5, 60)], "token": [(2, 60)]}


class FakeClock:
    """A clock the test moves by hand, installed as ``wallet.ratelimit.clock``."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """Frozen time for the limiter."""
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "clock", fake)
    return fake


@pytest.fixture
def small_limits(settings):
    """Tiny limits: test 3/min, live 5/min, token 2/min."""
    settings.WALLET = {"RATE_LIMITS": SMALL}


def remaining(response) -> int:
    return int(response["X-Ratelimit-Remaining"])


def test_api_responses_carry_the_rate_limit_headers(integration, clock, small_limits):
    token = integration.token()
    first = Client().get(PROBE, **bearer(token))
    second = Client().get(PROBE, **bearer(token))
    assert first.status_code == 200
    assert first["X-Ratelimit-Limit"] == "3"
    assert first["X-Ratelimit-Interval"] == "60"
    assert remaining(first) == 2
    assert remaining(second) == 1


def test_unauthenticated_api_responses_carry_the_headers(db, clock, small_limits):
    response = Client().get(PROBE)
    assert response.status_code == 401
    assert response["X-Ratelimit-Limit"] == "3"


def test_over_the_limit_is_a_429_jsonapi_error(integration, clock, small_limits, jsonapi):
    token = integration.token()
    for _ in range(3):
        assert Client().get(PROBE, **bearer(token)).status_code == 200
    response = Client().get(PROBE, **bearer(token))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/vnd.api+json"
    assert remaining(response) == 0
    error = jsonapi(response.json())["errors"][0]
    assert error["code"] == "TOO_MANY_REQUESTS"
    assert error["status"] == "429"
    assert error["title"] and error["detail"]


def test_refused_requests_do_not_reach_the_view(integration, clock, small_limits):
    token = integration.token()
    for _ in range(3):
        Client().get(PROBE, **bearer(token))
    response = Client().get(PROBE, **bearer(token))
    assert "role" not in response.json()


def test_limit_recovers_after_the_window(integration, clock, small_limits):
    token = integration.token()
    for _ in range(4):
        Client().get(PROBE, **bearer(token))
    clock.advance(30)  # half a sliding window later, the old requests still count
    assert Client().get(PROBE, **bearer(token)).status_code == 429
    clock.advance(120)
    response = Client().get(PROBE, **bearer(token))
    assert response.status_code == 200
    assert remaining(response) == 2


def test_window_slides_rather_than_resets(integration, clock, small_limits):
    token = integration.token()
    clock.now = 60 * 1000 + 59  # last second of a fixed window
    for _ in range(3):
        assert Client().get(PROBE, **bearer(token)).status_code == 200
    clock.advance(2)  # a new fixed window, but the sliding window still holds the 3
    assert Client().get(PROBE, **bearer(token)).status_code == 429


def test_live_credentials_use_the_live_windows(make_credential, clock, small_limits):
    token = make_credential("integration", "live").token()
    response = Client().get(PROBE, **bearer(token))
    assert response["X-Ratelimit-Limit"] == "5"


def test_each_credential_has_its_own_budget(make_credential, clock, small_limits):
    first = make_credential("integration", "test").token()
    second = make_credential("integration", "test").token()
    for _ in range(3):
        Client().get(PROBE, **bearer(first))
    assert Client().get(PROBE, **bearer(first)).status_code == 429
    assert Client().get(PROBE, **bearer(second)).status_code == 200


def test_tokens_of_one_credential_share_its_budget(integration, clock, small_limits):
    tokens = [integration.token(), integration.token()]
    for index in range(3):
        Client().get(PROBE, **bearer(tokens[index % 2]))
    assert Client().get(PROBE, **bearer(tokens[1])).status_code == 429


def test_each_client_ip_has_its_own_budget(integration, clock, small_limits):
    token = integration.token()
    for _ in range(3):
        Client().get(PROBE, REMOTE_ADDR="10.0.0.1", **bearer(token))
    assert Client().get(PROBE, REMOTE_ADDR="10.0.0.1", **bearer(token)).status_code == 429
    assert Client().get(PROBE, REMOTE_ADDR="10.0.0.2", **bearer(token)).status_code == 200


def test_forwarded_for_is_ignored_without_a_trusted_proxy(integration, clock, small_limits):
    token = integration.token()
    for index in range(3):
        Client().get(PROBE, HTTP_X_FORWARDED_FOR=f"10.9.9.{index}", **bearer(token))
    response = Client().get(PROBE, HTTP_X_FORWARDED_FOR="10.9.9.200", **bearer(token))
    assert response.status_code == 429


def test_forwarded_for_is_used_behind_a_trusted_proxy(integration, clock, settings):
    settings.WALLET = {"RATE_LIMITS": SMALL, "TRUSTED_PROXY_COUNT": 1}
    token = integration.token()
    for _ in range(3):
        Client().get(PROBE, HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.7", **bearer(token))
    # A spoofed left-most address does not help: the proxy-appended one is the client.
    spoofed = Client().get(PROBE, HTTP_X_FORWARDED_FOR="9.9.9.9, 10.0.0.7", **bearer(token))
    assert spoofed.status_code == 429
    other = Client().get(PROBE, HTTP_X_FORWARDED_FOR="10.0.0.8", **bearer(token))
    assert other.status_code == 200


def test_session_customers_are_limited_per_user(db, clock, small_limits):
    customer = factories.CustomerFactory()
    client = Client()
    client.force_login(customer.user)
    for _ in range(3):
        assert client.get(PROBE).status_code == 200
    assert client.get(PROBE).status_code == 429


def test_token_endpoint_is_limited_per_ip(integration, clock, small_limits):
    responses = [
        integration.token_request(
            grant_type="client_credentials", headers={"REMOTE_ADDR": "10.1.1.1"}
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0]["X-Ratelimit-Limit"] == "2"
    assert responses[2].json()["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    other_ip = integration.token_request(
        grant_type="client_credentials", headers={"REMOTE_ADDR": "10.1.1.2"}
    )
    assert other_ip.status_code == 200


def test_failed_token_requests_count_too(integration, clock, small_limits):
    for _ in range(2):
        integration.client.post(
            "/oauth/token",
            {"grant_type": "client_credentials", "client_id": integration.client_id},
        )
    assert integration.token_request(grant_type="client_credentials").status_code == 429


def test_other_routes_are_not_limited(db, clock, small_limits):
    for _ in range(5):
        response = Client().get("/elsewhere")
    assert "X-Ratelimit-Limit" not in response


def test_defaults_are_commerce_layers(db, clock):
    limits = ratelimit.rate_limits()
    assert limits["live"] == [(200, 60), (50, 10)]
    assert limits["test"] == [(100, 60), (25, 10)]
    assert limits["token"] == [(30, 60)]


def test_headers_report_the_window_closest_to_its_limit(integration, clock, settings):
    settings.WALLET = {"RATE_LIMITS": {"test": [(100, 60), (2, 10)]}}
    token = integration.token()
    response = Client().get(PROBE, **bearer(token))
    assert (response["X-Ratelimit-Limit"], response["X-Ratelimit-Interval"]) == ("2", "10")
    Client().get(PROBE, **bearer(token))
    refused = Client().get(PROBE, **bearer(token))
    assert refused.status_code == 429
    clock.advance(25)  # the 10-second burst window is over; the minute window is not full
    assert Client().get(PROBE, **bearer(token)).status_code == 200


def test_a_partial_setting_keeps_the_other_defaults(settings):
    settings.WALLET = {"RATE_LIMITS": {"token": [(5, 60)]}}
    limits = ratelimit.rate_limits()
    assert limits["token"] == [(5, 60)]
    assert limits["live"] == [(200, 60), (50, 10)]


def test_empty_windows_disable_the_limit(integration, clock, settings):
    settings.WALLET = {"RATE_LIMITS": {"test": []}}
    response = Client().get(PROBE, **bearer(integration.token()))
    assert response.status_code == 200
    assert "X-Ratelimit-Limit" not in response


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_counters_are_shared_through_redis(clock, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit_redis": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        },
    }
    redis_cache = caches["ratelimit_redis"]
    redis_cache.clear()
    try:
        subject = "test|redis-probe|127.0.0.1"
        # Two "processes": each verdict is computed from the shared Redis counters only.
        verdicts = [
            ratelimit.hit(subject, [(3, 60)], cache_alias="ratelimit_redis") for _ in range(4)
        ]
        assert [v.allowed for v in verdicts] == [True, True, True, False]
        assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
        clock.advance(121)
        assert ratelimit.hit(subject, [(3, 60)], cache_alias="ratelimit_redis").allowed
    finally:
        redis_cache.clear()


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_concurrent_hits_are_all_counted_in_redis(clock, settings):
    from concurrent.futures import ThreadPoolExecutor

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit_redis": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        },
    }
    redis_cache = caches["ratelimit_redis"]
    redis_cache.clear()
    try:
        subject = "test|concurrency|127.0.0.1"
        with ThreadPoolExecutor(max_workers=8) as pool:
            verdicts = list(
                pool.map(
                    lambda _: ratelimit.hit(subject, [(30, 60)], cache_alias="ratelimit_redis"),
                    range(40),
                )
            )
        assert sum(v.allowed for v in verdicts) == 30
        assert sorted(v.remaining for v in verdicts if v.allowed) == list(range(30))
    finally:
        redis_cache.clear()


def test_limiter_fails_open_when_the_cache_is_down(integration, clock, small_limits, monkeypatch):
    token = integration.token()

    def cache_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "hit", cache_down)
    response = Client().get(PROBE, **bearer(token))
    assert response.status_code == 200
    assert "X-Ratelimit-Limit" not in response


def test_limiter_fails_open_when_the_caller_cannot_be_identified(
    integration, clock, small_limits, monkeypatch
):
    from django.db import OperationalError

    token = integration.token()

    def database_down(request):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ratelimit, "resolve_access", database_down)
    response = Client().get(PROBE, **bearer(token))
    assert response.status_code == 200  # the probe's own lookup works
    assert "X-Ratelimit-Limit" not in response
