"""OAuth2 for the wallet's API, on django-oauth-toolkit.

- :mod:`.credentials`: API credentials (DOT applications with a kind and a mode) and their
  hashed client secrets;
- :mod:`.tokens`: the JWT access tokens and their lifetime;
- :mod:`.validators`: which credential may use which grant, and JSON request bodies;
- :mod:`.views`: ``POST /oauth/token``, ``POST /oauth/revoke`` and the JWKS;
- :mod:`.urls`: the routes a shop includes at ``/oauth/`` (``include("wallet.oauth.urls")``).
"""

from wallet.oauth.credentials import (
    INTEGRATION,
    SALES_CHANNEL,
    ClientSecretHasher,
    create_credential,
    credential_of,
    ensure_demo_credential,
    is_public,
    rotate_secret,
    set_confidential,
)
from wallet.oauth.tokens import ORIGIN_HEADER, jwt_access_token, token_issuer, token_lifetime
from wallet.oauth.validators import WalletOAuth2Validator, WalletOAuthLibCore
from wallet.oauth.views import WalletRevokeTokenView, WalletTokenView, jwks

__all__ = [
    "INTEGRATION",
    "ORIGIN_HEADER",
    "SALES_CHANNEL",
    "ClientSecretHasher",
    "WalletOAuth2Validator",
    "WalletOAuthLibCore",
    "WalletRevokeTokenView",
    "WalletTokenView",
    "create_credential",
    "credential_of",
    "ensure_demo_credential",
    "is_public",
    "jwks",
    "jwt_access_token",
    "rotate_secret",
    "set_confidential",
    "token_issuer",
    "token_lifetime",
]
