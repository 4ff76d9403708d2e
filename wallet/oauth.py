"""OAuth2 for the wallet's API, on django-oauth-toolkit: credentials, grant rules, token views.

An API credential (:class:`~wallet.models.ApiCredential`) is a DOT application with a ``kind``
and a ``mode``:

- ``integration``: ``client_credentials`` only; the token acts on everything of its mode;
- ``sales_channel``: ``client_credentials`` (a guest token) and ``password`` with a customer's
  email and password (a customer token, refreshable with ``refresh_token``).

``POST /oauth/token`` and ``POST /oauth/revoke`` accept form-encoded and JSON bodies. Roles, not
OAuth2 scopes, decide what a token may do: a requested ``scope`` is ignored.
"""

import hashlib
import json
import logging
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import RevokeTokenView, TokenView
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2.rfc6749 import errors

from wallet.conf import wallet_settings
from wallet.models import ApiCredential, Customer, Mode

logger = logging.getLogger(__name__)

INTEGRATION = ApiCredential.Kind.INTEGRATION.value
SALES_CHANNEL = ApiCredential.Kind.SALES_CHANNEL.value

# The grant types (oauthlib names) each kind of credential may use.
ALLOWED_GRANTS: dict[str, frozenset[str]] = {
    INTEGRATION: frozenset({"client_credentials"}),
    SALES_CHANNEL: frozenset({"client_credentials", "password", "refresh_token"}),
}


# --- credentials -----------------------------------------------------------------------------


class ClientSecretHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with fewer rounds and its own name, for generated client secrets only.

    A generated secret has hundreds of bits of entropy, so the million rounds that protect
    human passwords add nothing but half a second to every token request. The hash is stored
    with DOT's ``hash_client_secret`` off (DOT would re-hash it with the shop's password
    hashers) and verified by :class:`WalletOAuth2Validator`, whatever ``PASSWORD_HASHERS`` says.
    """

    algorithm = "wallet_pbkdf2_sha256"
    iterations = 10_000

    def is_hashed(self, value: str) -> bool:
        """Whether ``value`` is a hash made by this hasher."""
        return (value or "").startswith(f"{self.algorithm}$")


def create_credential(*, name: str, kind: str, mode: str) -> tuple[ApiCredential, str]:
    """Create an API credential; return it and its client secret, which is stored only hashed.

    Raises ``ValidationError`` (field dict) for an empty name, an unknown kind or mode.
    """
    name = (name or "").strip()
    problems: dict[str, Any] = {}
    if not name:
        problems["name"] = _("can't be blank")
    elif len(name) > 255:
        problems["name"] = _("is too long (maximum is 255 characters)")
    if kind not in ApiCredential.Kind.values:
        problems["kind"] = _("must be one of: %(choices)s") % {
            "choices": ", ".join(ApiCredential.Kind.values)
        }
    if mode not in Mode.values:
        problems["mode"] = _("must be one of: %(choices)s") % {"choices": ", ".join(Mode.values)}
    if problems:
        raise ValidationError(problems)
    application_model = get_application_model()
    secret = generate_client_secret()
    hasher = ClientSecretHasher()
    with transaction.atomic():
        application = application_model.objects.create(
            name=name,
            client_type=application_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=(
                application_model.GRANT_CLIENT_CREDENTIALS
                if kind == INTEGRATION
                else application_model.GRANT_PASSWORD
            ),
            client_secret=hasher.encode(secret, hasher.salt()),
            # Already hashed above: DOT must store it as is.
            hash_client_secret=False,
        )
        credential = ApiCredential.objects.create(application=application, kind=kind, mode=mode)
    return credential, secret


def rotate_secret(credential: ApiCredential) -> str:
    """Give a credential a new client secret and return it; the old one stops working.

    Tokens already issued stay valid until they expire or are revoked.
    """
    secret = generate_client_secret()
    hasher = ClientSecretHasher()
    application = credential.application
    application.client_secret = hasher.encode(secret, hasher.salt())
    application.hash_client_secret = False
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return secret


def ensure_demo_credential(*, name: str, kind: str, mode: str) -> tuple[ApiCredential, str]:
    """The demo's credential ``name``: created once, with a secret derived from SECRET_KEY.

    Running the demo again finds the same credential and prints the same secret (it is
    re-derived, never stored in clear); a secret rotated meanwhile is set back to the derived
    one. For demos only: a real credential's secret must be random (:func:`create_credential`).
    """
    secret = salted_hmac(
        "wallet.oauth.ensure_demo_credential", f"{kind}:{mode}:{name}", algorithm="sha256"
    ).hexdigest()
    credential = (
        ApiCredential.objects.select_related("application")
        .filter(kind=kind, mode=mode, application__name=name)
        .first()
    )
    if credential is None:
        credential, _random_secret = create_credential(name=name, kind=kind, mode=mode)
    hasher = ClientSecretHasher()
    application = credential.application
    if not (
        hasher.is_hashed(application.client_secret)
        and hasher.verify(secret, application.client_secret)
    ):
        application.client_secret = hasher.encode(secret, hasher.salt())
        application.hash_client_secret = False
        application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return credential, secret


def credential_of(application: Any) -> ApiCredential | None:
    """The wallet credential of a DOT application, or ``None`` for a foreign application."""
    if application is None:
        return None
    return getattr(application, "wallet_credential", None)


def token_lifetime(request: Any = None) -> int:
    """Seconds an access token lives: ``WALLET["ACCESS_TOKEN_EXPIRE_SECONDS"]``."""
    return int(wallet_settings.ACCESS_TOKEN_EXPIRE_SECONDS)


# --- oauthlib glue ---------------------------------------------------------------------------


class WalletOAuth2Validator(OAuth2Validator):
    """DOT's validator with the wallet's rules: which credential may use which grant."""

    def _load_application(self, client_id: str, request: OAuthRequest) -> Any:
        """Load the application, refusing DOT applications that are not wallet credentials."""
        application = super()._load_application(client_id, request)
        if application is not None and credential_of(application) is None:
            request.client = None
            return None
        return application

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        """Verify a wallet credential's hashed secret; other applications as DOT does."""
        hasher = ClientSecretHasher()
        if hasher.is_hashed(stored_secret):
            return bool(provided_secret) and hasher.verify(provided_secret, stored_secret)
        return super()._check_secret(provided_secret, stored_secret)

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
        if not Customer.objects.filter(user=request.user, mode=credential.mode).exists():
            request.user = None
            return False
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
        return (
            credential is not None
            and user.is_active
            and Customer.objects.filter(user=user, mode=credential.mode).exists()
        )

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: OAuthRequest,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Grant the default scopes whatever was asked: roles decide what a token may do."""
        request.scopes = list(self.get_default_scopes(client_id, request))
        return True


class WalletOAuthLibCore(OAuthLibCore):
    """DOT's bridge to oauthlib, also reading ``application/json`` request bodies."""

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


