"""Fixtures of the authentication tests: credentials that get their tokens from the endpoint."""

from collections.abc import Callable

import pytest
from django.test import Client

from tests.support.tokens import Credential


@pytest.fixture
def make_credential(db) -> Callable[..., Credential]:
    """Create credentials: ``make_credential("integration", "test")``."""
    client = Client()

    def make(kind: str = "integration", mode: str = "test", name: str = "") -> Credential:
        return Credential(client, kind, mode, name)

    return make


@pytest.fixture
def integration(make_credential) -> Credential:
    """An integration credential in test mode."""
    return make_credential("integration", "test")


@pytest.fixture
def sales_channel(make_credential) -> Credential:
    """A sales-channel credential in test mode."""
    return make_credential("sales_channel", "test")


@pytest.fixture
def generous_rate_limits(settings):
    """Rate limits out of the way, for tests that walk many routes with one token."""
    settings.WALLET = {
        "RATE_LIMITS": {"test": [(100_000, 60)], "live": [(100_000, 60)], "token": [(1000, 60)]}
    }
