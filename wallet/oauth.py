"""OAuth2 for the wallet's API, on django-oauth-toolkit: credentials, grant rules, token views.

An API credential (:class:`~wallet.models.ApiCredential`) is a DOT application with a ``kind``
and a ``mode``:

- ``integration``: ``client_credentials`` only; the token acts on everything of its mode;
- ``sales_channel``: ``client_credentials`` (a guest token) and ``password`` with a customer's
  email and password (a customer token, refreshable with ``refresh_token``).

Integrations are confidential clients: every grant needs their secret. Sales channels are public
clients by default, as in Commerce Layer (a browser storefront keeps no secret): their
``client_id`` alone gets tokens, and a secret, when sent, must be right. A shop may create a
confidential sales channel, whose grants then need the secret.

Access tokens are JWTs shaped as Commerce Layer's (:func:`jwt_access_token`), signed by
:mod:`wallet.jwt_tokens`; the database keeps only their checksum, which stays the record that
authorizes (and revokes) them. Refresh tokens are random strings.

``POST /oauth/token`` and ``POST /oauth/revoke`` accept form-encoded and JSON bodies. Roles, not
OAuth2 scopes, decide what a token may do: a requested ``scope`` (``market:all``...) is only
echoed in the answer and the token, as Commerce Layer's clients expect.
"""

import base64
import json
import logging
import re
import time
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import RevokeTokenView, TokenView
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.tokens import random_token_generator

from wallet import jwt_tokens
from wallet.api.errors import RETRY_AFTER_SECONDS
from wallet.api.media import LONE_SURROGATE
from wallet.conf import wallet_settings
from wallet.models import ApiCredential, Customer, Mode

logger = logging.getLogger(__name__)

INTEGRATION = ApiCredential.Kind.INTEGRATION.value
SALES_CHANNEL = ApiCredential.Kind.SALES_CHANNEL.value

# The oauthlib request header carrying the origin of the token request (not an HTTP header: the
# client's headers reach oauthlib under their CGI names, HTTP_...).
ORIGIN_HEADER = "Wallet-Request-Origin"

# RFC 6749 section 3.3 scope tokens (bounded), echoed into tokens; at most MAX_SCOPES of them.
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,100}")
MAX_SCOPES = 10

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


