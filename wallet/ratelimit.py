"""Rate limits of the API and the OAuth2 endpoints, shared across processes through the cache.

Limits are sliding windows (as Commerce Layer's: counts never reset, so there is no
``X-Ratelimit-Reset``), approximated with two fixed-window counters per window: the current
one and the previous one weighted by how much of it still overlaps the sliding window. Counters
are bumped with ``cache.incr`` and created with ``cache.add``, both atomic on Redis: three cache
round trips per request for two windows. While the shared cache cannot be reached the limits
still hold, counted in each process's memory (:class:`SharedCacheFallback`); the outage is logged
once a minute. Give a networked cache short socket timeouts (the demo: 0.25 s).

Who is counted:

- API requests (namespace ``wallet-api``): per credential and client IP, with the windows of the
  credential's mode (``WALLET["RATE_LIMITS"]["test"|"live"]``). A storefront session counts as
  its user; an unauthenticated request as the anonymous caller of its IP, with the test windows.
- The OAuth2 endpoints (namespace ``wallet-oauth``): per client IP, with the ``token`` windows.

The client IP is ``REMOTE_ADDR``; behind ``WALLET["TRUSTED_PROXY_COUNT"]`` reverse proxies it is
taken from ``X-Forwarded-For`` (the address that many hops from the right).

Every limited response carries ``X-Ratelimit-Limit``, ``X-Ratelimit-Interval`` (seconds) and
``X-Ratelimit-Remaining`` of the window closest to its limit; over a limit the answer is a 429
JSON:API error ``TOO_MANY_REQUESTS``.
"""

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from wallet.api.access import resolve_access
from wallet.api.errors import ApiError, error_response, is_database_outage
from wallet.conf import DEFAULTS, wallet_settings

logger = logging.getLogger(__name__)

API_NAMESPACE = "wallet-api"
OAUTH_NAMESPACE = "wallet-oauth"

# The limiter reads time through this function; tests replace it to move time forward.
clock: Callable[[], float] = time.time


def _cache_errors() -> tuple[type[Exception], ...]:
    """What a cache backend raises when its server cannot be reached or does not answer.

    Socket errors and timeouts are ``OSError`` (``ConnectionError`` and ``TimeoutError``
    included); redis-py's and pymemcache's own errors are added when they are installed.
    """
    errors: list[type[Exception]] = [OSError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is optional
        pass
    try:
        from pymemcache.exceptions import MemcacheError

        errors.append(MemcacheError)
    except ImportError:
        pass
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


@dataclass(frozen=True)
class Verdict:
    """The state of the window closest to its limit after counting one request."""

    allowed: bool
    limit: int
    interval: int
    remaining: int


def rate_limits() -> dict[str, list[tuple[int, int]]]:
    """``WALLET["RATE_LIMITS"]`` over the defaults: ``{name: [(requests, seconds), ...]}``."""
    configured = wallet_settings.RATE_LIMITS or {}
    return {**DEFAULTS["RATE_LIMITS"], **configured}


def _count(cache: BaseCache, key: str, timeout: int) -> int:
    """Add one to the counter ``key`` atomically, creating it if missing; return its value."""
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet: the first request of this slot creates it
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)  # another process created it in between


class SharedCacheFallback:
    """Which cache counts: the shared one, or this process's memory while it is unreachable.

    After a failed call the shared cache is left alone for ``retry_after`` seconds (so a cache
    that never answers costs one socket timeout per ``retry_after``, not one per request), and
    the limits still hold per process. The outage is logged at most once per ``log_every``
    seconds, as one line without a traceback.
    """

    retry_after = 5.0
    log_every = 60.0

    def __init__(self) -> None:
        self.memory = LocMemCache(
            "wallet-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}}
        )
        self._lock = threading.Lock()
        self._down_until = -math.inf
        self._logged_at = -math.inf

    def cache_for(self, alias: str) -> BaseCache:
        """The shared cache ``alias``, or the in-memory fallback while it is down."""
        if time.monotonic() < self._down_until:
            return self.memory
        return caches[alias]

    def failed(self, alias: str, exc: Exception) -> None:
        """Note a failed call to the shared cache; log it unless logged within a minute."""
        now = time.monotonic()
        with self._lock:
            self._down_until = now + self.retry_after
            should_log = now - self._logged_at >= self.log_every
            if should_log:
                self._logged_at = now
        if should_log:
            logger.warning(
                "Rate limits count in process memory: the cache %r is unreachable (%s: %s)",
                alias,
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )

    def reset(self) -> None:
        """Forget any outage and the in-memory counts (tests)."""
        with self._lock:
            self._down_until = -math.inf
            self._logged_at = -math.inf
        self.memory.clear()


fallback = SharedCacheFallback()


