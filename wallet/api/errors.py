"""JSON:API error objects: one exception type, and the handler that renders every error.

Every error the API answers is ``{"errors": [{"title", "detail", "code", "status", "source",
"meta"}]}`` with ``status`` a string and a stable ``code``. DRF's own
exceptions (parse errors, 405, 406, 415, 404) and any unexpected exception are converted here,
so no request under ``/api/`` ever answers an HTML page.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from wallet import services

logger = logging.getLogger("wallet.api")

# Model field names that the API shows under another name.
API_NAMES = {"is_default": "default"}

# Django validation codes mapped to Commerce Layer's ``meta.error`` words.
ERROR_WORDS = {
    "required": "blank",
    "blank": "blank",
    "null": "blank",
    "unique": "taken",
    "taken": "taken",
    "unique_together": "taken",
    "card_number": "invalid",
}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Record not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    423: "Locked",
    500: "Internal server error",
    503: "Service unavailable",
}

# Seconds a client is asked to wait (``Retry-After``) when the database is unavailable.
RETRY_AFTER_SECONDS = 30


class ApiError(Exception):
    """One or more JSON:API error objects with a single HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        pointer: str | None = None,
        parameter: str | None = None,
        meta: dict[str, Any] | None = None,
        extra: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        first = error_object(
            status, code, detail, title=title, pointer=pointer, parameter=parameter, meta=meta
        )
        self.errors = [first, *(extra or [])]


def error_object(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    pointer: str | None = None,
    parameter: str | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build one JSON:API error object (``status`` as a string, ``source`` only when known)."""
    error: dict[str, Any] = {
        "title": str(title or TITLES.get(status, detail)),
        "detail": str(detail),
        "code": code,
        "status": str(status),
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    if meta:
        error["meta"] = meta
    return error


def bad_request(detail: str, *, pointer: str | None = None, code: str = "BAD_REQUEST") -> ApiError:
    """A 400 about the body (``pointer``) or the request as a whole."""
    return ApiError(400, code, detail, pointer=pointer)


def bad_parameter(code: str, parameter: str, detail: str) -> ApiError:
    """A 400 about a query parameter (INVALID_FILTER, INVALID_SORT, INVALID_INCLUDE, …)."""
    return ApiError(400, code, detail, parameter=parameter)


def not_found() -> ApiError:
    """The 404 of an unknown id or a record outside the caller's scope."""
    return ApiError(404, "RECORD_NOT_FOUND", _("The resource was not found"))


def invalid_token() -> ApiError:
    """The 401 of a request without valid credentials."""
    return ApiError(401, "INVALID_TOKEN", _("The access token you provided is invalid"))


def unauthorized() -> ApiError:
    """The 401 of a caller whose role may not do this."""
    return ApiError(
        401, "UNAUTHORIZED", _("You are not authorized to perform this action on this resource")
    )


def pointer_for(field: str, relationships: frozenset[str] | set[str] = frozenset()) -> str:
    """The JSON pointer of a model field: ``/data/relationships/x`` or ``/data/attributes/x``."""
    name = API_NAMES.get(field, field)
    if name in relationships:
        return f"/data/relationships/{name}"
    return f"/data/attributes/{name}"


def validation_error(
    exc: DjangoValidationError,
    *,
    relationships: frozenset[str] | set[str] = frozenset(),
    field_names: dict[str, str] | None = None,
) -> ApiError:
    """Turn a Django ``ValidationError`` (a field dict, ideally) into a 422 VALIDATION_ERROR.

    ``field_names`` maps model field names to API names where they differ beyond ``is_default``.
    """
    names = {**API_NAMES, **(field_names or {})}
    errors: list[dict[str, Any]] = []
    items: list[tuple[str | None, DjangoValidationError]]
    if hasattr(exc, "error_dict"):
        items = [(field, error) for field, errs in exc.error_dict.items() for error in errs]
    else:
        items = [(None, error) for error in exc.error_list]
    for field, error in items:
        message = " ".join(str(m) for m in error.messages) if error.messages else str(error)
        word = ERROR_WORDS.get(error.code or "", "invalid")
        unique_check = (error.params or {}).get("unique_check") if error.params else None
        if field in (None, "__all__") and unique_check:
            # A multi-field unique constraint (email + mode): point at the API-visible field.
            field = next((name for name in unique_check if name != "mode"), None)
            word = "taken"
        if field in (None, "__all__"):
            errors.append(
                error_object(422, "VALIDATION_ERROR", message, title=message, meta={"error": word})
            )
            continue
        name = names.get(field, field)
        pointer = (
            f"/data/relationships/{name}" if name in relationships else f"/data/attributes/{name}"
        )
        errors.append(
            error_object(
                422,
                "VALIDATION_ERROR",
                f"{name} - {message}",
                title=message,
                pointer=pointer,
                meta={"error": word},
            )
        )
    if not errors:
        errors.append(error_object(422, "VALIDATION_ERROR", str(exc), meta={"error": "invalid"}))
    api_error = ApiError(422, "VALIDATION_ERROR", "")
    api_error.errors = errors
    return api_error


def domain_error(exc: services.WalletError) -> ApiError:
    """Map a service's domain refusal to its status: 423 locked, 422 declined, 503 down."""
    if isinstance(exc, services.RecordLocked):
        return ApiError(423, "LOCKED", exc.message, meta={"error": exc.code})
    if isinstance(exc, services.GatewayDown):
        return ApiError(503, "SERVICE_UNAVAILABLE", exc.message, meta={"error": exc.code})
    pointer = f"/data/attributes/{exc.field}" if exc.field else None
    return ApiError(
        422,
        "VALIDATION_ERROR",
        exc.message,
        title=exc.message,
        pointer=pointer,
        # A decline also carries what the gateway said (Stripe's ``decline_code``).
        meta={**getattr(exc, "meta", {}), "error": exc.code},
    )


def _from_drf(exc: drf_exceptions.APIException) -> ApiError:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if isinstance(exc, drf_exceptions.ParseError):
        return ApiError(400, "BAD_REQUEST", detail)
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return ApiError(405, "METHOD_NOT_ALLOWED", detail)
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return ApiError(406, "NOT_ACCEPTABLE", detail)
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return ApiError(415, "UNSUPPORTED_MEDIA_TYPE", detail)
    if isinstance(exc, drf_exceptions.NotFound):
        return not_found()
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        return invalid_token()
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return unauthorized()
    if isinstance(exc, drf_exceptions.Throttled):
        return ApiError(429, "TOO_MANY_REQUESTS", detail)
    return ApiError(exc.status_code, "BAD_REQUEST", detail)


def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (not a bad query).

    ``OperationalError`` and ``InterfaceError`` are outages (connection refused or lost, server
    shutting down, a locked SQLite file); a plain ``DatabaseError`` is one when it wraps a
    driver's connection failure.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DatabaseError):
        cause = exc.__cause__
        name = type(cause).__name__ if cause is not None else ""
        return name in {"OperationalError", "InterfaceError", "ConnectionFailure"}
    return False


def service_unavailable() -> ApiError:
    """The 503 of a request the database cannot serve right now."""
    return ApiError(503, "SERVICE_UNAVAILABLE", _("The service is temporarily unavailable"))


def request_too_large() -> ApiError:
    """The 413 of a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes."""
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        _("The request body must be at most %(limit)s bytes")
        % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
    )


