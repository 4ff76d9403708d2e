"""A Django test client speaking JSON:API that validates every answer, and the API caller of
the contract tests (an integration in test mode)."""

import json
from typing import Any

from django.test import Client

from tests.support.jsonapi import assert_jsonapi
from tests.support.openapi import assert_openapi
from tests.support.tokens import mint_token
from wallet.oauth import create_credential

JSONAPI = "application/vnd.api+json"


class JsonApiClient:
    """A test client speaking JSON:API: it sends ``application/vnd.api+json`` and checks that
    every response body is a valid JSON:API document (``response.doc`` holds it) and what the
    app's OpenAPI document says the route answers (status and body)."""

    def __init__(self, client: Client, *, auth_queries: int = 0) -> None:
        self.client = client
        self.headers: dict[str, str] = {}
        # Queries the caller's identification costs per request (session + user, or token).
        self.auth_queries = auth_queries

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = JSONAPI,
        accept: str = JSONAPI,
        raw: bytes | str | None = None,
        **extra: Any,
    ) -> Any:
        """Send one request and validate the answer; ``raw`` sends a body as is."""
        headers = {"HTTP_ACCEPT": accept, **{f"HTTP_{k}": v for k, v in self.headers.items()}}
        headers.update(extra)
        call = getattr(self.client, method.lower())
        if method.upper() in ("GET", "HEAD"):
            response = call(path, **headers)
        else:
            data = raw if raw is not None else (json.dumps(body) if body is not None else "")
            response = call(path, data=data, content_type=content_type, **headers)
        response.doc = None
        if response.content:
            assert "html" not in response.get("Content-Type", ""), response.content[:200]
            response.doc = assert_jsonapi(json.loads(response.content))
        assert_openapi(method, path, response, response.doc)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET ``path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """POST a JSON:API document."""
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """PATCH a JSON:API document."""
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE ``path``."""
        return self.request("DELETE", path, **kwargs)


def integration_client() -> JsonApiClient:
    """A client with the bearer token of a new integration credential in test mode.

    The token is minted as ``POST /oauth/token`` would issue it (the token endpoint has its own
    tests in tests/auth); resolving it is one query.
    """
    credential, _ = create_credential(name="contract tests", kind="integration", mode="test")
    api = JsonApiClient(Client(), auth_queries=1)
    api.headers["AUTHORIZATION"] = f"Bearer {mint_token(credential)}"
    return api