def hit(
    subject: str, windows: Iterable[tuple[int, int]], *, cache_alias: str = "default"
) -> Verdict | None:
    """Count one request of ``subject`` in each window; ``None`` when there is no window.

    Counts in the shared cache ``cache_alias``; while it cannot be reached, in this process's
    memory (:data:`fallback`), so the limits hold per process through a cache outage.
    """
    cache = fallback.cache_for(cache_alias)
    if cache is fallback.memory:
        return _hit(cache, subject, windows)
    try:
        return _hit(cache, subject, windows)
    except CACHE_ERRORS as exc:
        fallback.failed(cache_alias, exc)
        return _hit(fallback.memory, subject, windows)


def _hit(cache: BaseCache, subject: str, windows: Iterable[tuple[int, int]]) -> Verdict | None:
    now = clock()
    digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]
    slots = []
    for limit, interval in windows:
        limit, interval = int(limit), int(interval)
        slot = int(now // interval)
        key = f"wallet:rl:{digest}:{interval}:{slot}"
        slots.append((limit, interval, slot, _count(cache, key, 2 * interval + 1)))
    if not slots:
        return None
    previous = cache.get_many(
        [f"wallet:rl:{digest}:{interval}:{slot - 1}" for _limit, interval, slot, _n in slots]
    )
    verdicts: list[Verdict] = []
    for limit, interval, slot, current in slots:
        earlier = previous.get(f"wallet:rl:{digest}:{interval}:{slot - 1}") or 0
        # The share of the previous slot that still lies inside the sliding window.
        overlap = 1 - (now - slot * interval) / interval
        used = earlier * overlap + current
        verdicts.append(
            Verdict(
                allowed=used <= limit,
                limit=limit,
                interval=interval,
                remaining=max(0, math.floor(limit - used)),
            )
        )
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    if refused:
        return refused[0]
    return min(verdicts, key=lambda verdict: verdict.remaining)


def client_ip(request: HttpRequest) -> str:
    """The caller's IP: ``REMOTE_ADDR``, or ``X-Forwarded-For`` behind trusted proxies."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = int(wallet_settings.TRUSTED_PROXY_COUNT or 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return remote


def too_many_requests(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    """The 429 JSON:API error of a request over its limit, with ``Retry-After``."""
    error = ApiError(
        429,
        "TOO_MANY_REQUESTS",
        _("You have exceeded the limit of %(limit)s requests per %(interval)s s.")
        % {"limit": verdict.limit, "interval": verdict.interval},
        title=_("Too many requests"),
    )
    response = error_response(request, error)
    response["Retry-After"] = str(verdict.interval)
    return response


def _subject(request: HttpRequest) -> tuple[str, str] | None:
    """``(subject, limits name)`` of a rate-limited request, ``None`` for other requests."""
    match = request.resolver_match
    if match is None:
        return None
    ip = client_ip(request)
    if OAUTH_NAMESPACE in match.namespaces:
        return f"oauth|{ip}", "token"
    if API_NAMESPACE not in match.namespaces:
        return None
    if "HTTP_AUTHORIZATION" not in request.META:
        # A storefront session counts as its user, without resolving (or creating) a customer.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            mode = wallet_settings.MODE
            return f"{mode}|user:{user.pk}|{ip}", mode
        return f"anonymous|{ip}", "test"
    access = resolve_access(request)
    if access is None:
        return f"anonymous|{ip}", "test"
    caller = access.actor.application_id or f"{access.actor.owner_type}:{access.actor.owner_id}"
    return f"{access.scope.mode}|{caller}|{ip}", access.scope.mode


class RateLimitMiddleware:
    """Apply the rate limits to the API and OAuth2 endpoints and add the headers.

    It counts in ``process_view``, where Django has already resolved the URL (the namespace
    says whether the request is limited), and adds the headers to the response on its way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Serve the request, with the headers of its rate limit when it has one."""
        response = self.get_response(request)
        verdict: Verdict | None = getattr(request, "wallet_rate_limit", None)
        if verdict is not None:
            response["X-Ratelimit-Limit"] = str(verdict.limit)
            response["X-Ratelimit-Interval"] = str(verdict.interval)
            response["X-Ratelimit-Remaining"] = str(verdict.remaining)
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Count the request; refuse it over the limit (429), else let the view serve it.

        When the shared cache is down the limits hold in process memory (:func:`hit`). The
        limiter fails open when the database (to identify the caller) is down: the request is
        served unlimited, and the view answers its own JSON:API 503 (and logs the outage).
        """
        try:
            subject = _subject(request)
            if subject is None:
                return None
            name, limits_name = subject
            verdict = hit(name, rate_limits().get(limits_name) or [])
        except DatabaseError as exc:
            if is_database_outage(exc):
                # The view answers 503 and logs the outage: one line per request, not two.
                logger.debug("Rate limit skipped: the database is unavailable")
            else:
                logger.exception("Rate limit skipped: the caller could not be identified")
            return None
        except CACHE_ERRORS:
            logger.exception("Rate limit skipped: the counters could not be reached")
            return None
        if verdict is None:
            return None
        # Read back by __call__ for the headers; HttpRequest declares no such field.
        request.wallet_rate_limit = verdict  # type: ignore[attr-defined]
        return None if verdict.allowed else too_many_requests(request, verdict)
