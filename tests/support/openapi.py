"""Every API answer checked against the app's own OpenAPI document, with openapi-core.

:func:`assert_openapi` finds the documented operation of a request (path template and method),
fails when the answer's status is not documented for it, and validates the body (and the
documented headers) against the response's schema. A request no operation documents must be
answered as the document says: 405 for a method a route does not list, 404 for an unknown URL,
with a JSON:API error document; so must a 500 (a bug, which tests provoke on purpose).
"""

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from tests.support.jsonapi import schema_errors

HOST = "http://testserver"


@cache
def api_document() -> dict[str, Any]:
    """The generated OpenAPI document (generated once per test session)."""
    from wallet.api.openapi import openapi_document

    return openapi_document()


@cache
def _openapi() -> OpenAPI:
    # The document's own validity is one test (tests/api/test_openapi.py); checking it again
    # in every process that loads it cost seconds apiece.
    return OpenAPI.from_dict(api_document(), config=Config(spec_validator_cls=None))


@cache
def _error_validator() -> Any:
    root = {
        "$ref": "#/components/schemas/ErrorDocument",
        "components": api_document()["components"],
    }
    return jsonschema_rs.Draft202012Validator(root, validate_formats=False)


def assert_openapi(method: str, path: str, response: Any, body: Any) -> None:
    """Fail unless ``response`` is what the document says ``method path`` answers.

    ``body`` is the parsed JSON body (``None`` without one). A HEAD answer is checked against
    the GET operation's documented statuses (it has no body to validate).
    """
    method = method.lower()
    url_path = urlsplit(path).path
    what = f"{method.upper()} {url_path}"
    if response.status_code == 500:
        # A bug's answer, documented nowhere (the fuzz run fails on any): still an error document.
        _assert_undocumented(response, body, 500, what)
        return
    operation = _operation("get" if method == "head" else method, url_path)
    if operation is None:
        documented = _path_item(url_path) is not None
        _assert_undocumented(response, body, 405 if documented else 404, what)
        return
    if method == "head":
        assert str(response.status_code) in operation["responses"], what
        return
    mock = MockResponse(
        response.content,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        headers=dict(response.headers),
    )
    try:
        _openapi().validate_response(MockRequest(HOST, method, url_path), mock)
    except OpenAPIError as exc:
        causes = getattr(exc, "__cause__", None)
        details = getattr(causes, "schema_errors", None) or [causes]
        raise AssertionError(
            f"{what} answered {response.status_code}, which the OpenAPI document does not "
            f"allow: {exc}: {'; '.join(str(e)[:300] for e in details)}"
        ) from exc


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Each documented path as a regular expression (``{id}`` matches one segment)."""
    found = []
    for template in api_document()["paths"]:
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
        )
        found.append((re.compile(f"^{pattern}$"), template))
    return found


def _path_item(url_path: str) -> dict[str, Any] | None:
    for pattern, template in _templates():
        if pattern.match(url_path):
            return api_document()["paths"][template]
    return None


def _operation(method: str, url_path: str) -> dict[str, Any] | None:
    item = _path_item(url_path)
    return None if item is None else item.get(method)


def _assert_undocumented(response: Any, body: Any, status: int, what: str) -> None:
    assert response.status_code == status, (
        f"{what} is not in the OpenAPI document, yet it answered {response.status_code} "
        f"(the document says {status})"
    )
    errors = schema_errors(_error_validator(), body)
    assert not errors, f"{what}: not an error document: {errors[0]}"
