"""The OAuth2 side of the document: security schemes, ``/oauth/token``, ``/oauth/revoke``, JWKS.

The URLs are where the shop mounts them (``wallet-oauth:token``, ``wallet-oauth:revoke`` and
the URL named ``jwks``); a route the shop does not mount is left out.
"""

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from wallet.api.openapi.responses import RETRY_AFTER, error_example

FORM = "application/x-www-form-urlencoded"


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def security_schemes() -> dict[str, Any]:
    """OAuth2 (client credentials and password flows), the bearer JWT and the session."""
    token_url = _url("wallet-oauth:token") or "/oauth/token"
    return {
        "oauth2": {
            "type": "oauth2",
            "description": "Integrations and sales channels use client credentials; a sales "
            "channel logs a customer in with the password flow.",
            "flows": {
                "clientCredentials": {"tokenUrl": token_url, "scopes": {}},
                "password": {"tokenUrl": token_url, "scopes": {}},
            },
        },
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from the token endpoint.",
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The storefront's session; writes also need the CSRF token.",
        },
    }


OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "error_description": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}},
    },
}
TOKEN = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope", "created_at"],
    "properties": {
        "access_token": {"type": "string", "description": "A JWT."},
        "token_type": {"const": "bearer"},
        "expires_in": {"type": "integer"},
        "scope": {"type": "string"},
        "created_at": {"type": "integer", "description": "Epoch seconds."},
        "refresh_token": {"type": "string"},
        "owner_id": {"type": "string"},
        "owner_type": {"const": "customer"},
    },
}
TOKEN_REQUEST = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"enum": ["client_credentials", "password", "refresh_token"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "username": {"type": "string", "description": "The customer's email (password grant)."},
        "password": {"type": "string"},
        "refresh_token": {"type": "string"},
        "scope": {"type": "string", "description": "Echoed into the token (`market:all`)."},
    },
}
REVOKE_REQUEST = {
    "type": "object",
    "required": ["token"],
    "properties": {
        "token": {"type": "string"},
        "token_type_hint": {"enum": ["access_token", "refresh_token"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
    },
}
JWKS = {
    "type": "object",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kty", "kid", "use", "alg"],
                "properties": {
                    "kty": {"const": "RSA"},
                    "kid": {"type": "string"},
                    "use": {"const": "sig"},
                    "alg": {"enum": ["RS512", "RS256"]},
                    "n": {"type": "string"},
                    "e": {"type": "string"},
                },
            },
        }
    },
}


def _json(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema, "example": example}}


def _oauth_error(description: str, error: str, status: int) -> dict[str, Any]:
    example = {"error": error, "error_description": description}
    response: dict[str, Any] = {"description": description, "content": _json(OAUTH_ERROR, example)}
    if status == 503:
        response["headers"] = RETRY_AFTER
    return response


def _errors() -> dict[str, Any]:
    return {
        "400": _oauth_error("A malformed or refused request.", "invalid_request", 400),
        "401": _oauth_error("The client or its secret is unknown.", "invalid_client", 401),
        "429": {
            "description": "Over the rate limit of the token endpoints.",
            "headers": RETRY_AFTER,
            "content": {
                "application/vnd.api+json": {
                    "schema": {"$ref": "#/components/schemas/ErrorDocument"},
                    "example": error_example(429),
                }
            },
        },
        "503": _oauth_error(
            "The service is temporarily unavailable.", "temporarily_unavailable", 503
        ),
    }


def _form(schema: dict[str, Any], example: dict[str, str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {FORM: {"schema": schema, "example": example}, **_json(schema, example)},
    }


def oauth_paths() -> dict[str, Any]:
    """``/oauth/token``, ``/oauth/revoke`` and the JWKS, where the shop mounts them."""
    paths: dict[str, Any] = {}
    token = _url("wallet-oauth:token")
    if token:
        paths[token] = {
            "post": {
                "operationId": "oauth_token",
                "summary": "Get an access token",
                "tags": ["oauth"],
                "security": [],
                "requestBody": _form(
                    TOKEN_REQUEST,
                    {
                        "grant_type": "client_credentials",
                        "client_id": "your-client-id",
                        "client_secret": "your-client-secret",
                    },
                ),
                "responses": {
                    "200": {
                        "description": "A token.",
                        "content": _json(
                            TOKEN,
                            {
                                "access_token": "your-access-token",
                                "token_type": "bearer",
                                "expires_in": 7200,
                                "scope": "market:all",
                                "created_at": 1514808000,
                            },
                        ),
                    },
                    **_errors(),
                },
            }
        }
    revoke = _url("wallet-oauth:revoke")
    if revoke:
        paths[revoke] = {
            "post": {
                "operationId": "oauth_revoke",
                "summary": "Revoke an access or refresh token",
                "tags": ["oauth"],
                "security": [],
                "requestBody": _form(
                    REVOKE_REQUEST,
                    {
                        "token": "your-access-token",
                        "client_id": "your-client-id",
                        "client_secret": "your-client-secret",
                    },
                ),
                "responses": {
                    "200": {"description": "Revoked (or unknown).", "content": _json({}, {})},
                    **_errors(),
                },
            }
        }
    jwks = _url("jwks")
    if jwks:
        paths[jwks] = {
            "get": {
                "operationId": "jwks",
                "summary": "The public keys that verify access tokens",
                "tags": ["oauth"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "A JSON Web Key Set.",
                        "content": _json(
                            JWKS,
                            {
                                "keys": [
                                    {
                                        "kty": "RSA",
                                        "kid": "your-key-id",
                                        "use": "sig",
                                        "alg": "RS512",
                                        "n": "u1SU1LfVLPHCozMxH2Mo…",
                                        "e": "AQAB",
                                    }
                                ]
                            },
                        ),
                    }
                },
            }
        }
    return paths
