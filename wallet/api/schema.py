"""OpenAPI 3 schema (drf-spectacular + drf-spectacular-jsonapi) and the Swagger UI docs page.

The resource definitions in :mod:`wallet.api.resources` are the single source of truth; this
module derives one djangorestframework-jsonapi serializer per resource type from them, used
only to describe the resources in the schema (rendering and parsing are done by the views).

``/api/schema/`` and ``/api/docs/`` are public: they describe the API, never data. The docs
page's JavaScript and CSS come from ``drf_spectacular_sidecar`` static files (no CDN).
"""

from functools import cache
from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView, _get_sidecar_url
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework_json_api import serializers as jsonapi_serializers
from rest_framework_json_api.relations import ResourceRelatedField

from wallet.api.resources import NO, REQUIRED, RESOURCES, Attribute, Relationship

FIELD_CLASSES: dict[str, type[serializers.Field]] = {
    "string": serializers.CharField,
    "boolean": serializers.BooleanField,
    "object": serializers.JSONField,
    "integer": serializers.IntegerField,
    "datetime": serializers.DateTimeField,
}


def _attribute_field(attr: Attribute) -> serializers.Field:
    writable = attr.create != NO or attr.update
    kwargs: dict[str, Any] = {"source": attr.field if attr.field != attr.name else None}
    if attr.getter is not None:
        kwargs["source"] = "*"
    if not writable:
        kwargs["read_only"] = True
    else:
        kwargs["required"] = attr.create == REQUIRED
        if not attr.readable:
            kwargs["write_only"] = True
    if attr.kind == "string" and writable:
        kwargs["allow_blank"] = attr.create != REQUIRED
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    return FIELD_CLASSES[attr.kind](**kwargs)


def _relationship_field(rel: Relationship) -> serializers.Field:
    target = RESOURCES[rel.target]
    kwargs: dict[str, Any] = {"many": rel.many, "model": target.model}
    if rel.writable and not rel.many:
        kwargs["queryset"] = target.model._default_manager.none()
        kwargs["required"] = rel.create == REQUIRED
        kwargs["allow_null"] = rel.create != REQUIRED
    else:
        kwargs["read_only"] = True
    if rel.field is None:
        kwargs["source"] = "*" if not rel.many else None
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    field = ResourceRelatedField(**kwargs)
    return field


def _name_model_types() -> None:
    """Give each model its JSON:API type for djangorestframework-jsonapi's schema introspection.

    DJA derives a related resource's ``type`` from ``Model.JSONAPIMeta.resource_name`` (else the
    class name, ``Customer``); the audit log model is documented as ``versions``.
    """
    for type_name in (
        "customer_payment_sources",
        "external_payments",
        "customers",
        "orders",
        "payment_gateways",
        "payment_methods",
        "versions",
        "authorizations",
        "captures",
        "voids",
        "refunds",
    ):
        model = RESOURCES[type_name].model
        if not hasattr(model, "JSONAPIMeta"):
            model.JSONAPIMeta = type("JSONAPIMeta", (), {"resource_name": type_name})


_name_model_types()


@cache
def serializer_for(type_name: str) -> type[serializers.Serializer]:
    """The (documentation-only) JSON:API serializer class of a resource type."""
    resource = RESOURCES[type_name]
    declared: dict[str, Any] = {attr.name: _attribute_field(attr) for attr in resource.attributes}
    for rel in resource.relationships:
        declared[rel.name] = _relationship_field(rel)
    meta = type(
        "Meta",
        (),
        {
            "model": resource.model,
            "fields": ["id", *declared],
            "resource_name": type_name,
        },
    )
    name = "".join(part.title() for part in type_name.split("_")) + "Serializer"
    return type(name, (jsonapi_serializers.ModelSerializer,), {**declared, "Meta": meta})


class PublicSchemaView(SpectacularAPIView):
    """``GET /api/schema/``: the OpenAPI 3 document, readable by anyone."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    custom_settings = {
        "TITLE": "Checkout wallet API",
        "DESCRIPTION": "Commerce Layer compatible JSON:API for saved payment sources and "
        "external payments.",
        "VERSION": "1.0.0",
        "COMPONENT_SPLIT_REQUEST": True,
        # Relationships such as ``versions`` are not model fields; spectacular would warn on
        # every request about them.
        "DISABLE_ERRORS_AND_WARNINGS": True,
        "PREPROCESSING_HOOKS": ["wallet.api.schema.only_api_endpoints"],
    }


class PublicSwaggerView(SpectacularSwaggerView):
    """``GET /api/docs/``: Swagger UI with its assets served from drf_spectacular_sidecar."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    title = "Checkout wallet API"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        """Swagger UI's assets from the sidecar's static files, whatever the settings say."""
        return _get_sidecar_url(f"swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        """The favicon from the sidecar's static files."""
        return _get_sidecar_url("swagger-ui-dist/favicon-32x32.png")


def only_api_endpoints(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Document the resource routes only (not the schema and docs views themselves)."""
    from wallet.api.views import JsonApiView

    return [
        endpoint
        for endpoint in endpoints
        if getattr(endpoint[3], "cls", None) is not None
        and issubclass(endpoint[3].cls, JsonApiView)
    ]
