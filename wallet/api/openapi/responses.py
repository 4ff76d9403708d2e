"""The error responses of the API, as reusable components, and which operation gives which.

Every error is a JSON:API error document (:mod:`wallet.api.errors`); the example of each is the
error the server answers in the most common case.
"""

from typing import Any

from wallet.api.errors import TITLES

JSONAPI = "application/vnd.api+json"
MEDIA_TYPES = (JSONAPI, "application/json")

# status: (component name, description, example code, example detail, example source)
ERRORS: dict[int, tuple[str, str, str, str, dict[str, str] | None]] = {
    400: (
        "BadRequest",
        "A query parameter or the body is malformed (unknown filter, sort key, include path, "
        "field, page parameter, body member; a NUL character anywhere).",
        "INVALID_FILTER",
        "'colour' is not a filterable attribute; use created_at, id, reference.",
        {"parameter": "filter[q][colour_eq]"},
    ),
    401: (
        "Unauthorized",
        "No valid token (`INVALID_TOKEN`), or the caller's role may not do this (`UNAUTHORIZED`).",
        "INVALID_TOKEN",
        "The access token you provided is invalid",
        None,
    ),
    404: (
        "NotFound",
        "No record with this id in the caller's scope (mode and, for a customer, ownership).",
        "RECORD_NOT_FOUND",
        "The resource was not found",
        None,
    ),
    405: (
        "MethodNotAllowed",
        "The route does not take this method.",
        "METHOD_NOT_ALLOWED",
        'Method "PUT" not allowed.',
        None,
    ),
    406: (
        "NotAcceptable",
        "`Accept` names neither `application/vnd.api+json` nor `application/json`.",
        "NOT_ACCEPTABLE",
        "Could not satisfy the request Accept header.",
        None,
    ),
    409: (
        "Conflict",
        "`data.type` is not the route's type.",
        "CONFLICT",
        "type must be customer_payment_sources",
        {"pointer": "/data/type"},
    ),
    413: (
        "ContentTooLarge",
        "The body is larger than the server accepts.",
        "PAYLOAD_TOO_LARGE",
        "The request body must be at most 2621440 bytes",
        None,
    ),
    415: (
        "UnsupportedMediaType",
        "`Content-Type` is neither `application/vnd.api+json` nor `application/json`.",
        "UNSUPPORTED_MEDIA_TYPE",
        'Unsupported media type "text/plain" in request.',
        None,
    ),
    422: (
        "UnprocessableEntity",
        "A value is refused (blank, taken, invalid, not found, declined by the gateway).",
        "VALIDATION_ERROR",
        "email - can't be blank",
        {"pointer": "/data/attributes/email"},
    ),
    423: (
        "Locked",
        "The record cannot change or go now (history depends on it, or it is in use).",
        "LOCKED",
        "This record is referenced by payments and cannot be deleted.",
        None,
    ),
    429: (
        "TooManyRequests",
        "Over the rate limit of the caller's mode; retry after `Retry-After` seconds.",
        "TOO_MANY_REQUESTS",
        "You have exceeded the limit of 1000 requests per 60 s.",
        None,
    ),
    503: (
        "ServiceUnavailable",
        "The database or the payment gateway cannot be reached; retry after `Retry-After`.",
        "SERVICE_UNAVAILABLE",
        "The service is temporarily unavailable",
        None,
    ),
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}

# Which errors each kind of operation can answer.
READ_ERRORS = (400, 401, 406, 429, 503)
ITEM_ERRORS = (*READ_ERRORS, 404)
WRITE_ERRORS = (400, 401, 406, 409, 413, 415, 422, 423, 429, 503)
DELETE_ERRORS = (400, 401, 404, 406, 423, 429, 503)


def error_example(status: int) -> dict[str, Any]:
    """The example error document of ``status``."""
    _name, _description, code, detail, source = ERRORS[status]
    error: dict[str, Any] = {
        "title": str(TITLES.get(status, "Too many requests")),
        "detail": detail,
        "code": code,
        "status": str(status),
    }
    if source:
        error["source"] = source
    return {"errors": [error]}


def content(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    """The same schema and example under both JSON:API media types.

    ``example`` is a value, or the name of a component example (a string).
    """
    if isinstance(example, str):
        shown = {"examples": {example: {"$ref": f"#/components/examples/{example}"}}}
    else:
        shown = {"example": example}
    return {media: {"schema": schema, **shown} for media in MEDIA_TYPES}


def error_responses() -> dict[str, Any]:
    """``components.responses``: one per error status."""
    responses = {}
    for status, (name, description, *_rest) in ERRORS.items():
        response: dict[str, Any] = {
            "description": description,
            "content": content(
                {"$ref": "#/components/schemas/ErrorDocument"}, error_example(status)
            ),
        }
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        responses[name] = response
    return responses


def error_refs(statuses: tuple[int, ...]) -> dict[str, Any]:
    """The ``responses`` entries of the given error statuses."""
    return {
        str(status): {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in statuses
    }
