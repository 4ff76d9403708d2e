"""Routes of the JSON:API (namespace ``wallet-api``), mounted by the shop at ``/api/``.

The resource routes come from :class:`~wallet.api.routers.ResourceRouter` (one viewset per type
of :data:`~wallet.api.resources.RESOURCES`); the OpenAPI document and its docs page are public.
Anything else under the mount point answers a JSON:API 404.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path

from wallet.api import errors
from wallet.api.resources import RESOURCES
from wallet.api.routers import ResourceRouter
from wallet.api.schema import PublicSchemaView, PublicSwaggerView

app_name = "wallet-api"


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """The JSON:API 404 of any unknown URL under the API (no viewset: nothing is routed)."""
    return errors.error_response(request, errors.not_found())


router = ResourceRouter()
for resource in RESOURCES.values():
    router.register_resource(resource)

urlpatterns = [
    path("schema/", PublicSchemaView.as_view(), name="schema"),
    path("docs/", PublicSwaggerView.as_view(url_name="wallet-api:schema"), name="docs"),
    *router.urls,
    path("", not_found_view, name="root"),
    re_path(r"^.*$", not_found_view, name="not-found"),
]
