"""The access tokens: JWTs shaped as Commerce Layer's, signed by :mod:`wallet.jwt_tokens`.

The database keeps only their checksum, which stays the record that authorizes (and revokes)
them. Refresh tokens are random strings.
"""

import time
from typing import Any

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth2.rfc6749 import errors

from wallet import jwt_tokens
from wallet.conf import wallet_settings
from wallet.models import Customer, Mode
from wallet.oauth.credentials import credential_of, is_public

# The oauthlib request header carrying the origin of the token request (not an HTTP header: the
# client's headers reach oauthlib under their CGI names, HTTP_...).
ORIGIN_HEADER = "Wallet-Request-Origin"


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
