"""API credentials and access tokens for tests.

``mint_token`` issues a token the way ``POST /oauth/token`` does (the wallet's own JWT generator,
an access-token row that resolves to the same caller) without the request: no client secret to
verify, no password to hash. Tests about the token endpoint itself use :class:`Credential`,
which goes through ``/oauth/token``.
"""

import base64
import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, set_token_value

from tests import factories
from wallet.models import ApiCredential
from wallet.oauth import create_credential, jwt_access_token, token_lifetime

PROBE = "/api/probe"
ISSUER = "http://testserver"


def mint_token(
    credential: ApiCredential, *, user: AbstractBaseUser | None = None, scope: str = ""
) -> str:
    """A live access token of ``credential`` (of ``user``, for a customer token).

    The JWT comes from the generator the token endpoint uses; the stored row is what every
    request is decided by, as for an issued token.
    """
    application = credential.application
    request = SimpleNamespace(
        client=application,
        user=user,
        scopes=scope.split(),
        headers={},
        expires_in=None,
    )
    token = jwt_access_token(request)
    row = get_access_token_model()(
        user=user,
        application=application,
        expires=timezone.now() + timedelta(seconds=token_lifetime()),
        scope=scope,
    )
    set_token_value(row, token)
    row.save()
    return token


def bearer(token: str) -> dict[str, str]:
    """Test-client keyword arguments sending ``Authorization: Bearer <token>``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


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
        """A client-credentials access token, from ``POST /oauth/token``."""
        response = self.token_request(grant_type="client_credentials")
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def customer_token(self, email: str, password: str = factories.TEST_PASSWORD) -> dict:
        """The whole token answer of a password grant, from ``POST /oauth/token``."""
        response = self.token_request(grant_type="password", username=email, password=password)
        assert response.status_code == 200, response.content
        return response.json()

    def minted_token(self, user: AbstractBaseUser | None = None) -> str:
        """An access token of this credential (of ``user``) minted without a request."""
        return mint_token(self.model, user=user)

    def basic_auth(self) -> str:
        """The HTTP Basic ``Authorization`` header value of this credential."""
        raw = f"{self.client_id}:{self.secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()
