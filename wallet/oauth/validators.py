"""The oauthlib glue: the wallet's grant rules (:class:`WalletOAuth2Validator`) and a backend
that also reads JSON bodies (:class:`WalletOAuthLibCore`).

Roles, not OAuth2 scopes, decide what a token may do: a requested ``scope`` (``market:all``...)
is only echoed in the answer and the token, as Commerce Layer's clients expect.
"""

import base64
import json
import re
from typing import Any
from urllib.parse import unquote_plus

from django.http import HttpRequest
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2.rfc6749 import errors

from wallet.models import Customer
from wallet.oauth.credentials import (
    INTEGRATION,
    SALES_CHANNEL,
    ClientSecretHasher,
    credential_of,
    is_public,
)
from wallet.oauth.tokens import ORIGIN_HEADER

# RFC 6749 section 3.3 scope tokens (bounded), echoed into tokens; at most MAX_SCOPES of them.
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")
MAX_SCOPES = 10

# The grant types (oauthlib names) each kind of credential may use.
ALLOWED_GRANTS: dict[str, frozenset[str]] = {
    INTEGRATION: frozenset({"client_credentials"}),
    SALES_CHANNEL: frozenset({"client_credentials", "password", "refresh_token"}),
}


def basic_credentials(request: OAuthRequest) -> str | None:
    """The base64 value of an ``Authorization: Basic …`` header, else ``None``."""
    headers = getattr(request, "headers", None) or {}
    auth_type, _space, value = str(headers.get("HTTP_AUTHORIZATION") or "").partition(" ")
    return value if auth_type == "Basic" and value else None


class WalletOAuth2Validator(OAuth2Validator):
    """DOT's validator with the wallet's rules: which credential may use which grant.

    Two of its overrides are DOT's private methods, for want of a public hook:
    ``_load_application`` (the one place every grant loads its client: a DOT application that
    is not a wallet credential is refused there) and ``_check_secret`` (DOT checks secrets with
    the shop's ``PASSWORD_HASHERS``, which do not know :class:`ClientSecretHasher`).
    ``pyproject.toml`` bounds django-oauth-toolkit to the versions they were checked against,
    and ``tests/auth/test_dot_private_hooks.py`` fails on any other.
    """

    def _load_application(self, client_id: str, request: OAuthRequest) -> Any:
        """Load the application, refusing DOT applications that are not wallet credentials."""
        application = super()._load_application(client_id, request)
        if application is not None and credential_of(application) is None:
            request.client = None
            return None
        return application

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        """Verify a wallet credential's hashed secret; other applications as DOT does."""
        if not stored_secret:
            return False
        hasher = ClientSecretHasher()
        if hasher.is_hashed(stored_secret):
            return bool(provided_secret) and hasher.verify(provided_secret, stored_secret)
        return super()._check_secret(provided_secret, stored_secret)

    def authenticate_client(self, request: OAuthRequest, *args: Any, **kwargs: Any) -> bool:
        """A secret, when one is sent, must be right; a public sales channel needs none.

        oauthlib asks this for every client-credentials request (and for other grants when a
        secret is sent).
        """
        if super().authenticate_client(request, *args, **kwargs):
            return True
        if getattr(request, "client_secret", None):
            return False  # a wrong secret
        client_id = getattr(request, "client_id", None)
        basic = basic_credentials(request)
        if basic is not None:
            client_id = self._basic_auth_client_id_without_secret(basic)
            if client_id is None:
                return False  # a wrong secret, or not Basic credentials at all
        if not client_id or self._load_application(client_id, request) is None:
            return False
        return is_public(request.client)

    @staticmethod
    def _basic_auth_client_id_without_secret(auth_string: str) -> str | None:
        """The client id of an HTTP Basic value ``client_id:`` (empty secret), else ``None``."""
        try:
            decoded = base64.b64decode(auth_string, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, separator, secret = decoded.partition(":")
        if not separator or secret:
            return None
        return unquote_plus(client_id) or None

    def authenticate_client_id(
        self, client_id: str, request: OAuthRequest, *args: Any, **kwargs: Any
    ) -> bool:
        """Only a public sales channel may get tokens without authenticating."""
        if self._load_application(client_id, request) is None:
            return False
        return is_public(request.client)

    def validate_grant_type(
        self,
        client_id: str,
        grant_type: str,
        client: Any,
        request: OAuthRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Integrations use client credentials; sales channels also password and refresh."""
        credential = credential_of(request.client)
        return credential is not None and grant_type in ALLOWED_GRANTS[credential.kind]

    def validate_user(
        self,
        username: str,
        password: str,
        client: Any,
        request: OAuthRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Check a customer's email and password, through a sales channel only.

        The user must be linked to a customer in the credential's mode. oauthlib asks this
        before it checks the grant type, so the kind is checked here first: an integration
        credential never learns whether a password is right.
        """
        credential = credential_of(request.client)
        if credential is None or credential.kind != SALES_CHANNEL:
            raise errors.UnauthorizedClientError(
                description="Only sales channel credentials may use the password grant.",
                request=request,
            )
        if not super().validate_user(username, password, client, request, *args, **kwargs):
            return False
        customer_id = (
            Customer.objects.filter(user=request.user, mode=credential.mode)
            .values_list("pk", flat=True)
            .first()
        )
        if customer_id is None:
            request.user = None
            return False
        request.wallet_customer_id = customer_id
        return True

    def validate_refresh_token(
        self,
        refresh_token: str,
        client: Any,
        request: OAuthRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """DOT's checks, and the customer behind the token must still be able to sign in."""
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        user = request.user
        if user is None:
            return True
        credential = credential_of(client)
        if credential is None or not user.is_active:
            return False
        customer_id = (
            Customer.objects.filter(user=user, mode=credential.mode)
            .values_list("pk", flat=True)
            .first()
        )
        request.wallet_customer_id = customer_id
        return customer_id is not None

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: OAuthRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Echo the scope asked for (``market:all``...), else the default; never refuse one.

        Roles, not scopes, decide what a token may do: the scope is only repeated, in the
        answer and the token, because Commerce Layer's clients key their token caches by it.
        A scope of more than ``MAX_SCOPES`` values or with a value that is not an RFC 6749
        scope token is replaced by the default.
        """
        asked = [value for value in scopes or [] if value]
        if asked and len(asked) <= MAX_SCOPES and all(SCOPE_TOKEN.fullmatch(v) for v in asked):
            request.scopes = asked
        else:
            request.scopes = list(self.get_default_scopes(client_id, request))
        return True


class WalletOAuthLibCore(OAuthLibCore):
    """DOT's bridge to oauthlib, also reading ``application/json`` request bodies."""

    def extract_headers(self, request: HttpRequest) -> dict[str, Any]:
        """DOT's headers, plus the request's origin for the tokens' ``iss`` claim."""
        headers = super().extract_headers(request)
        headers[ORIGIN_HEADER] = f"{request.scheme}://{request.get_host()}"
        return headers

    def extract_body(self, request: HttpRequest) -> list[tuple[str, str]]:
        """The body's parameters, from a JSON object or a form-encoded body."""
        content_type = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            return super().extract_body(request)
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return []
        if not isinstance(data, dict):
            return []
        return [
            (str(key), value if isinstance(value, str) else json.dumps(value))
            for key, value in data.items()
            if value is not None
        ]