def too_many_parameters() -> ApiError:
    """The 400 of a request over ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` parameters."""
    return ApiError(
        400,
        "BAD_REQUEST",
        _("A request may have at most %(limit)s parameters")
        % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
    )


def to_api_error(exc: Exception) -> ApiError:
    """Convert any exception raised while serving a request into an :class:`ApiError`.

    Unexpected exceptions are logged with their traceback here; a database outage is logged
    as one warning line, without a traceback.
    """
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, services.WalletError):
        return domain_error(exc)
    if isinstance(exc, DjangoValidationError):
        return validation_error(exc)
    if isinstance(exc, Http404):
        return not_found()
    if isinstance(exc, drf_exceptions.APIException):
        return _from_drf(exc)
    if isinstance(exc, RequestDataTooBig):
        return request_too_large()
    if isinstance(exc, TooManyFieldsSent):
        return too_many_parameters()
    if is_database_outage(exc):
        logger.warning("The database is unavailable: %s", _one_line(exc))
        return service_unavailable()
    logger.exception("Unexpected error while serving an API request")
    return ApiError(500, "INTERNAL_SERVER_ERROR", _("An unexpected error occurred"))


def _one_line(exc: BaseException) -> str:
    """``ExceptionType: first line of the message``, for a log line without a traceback."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else ''}"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler: every error becomes a JSON:API error document.

    An unexpected exception (a 500) is also sent through Django's ``got_request_exception``
    signal, as Django does for the exceptions it handles, so error trackers see it. A 503
    carries ``Retry-After``. Errors already logged here are not logged again by
    ``django.request``.
    """
    api_error = to_api_error(exc)
    headers = {}
    # The stubs omit ``Throttled.wait`` (seconds, or None), which its __init__ sets.
    if isinstance(exc, drf_exceptions.Throttled) and exc.wait:  # type: ignore[attr-defined]
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    if api_error.status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if api_error.status == 500:
        request = context.get("request")
        got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    response = Response({"errors": api_error.errors}, status=api_error.status, headers=headers)
    if api_error.status == 500 or is_database_outage(exc):
        # One log entry per failure, ours: Django's own flag (django.utils.log.log_response),
        # absent from the stubs.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def error_response(request: HttpRequest, api_error: ApiError) -> JsonResponse:
    """A plain Django response carrying a JSON:API error document (outside DRF views)."""
    return JsonResponse(
        {"errors": api_error.errors},
        status=api_error.status,
        content_type="application/vnd.api+json",
    )
