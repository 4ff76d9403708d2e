"""``/api/schema/`` (the OpenAPI document) and ``/api/docs/`` (Swagger UI), both public.

The document is :func:`wallet.api.openapi.openapi_document`, generated from the resource
registry on each request (it follows the settings: page sizes, mount points); it describes the
API, never data. The docs page is Swagger UI from ``drf_spectacular_sidecar``'s static files
(no CDN) with the wallet's stylesheet, which gives its text the contrast WCAG AA asks for, and a
script that keeps its controls from nesting (``wallet/static/wallet/api_docs/``). Its Authorize
button gets tokens from ``/oauth/token`` (client credentials or password flow).
"""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wallet.api.openapi import openapi_document

TITLE = "Checkout wallet API"


@method_decorator(login_not_required, name="dispatch")
class PublicSchemaView(APIView):
    """``GET /api/schema/``: the OpenAPI 3.1 document, YAML by default, ``?format=json``."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = ()
    renderer_classes = (
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
        OpenApiJsonRenderer,
        OpenApiJsonRenderer2,
    )

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The document, as the server behaves with the current settings."""
        return Response(openapi_document())


@method_decorator(login_not_required, name="dispatch")
class PublicSwaggerView(TemplateView):
    """``GET /api/docs/``: Swagger UI on the schema, with its assets served locally."""

    template_name = "wallet/api/docs.html"
    url_name = "wallet-api:schema"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The page's title, the schema URL (JSON) and the token endpoint."""
        context = super().get_context_data(**kwargs)
        context["title"] = TITLE
        context["schema_url"] = reverse(self.url_name) + "?format=json"
        return context