def create_credential(
    *, name: str, kind: str, mode: str, confidential: bool | None = None
) -> tuple[ApiCredential, str]:
    """Create an API credential; return it and its client secret, which is stored only hashed.

    ``confidential`` defaults to the kind's: integrations are confidential (and cannot be
    anything else), sales channels public. A public credential also gets a secret, which its
    grants may omit.

    Raises ``ValidationError`` (field dict) for an empty name, an unknown kind or mode, or a
    public integration.
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
    if confidential is None:
        confidential = kind != SALES_CHANNEL
    if kind == INTEGRATION and not confidential:
        problems["confidential"] = _("integrations are always confidential")
    if problems:
        raise ValidationError(problems)
    application_model = get_application_model()
    secret = generate_client_secret()
    hasher = ClientSecretHasher()
    with transaction.atomic():
        application = application_model.objects.create(
            name=name,
            client_type=(
                application_model.CLIENT_CONFIDENTIAL
                if confidential
                else application_model.CLIENT_PUBLIC
            ),
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
    default_type = (
        application.CLIENT_PUBLIC if kind == SALES_CHANNEL else application.CLIENT_CONFIDENTIAL
    )
    if application.client_type != default_type:
        application.client_type = default_type
        application.save(update_fields=["client_type", "updated"])
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


def is_public(application: Any) -> bool:
    """Whether a DOT application is a public wallet client: a sales channel not confidential.

    An integration is never public, whatever its application says.
    """
    credential = credential_of(application)
    return (
        credential is not None
        and credential.kind == SALES_CHANNEL
        and application.client_type == application.CLIENT_PUBLIC
    )


def set_confidential(credential: ApiCredential, confidential: bool) -> None:
    """Make a sales channel confidential (its grants need the secret) or public again.

    Raises ``ValidationError`` to make an integration public. Tokens already issued stay valid.
    """
    if credential.kind == INTEGRATION and not confidential:
        raise ValidationError({"confidential": _("integrations are always confidential")})
    application = credential.application
    application.client_type = (
        application.CLIENT_CONFIDENTIAL if confidential else application.CLIENT_PUBLIC
    )
    application.save(update_fields=["client_type", "updated"])


def token_lifetime(request: Any = None) -> int:
    """Seconds an access token lives: ``WALLET["ACCESS_TOKEN_EXPIRE_SECONDS"]``."""
    return int(wallet_settings.ACCESS_TOKEN_EXPIRE_SECONDS)


def token_issuer(request: OAuthRequest) -> str:
    """The ``iss`` claim: ``WALLET["JWT_ISSUER"]``, else the origin of the token request."""
    configured = wallet_settings.JWT_ISSUER
    if configured:
        return str(configured)
    headers = getattr(request, "headers", None) or {}
    return str(headers.get(ORIGIN_HEADER, ""))


def jwt_access_token(request: OAuthRequest) -> str:
    """oauthlib's token generator: a signed JWT with Commerce Layer's claims.

    ``organization`` (``WALLET["ORGANIZATION_ID"]``/``["ORGANIZATION_SLUG"]``), ``application``
    (the DOT application's id and client id, the credential's kind, whether it is public),
    ``owner`` for a customer token, ``scope``, ``test`` (the credential's mode), ``exp``,
    ``iat``, ``iss`` and ``rand``. The claims describe the token when it was issued; every
    request is still decided by the token's database row.
    """
    application = request.client
    credential = credential_of(application)
    if credential is None:  # pragma: no cover - the validator refuses foreign applications
        raise errors.InvalidClientError(request=request)
    slug = str(wallet_settings.ORGANIZATION_SLUG)
    public = is_public(application)
    issued_at = int(time.time())
    claims: dict[str, Any] = {
        "organization": {"id": str(wallet_settings.ORGANIZATION_ID or slug), "slug": slug},
        "application": {
            "id": str(application.pk),
            "client_id": application.client_id,
            "kind": credential.kind,
            "public": public,
            "confidential": not public,
        },
    }
    if getattr(request, "user", None) is not None:
        customer_id = getattr(request, "wallet_customer_id", None)
        if customer_id is None:
            customer_id = (
                Customer.objects.filter(user=request.user, mode=credential.mode)
                .values_list("pk", flat=True)
                .first()
            )
        claims["owner"] = {"id": str(customer_id), "type": "Customer"}
    claims.update(
        {
            "scope": " ".join(request.scopes or []),
            "test": credential.mode == Mode.TEST,
            "exp": issued_at + int(getattr(request, "expires_in", None) or token_lifetime()),
            "iat": issued_at,
            "iss": token_issuer(request),
            "rand": jwt_tokens.random_claim(),
        }
    )
    return jwt_tokens.encode(claims)


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
        basic = self._extract_basic_auth(request)
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


def _has_nul_character(request: HttpRequest) -> bool:
    """Whether the query or body holds a NUL character, raw, form-encoded or JSON-escaped."""
    text = (request.META.get("QUERY_STRING", "") + request.body.decode("utf-8", "replace")).lower()
    return "\x00" in text or "%00" in text or "\\u0000" in text


def _has_lone_surrogate(request: HttpRequest) -> bool:
    """Whether a JSON body holds a lone UTF-16 surrogate (``"\\ud800"``), which no text can hold.

    Form-encoded bodies cannot carry one: Django decodes them replacing invalid UTF-8.
    """
    if "\\u" not in request.body.decode("utf-8", "replace").lower():
        return False
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):
        return False
    return any(LONE_SURROGATE.search(text) for text in _json_strings(data))


def _json_strings(value: Any) -> Any:
    """Every string inside a parsed JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


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
        if _has_lone_surrogate(request):
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "The request contains a lone UTF-16 surrogate.",
                },
                status=400,
            )
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        except DatabaseError as exc:
            # An expected outage: one line per request, no traceback (as the API logs it).
            logger.warning(
                "OAuth2 request failed: the database is unavailable: %s",
                (str(exc).splitlines() or [""])[0],
            )
            response = JsonResponse(
                {
                    "error": "temporarily_unavailable",
                    "error_description": "The service is temporarily unavailable.",
                },
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            response._has_been_logged = True  # django.request adds no second line
            return response

    @classmethod
    def get_server(cls) -> Any:
        """An oauthlib server issuing JWTs (:func:`jwt_access_token`) that live
        ``token_lifetime()`` seconds, with random refresh tokens."""
        server_kwargs = dict(oauth2_settings.server_kwargs)
        server_kwargs["token_expires_in"] = token_lifetime
        server_kwargs["token_generator"] = jwt_access_token
        server_kwargs["refresh_token_generator"] = random_token_generator
        return cls.get_server_class()(cls.get_validator_class()(), **server_kwargs)


class WalletTokenView(WalletOAuthViewMixin, TokenView):
    """``POST /oauth/token``: the answer of Commerce Layer's token endpoint.

    Adds ``created_at`` (epoch seconds, the token's ``iat``), and for customer tokens
    ``owner_id`` and ``owner_type``; the token type is ``bearer``. Read from the JWT just
    issued: no query.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Issue a token, then complete the answer with the wallet's fields."""
        response = super().post(request, *args, **kwargs)
        if response.status_code != 200:
            return _with_errors_member(response)
        payload = json.loads(response.content)
        claims = jwt_tokens.unverified_claims(payload.get("access_token", "")) or {}
        payload["token_type"] = "bearer"
        payload["created_at"] = int(claims.get("iat") or time.time())
        owner = claims.get("owner")
        if isinstance(owner, dict) and owner.get("id"):
            payload["owner_id"] = owner["id"]
            payload["owner_type"] = "customer"
        response.content = json.dumps(payload)
        return response


def _with_errors_member(response: HttpResponse) -> HttpResponse:
    """Add Commerce Layer's ``errors`` array to an OAuth2 error answer, keeping RFC 6749's
    ``error`` and ``error_description`` (js-auth tells failures by ``errors``)."""
    try:
        payload = json.loads(response.content or b"null")
    except ValueError:
        return response
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), str):
        return response
    detail = str(payload.get("error_description") or payload["error"].replace("_", " "))
    payload["errors"] = [
        {
            "title": payload["error"].replace("_", " ").capitalize(),
            "detail": detail,
            "code": payload["error"].upper(),
            "status": str(response.status_code),
        }
    ]
    response.content = json.dumps(payload)
    return response


class WalletRevokeTokenView(WalletOAuthViewMixin, RevokeTokenView):
    """``POST /oauth/revoke``: revoke an access or refresh token of the calling credential.

    A success answers ``{}`` as Commerce Layer does (js-auth's ``revoke`` parses the body).
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Revoke the token; an empty success body becomes ``{}``."""
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200 and not response.content.strip():
            response.content = b"{}"
            response["Content-Type"] = "application/json"
        return response


@login_not_required
@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """``GET /.well-known/jwks.json``: the public key that verifies access tokens' signatures."""
    response = JsonResponse(jwt_tokens.public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