def _has_nul_character(request: HttpRequest) -> bool:
    """Whether the query or body holds a NUL character, raw, form-encoded or JSON-escaped."""
    text = (request.META.get("QUERY_STRING", "") + request.body.decode("utf-8", "replace")).lower()
    return "\x00" in text or "%00" in text or "\\u0000" in text


class WalletOAuthViewMixin:
    """Use the wallet's validator and backend whatever ``OAUTH2_PROVIDER`` says.

    A database outage answers a JSON ``503 temporarily_unavailable``, never an HTML page.
    """

    validator_class = WalletOAuth2Validator
    oauthlib_backend_class = WalletOAuthLibCore

    @method_decorator(csrf_exempt)
    @method_decorator(login_not_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Serve the OAuth2 request; a database outage is a JSON 503."""
        if _has_nul_character(request):
            # No client id, secret or password has one, and PostgreSQL cannot compare it.
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "The request contains a NUL character.",
                },
                status=400,
            )
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except DatabaseError:
            logger.exception("OAuth2 request failed: the database is unavailable")
            return JsonResponse(
                {
                    "error": "temporarily_unavailable",
                    "error_description": "The service is temporarily unavailable.",
                },
                status=503,
            )

    @classmethod
    def get_server(cls) -> Any:
        """An oauthlib server whose access tokens live ``token_lifetime()`` seconds."""
        server_kwargs = dict(oauth2_settings.server_kwargs)
        server_kwargs["token_expires_in"] = token_lifetime
        return cls.get_server_class()(cls.get_validator_class()(), **server_kwargs)


class WalletTokenView(WalletOAuthViewMixin, TokenView):
    """``POST /oauth/token``: the answer of Commerce Layer's token endpoint.

    Adds ``created_at`` (epoch seconds), and for customer tokens ``owner_id`` and
    ``owner_type``; the token type is ``bearer``.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Issue a token, then complete the answer with the wallet's fields."""
        response = super().post(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        payload = json.loads(response.content)
        token = (
            get_access_token_model()
            .objects.select_related("application__wallet_credential")
            .filter(token_checksum=_checksum(payload.get("access_token", "")))
            .first()
        )
        if token is None:  # pragma: no cover - the token was just saved
            return response
        payload["token_type"] = "bearer"
        payload["created_at"] = int(token.created.timestamp())
        credential = credential_of(token.application)
        if token.user_id is not None and credential is not None:
            customer_id = (
                Customer.objects.filter(user_id=token.user_id, mode=credential.mode)
                .values_list("pk", flat=True)
                .first()
            )
            payload["owner_id"] = customer_id
            payload["owner_type"] = "customer"
        response.content = json.dumps(payload)
        return response


class WalletRevokeTokenView(WalletOAuthViewMixin, RevokeTokenView):
    """``POST /oauth/revoke``: revoke an access or refresh token of the calling credential."""


def _checksum(token: str) -> str:
    """The SHA-256 hex digest DOT stores as a token's lookup checksum."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
