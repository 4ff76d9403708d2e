"""``POST /oauth/token``, ``POST /oauth/revoke`` (form-encoded or JSON bodies) and the JWKS.

The views use the wallet's validator and backend whatever ``OAUTH2_PROVIDER`` says, and answer
as Commerce Layer's token endpoint does.
"""

import json
import logging
import time
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import RevokeTokenView, TokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.oauth2.rfc6749.tokens import random_token_generator

from wallet import jwt_tokens
from wallet.api.errors import RETRY_AFTER_SECONDS
from wallet.api.media import LONE_SURROGATE
from wallet.oauth.tokens import jwt_access_token, token_lifetime
from wallet.oauth.validators import WalletOAuth2Validator, WalletOAuthLibCore
from wallet.roles import CUSTOMER
from wallet.validators import has_nul

logger = logging.getLogger(__name__)


def _parsed_json(request: HttpRequest) -> Any:
    """The body parsed as JSON when it holds an escape (``\\u…``) to decode, else ``None``."""
    if "\\u" not in request.body.decode("utf-8", "replace").lower():
        return None
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        return None


def _has_nul_character(request: HttpRequest) -> bool:
    """Whether the query or body holds a NUL character, raw, form-encoded or JSON-escaped."""
    query = request.META.get("QUERY_STRING", "")
    body = request.body.decode("utf-8", "replace")
    return has_nul([query, body, unquote_plus(query), unquote_plus(body), _parsed_json(request)])


def _has_lone_surrogate(request: HttpRequest) -> bool:
    """Whether a JSON body holds a lone UTF-16 surrogate (``"\\ud800"``), which no text can hold.

    Form-encoded bodies cannot carry one: Django decodes them replacing invalid UTF-8.
    """
    return any(LONE_SURROGATE.search(text) for text in _json_strings(_parsed_json(request)))


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


class WalletOAuthViewMixin(OAuthLibMixin):
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
            return super().dispatch(request, *args, **kwargs)
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
            # Django's own flag (django.utils.log.log_response), absent from the stubs:
            # django.request adds no second line.
            response._has_been_logged = True  # type: ignore[attr-defined]
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
            payload["owner_type"] = CUSTOMER
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
