"""Outages answer 503 with ``Retry-After``: a branded page, a JSON:API error, or OAuth2's error.

Add ``wallet.middleware.ServiceUnavailableMiddleware`` last in ``MIDDLEWARE``. When a view fails
because the database cannot be reached (``OperationalError``, ``InterfaceError``, or a
``DatabaseError`` caused by a connection failure), the request is answered:

- under the API (namespace ``wallet-api``): a JSON:API ``503 SERVICE_UNAVAILABLE`` error;
- under the OAuth2 endpoints (``wallet-oauth``): ``{"error": "temporarily_unavailable"}``;
- anywhere else: the ``503.html`` template (the shop's layout), rendered without touching the
  database (no request context: no session, user or messages).

An outage is expected, not a bug: each request logs one warning line, without a traceback.

Under the OAuth2 endpoints, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` or more parameters than
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` answers OAuth2's JSON ``invalid_request`` (413 or 400) rather
than Django's HTML 400 page (the API's views answer their own JSON:API errors for these).
"""

import json
import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from wallet.api.errors import (
    RETRY_AFTER_SECONDS,
    is_database_outage,
    request_too_large,
    service_unavailable,
    too_many_parameters,
)

logger = logging.getLogger("wallet.outage")

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
API_NAMESPACE = "wallet-api"
OAUTH_NAMESPACE = "wallet-oauth"


class ServiceUnavailableMiddleware:
    """Answer a 503 with ``Retry-After`` when a view fails because the database is down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Serve the request unchanged; outages are handled in :meth:`process_exception`."""
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The 503 of a database outage, the JSON answer of an oversize OAuth2 request;
        ``None`` (Django's handling) for any other exception."""
        if isinstance(exception, RequestDataTooBig | TooManyFieldsSent):
            return oversize_response(request, exception)
        if not is_database_outage(exception):
            return None
        message = str(exception).strip().splitlines()
        logger.warning(
            "Service unavailable (the database is down): %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            message[0] if message else "",
        )
        response = outage_response(request)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Django's own flag (django.utils.log.log_response), absent from the stubs: the line
        # above is the only one, django.request adds none.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


def _namespaces(request: HttpRequest) -> list[str]:
    match = getattr(request, "resolver_match", None)
    return match.namespaces if match is not None else []


def oversize_response(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """OAuth2's ``invalid_request`` for a body or query over Django's limits; else ``None``."""
    if OAUTH_NAMESPACE not in _namespaces(request):
        return None
    error = (
        request_too_large() if isinstance(exception, RequestDataTooBig) else too_many_parameters()
    )
    body = json.dumps({"error": "invalid_request", "error_description": error.errors[0]["detail"]})
    return HttpResponse(body, status=error.status, content_type="application/json")


def outage_response(request: HttpRequest) -> HttpResponse:
    """The 503 body for ``request``: JSON:API, OAuth2 JSON, or the HTML page."""
    namespaces = _namespaces(request)
    if API_NAMESPACE in namespaces:
        body = json.dumps({"errors": service_unavailable().errors})
        return HttpResponse(body, status=503, content_type=JSONAPI_MEDIA_TYPE)
    if OAUTH_NAMESPACE in namespaces:
        body = json.dumps(
            {
                "error": "temporarily_unavailable",
                "error_description": _("The service is temporarily unavailable."),
            }
        )
        return HttpResponse(body, status=503, content_type="application/json")
    page = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    return HttpResponse(page, status=503)
