"""Fixtures and collection rules for the whole suite.

Markers (registered in ``pyproject.toml``) are given here by what a test needs, so a developer
can select with ``-m``: ``browser`` (tests/browser: Chromium through Playwright), ``sdk``
(tests/sdk: Commerce Layer's SDKs against a live server), ``postgres`` (real concurrency on
PostgreSQL; skipped on any other database), ``slow`` (subprocesses: a wheel build, a second
project, a real ``runserver``; and the two groups above), ``database_independent`` (given in
the module: a subprocess on a SQLite file of its own, or no database at all; the PostgreSQL run
skips it, as it would run the very same thing) and ``accessibility`` (a browser test whose one
check is axe-core's audit: skipped with ``WALLET_TEST_AXE=0``, as the PostgreSQL run has it).

The tests that start a live server or a browser, or race real threads, are also marked
``serial``: ``tests/run_suite.sh`` runs the others on two pytest-xdist workers (each with its own
test database) and these in one process of their own, one at a time, beside the workers.
"""

import gc
import os
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import override_settings

from tests import factories
from tests.support.admin import build_admin_records
from tests.support.browser import AXE_AUDITS
from tests.support.jsonapi import assert_jsonapi
from wallet.oauth import ClientSecretHasher

SHIPPED_SECRET_ROUNDS = ClientSecretHasher.iterations

# The storefront's order and saved cards of ``customer`` (modules with their own win).
pytest_plugins = ["tests.support.shop"]

TESTS = Path(__file__).resolve().parent
# Modules whose tests run subprocesses (a wheel build, a second Django project, runserver).
SLOW_MODULES = frozenset({"test_packaging.py", "test_hostproject.py", "test_sqlite_live_server.py"})


def _needs_serial(item: pytest.Item) -> bool:
    """Whether ``item`` drives a browser or an SDK, uses a live server or races threads."""
    if any(item.get_closest_marker(name) for name in ("browser", "sdk", "postgres")):
        return True
    if "live_server" in getattr(item, "fixturenames", ()):
        return True
    db = item.get_closest_marker("django_db")
    return bool(db and (db.kwargs.get("transaction") or db.kwargs.get("serialized_rollback")))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they need (see the module docstring)."""
    not_postgres = pytest.mark.skip(
        reason=f"needs PostgreSQL (this run is on {connection.vendor}); see the postgres marker"
    )
    # The same subprocess on the same SQLite file whatever the run's database: once is enough.
    run_on_sqlite = pytest.mark.skip(
        reason="uses none of the run's database (see the database_independent marker): "
        "the SQLite run runs it"
    )
    # A test whose one check is the page's audit checks nothing without it.
    no_audit = pytest.mark.skip(
        reason="an accessibility audit only, and WALLET_TEST_AXE=0: the SQLite run audits it"
    )
    for item in items:
        parts = Path(str(item.path)).relative_to(TESTS).parts
        if parts[0] == "browser":
            item.add_marker(pytest.mark.browser)
        if parts[0] == "sdk":
            item.add_marker(pytest.mark.sdk)
        if parts[0] in ("browser", "sdk") or parts[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
            item.add_marker(not_postgres)
        if item.get_closest_marker("database_independent") and connection.vendor != "sqlite":
            item.add_marker(run_on_sqlite)
        if item.get_closest_marker("accessibility") and not AXE_AUDITS:
            item.add_marker(no_audit)
        if _needs_serial(item):
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The serial run (``WALLET_TEST_RUN=serial``, set by ``tests/run_suite.sh``) tests on a
    database of its own: the other run of the same database is going on at the same time.

    On SQLite that is a file (``.test-serial.sqlite3``) instead of Django's shared in-memory
    database. Its live servers, browsers and webhook senders write from other threads while
    the test polls: on the shared in-memory database a read then fails their write at once with
    "table is locked", whereas a file takes the settings' WAL journal and busy timeout, so
    writers wait as they do in the demo. Elsewhere it is ``test_<name>_serial``, so the other
    run may use ``test_<name>`` (``TEST_WORKERS=0``: no pytest-xdist worker suffix).
    """
    from django.conf import settings

    run = os.environ.get("WALLET_TEST_RUN")
    if not run:
        return
    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test["NAME"] = str(TESTS.parent / f".test-{run}.sqlite3")
    else:
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{run}"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Hash passwords and client secrets cheaply for the whole session.

    PBKDF2 costs every login 50 ms or more, and every credential a test creates 2 ms for its
    secret (``ClientSecretHasher``, which ignores ``PASSWORD_HASHERS``): one round instead. A
    hash records its rounds, so verifying works the same; ``real_secret_hashing`` restores them.
    """
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        mock.patch.object(ClientSecretHasher, "iterations", 1),
    ):
        yield


@pytest.fixture
def real_secret_hashing():
    """Client secrets hashed with the rounds the wallet ships with."""
    with mock.patch.object(ClientSecretHasher, "iterations", SHIPPED_SECRET_ROUNDS):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: rate-limit counters are keyed by ids that
    repeat from test to test, so counts would otherwise carry over."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _language_of_the_test_thread():
    """Every test starts in English: a request's LocaleMiddleware leaves its language active in
    the thread, and a later test rendering in this thread would inherit it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def jsonapi():
    """The JSON:API document validator, as a fixture."""
    return assert_jsonapi


@pytest.fixture
def gateway(db):
    """The test gateway in test mode."""
    return factories.PaymentGatewayFactory()


@pytest.fixture
def customer(db):
    """A customer with a login, in test mode."""
    return factories.CustomerFactory()


@pytest.fixture
def shopper(client, customer):
    """The test client, logged in as ``customer`` (modules that mean another shopper, say an
    API credential, define their own)."""
    client.force_login(customer.user)
    return client


@pytest.fixture
def staff_user(db):
    """A superuser for the admin."""
    return factories.UserFactory(username="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_user(staff_user, client):
    """A superuser, logged in (the admin tests' user, not pytest-django's)."""
    client.force_login(staff_user)
    return staff_user


@pytest.fixture
def wallet(db):
    """One record of every model, written through the services so audit entries exist."""
    return build_admin_records()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Leave the collected suite out of the garbage collector's work, and collect less often.

    Every process holds thousands of long-lived objects (the app, the collected tests, the
    OpenAPI document), which each full collection would walk again: frozen, they are skipped.
    Measured on the PostgreSQL workers: 93 -> 89 CPU-seconds (``make test`` 413 -> 394).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
