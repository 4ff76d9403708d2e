"""Fixtures of the authentication tests: credentials, tokens, a clean cache, fast hashers."""

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests import factories
from wallet.oauth import create_credential

PROBE = "/api/probe"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with empty rate-limit counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users' passwords hashed quickly (client secrets do not depend on PASSWORD_HASHERS)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Credential:
    """A created credential with its one-time secret, and helpers to get tokens with it."""

    def __init__(self, client: Client, kind: str, mode: str, name: str = "") -> None:
        self.client = client
        self.model, self.secret = create_credential(
            name=name or f"{kind} {mode}", kind=kind, mode=mode
        )
        self.client_id = self.model.application.client_id
        self.kind, self.mode = kind, mode

    def token_request(
        self, json_body: bool = False, headers: dict[str, str] | None = None, **params: Any
    ) -> Any:
        """POST /oauth/token with this credential (in the body) and ``params``.

        ``headers`` are test-client extras, like ``{"REMOTE_ADDR": "10.0.0.1"}``.
        """
        data = {"client_id": self.client_id, "client_secret": self.secret, **params}
        if json_body:
            return self.client.post(
                "/oauth/token", json.dumps(data), "application/json", **(headers or {})
            )
        return self.client.post("/oauth/token", data, **(headers or {}))

    def token(self) -> str:
        """A client-credentials access token."""
        response = self.token_request(grant_type="client_credentials")
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def customer_token(self, email: str, password: str = factories.TEST_PASSWORD) -> dict:
        """The whole token answer of a password grant."""
        response = self.token_request(grant_type="password", username=email, password=password)
        assert response.status_code == 200, response.content
        return response.json()

    def basic_auth(self) -> str:
        """The HTTP Basic ``Authorization`` header value of this credential."""
        raw = f"{self.client_id}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()


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


def bearer(token: str) -> dict[str, str]:
    """Test-client keyword arguments sending ``Authorization: Bearer <token>``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def generous_rate_limits(settings):
    """Rate limits out of the way, for tests that walk many routes with one token."""
    settings.WALLET = {
        "RATE_LIMITS": {"test": [(100_000, 60)], "live": [(100_000, 60)], "token": [(1000, 60)]}
    }
