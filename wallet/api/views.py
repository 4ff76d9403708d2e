"""The JSON:API views: generic collection, item, related and relationship views.

Each view is bound to a :class:`~wallet.api.resources.Resource` through ``as_view`` init
kwargs (see ``urls.py``). Every request: media types negotiated, caller resolved with
:func:`~wallet.api.access.resolve_access` (401 ``INVALID_TOKEN`` when unknown), role checked with
:func:`~wallet.api.permissions.is_allowed` (401 ``UNAUTHORIZED``), reads through scoped
selectors (404 outside scope), writes through services. Renderers, parsers, the exception
handler and the schema class are set on :class:`JsonApiView` itself, so a shop mounts the URLs
without copying a ``REST_FRAMEWORK`` settings dict.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular_jsonapi.schemas.openapi import JsonApiAutoSchema
from drf_spectacular_jsonapi.schemas.pagination import JsonApiPageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from wallet import selectors, services
from wallet.api import errors
from wallet.api.access import Access, resolve_access
from wallet.api.document import (
    Context,
    IncludeTree,
    build_document,
    linkage_data,
    load_relationship,
    parse_fields,
    parse_include,
)
from wallet.api.errors import ApiError, bad_request
from wallet.api.media import JsonApiParser, JsonApiRenderer, PlainJsonParser, PlainJsonRenderer
from wallet.api.pagination import paginate_cursor, paginate_numbers, validate_page_params
from wallet.api.permissions import is_allowed
from wallet.api.query import QueryError, apply_filters, parse_sort
from wallet.api.resources import (
    NO,
    REQUIRED,
    RESOURCES,
    Relationship,
    Resource,
)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The related record a create is checked against (``permissions.is_allowed``'s ``obj``).
CREATE_SUBJECTS = {"customer_payment_sources": "payment_source", "external_payments": "order"}


class DocumentedPagination(JsonApiPageNumberPagination):
    """How the schema documents list pages: ``page[number]``/``page[size]`` up to 25."""

    page_size = 10
    max_page_size = 25


BODY_MEMBERS = {"type", "id", "attributes", "relationships", "links", "meta"}


class JsonApiView(APIView):
    """Base of every API view: JSON:API media types, errors, and the wallet's access seam.

    DRF's own authentication and permission classes are off: the caller is resolved once per
    request by ``resolve_access`` (bearer tokens, or the session with CSRF checked on writes:
    DRF views are CSRF-exempt, so the check lives in the access seam).
    """

    renderer_classes: ClassVar = [JsonApiRenderer, PlainJsonRenderer]
    parser_classes: ClassVar = [JsonApiParser, PlainJsonParser]
    authentication_classes: ClassVar = []
    permission_classes: ClassVar = []
    throttle_classes: ClassVar = []
    metadata_class = None  # OPTIONS would answer a non-JSON:API document: 405 instead
    # Documentation only: drf-spectacular describes lists as these pages (see pagination.py).
    pagination_class = DocumentedPagination
    schema = JsonApiAutoSchema()
    resource_type: str = ""
    relationship: str = ""
    serializer_class: Any = None  # documentation only (drf-spectacular)
    access: Access

    @property
    def action(self) -> str:
        """The viewset-style action of this request (drf-spectacular names operations by it)."""
        method = getattr(getattr(self, "request", None), "method", "GET")
        if isinstance(self, CollectionView):
            return "list" if method == "GET" else "create"
        if isinstance(self, RelatedView) and self.resource.relationship_map[self.relationship].many:
            return "list"
        return {"PATCH": "partial_update", "DELETE": "destroy"}.get(method, "retrieve")

    @property
    def resource_name(self) -> str:
        """The type this route belongs to (drf-spectacular-jsonapi tags operations by it)."""
        return self.resource_type

    @property
    def resource(self) -> Resource:
        """The resource type this view serves."""
        return RESOURCES[self.resource_type]

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        """The documentation serializer, for drf-spectacular (responses are built by hand)."""
        return self.serializer_class(*args, **kwargs)

    def get_exception_handler(self) -> Callable[..., Response]:
        """Every error is a JSON:API error document."""
        return errors.exception_handler

    def perform_authentication(self, request: Request) -> None:
        """Skip DRF authentication: it would replace the session user with an anonymous one."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Negotiate, then resolve the caller: 401 ``INVALID_TOKEN`` when unknown."""
        check_format_override(request, self.renderer_classes)
        super().initial(request, *args, **kwargs)
        access = resolve_access(request._request)
        if access is None:
            raise errors.invalid_token()
        self.access = access
        # NUL characters cannot be stored in or compared with PostgreSQL text: no id has one.
        if any("\x00" in str(value) for value in kwargs.values()):
            raise errors.not_found()
        for key, values in request.query_params.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise errors.bad_parameter(
                    "BAD_REQUEST", key.replace("\x00", ""), _("contains a NUL character")
                )

    # --- helpers shared by the concrete views ----------------------------------------------

    def allow(self, resource_type: str, action: str, obj: Any = None) -> None:
        """Raise 401 UNAUTHORIZED unless the caller's role may do ``action``."""
        if not is_allowed(self.access, resource_type, action, obj):
            raise errors.unauthorized()

    def context(self, resource: Resource) -> Context:
        """The rendering context of this request, with include and fieldsets validated."""
        params = self.request.query_params
        base_url = self.request.build_absolute_uri(reverse("wallet-api:root"))
        include = parse_include(params.get("include"), resource)
        self.allow_included(resource, include)
        return Context(
            base_url=base_url,
            scope=self.access.scope,
            fields=parse_fields(params),
            include=include,
        )

    def allow_included(self, resource: Resource, tree: IncludeTree) -> None:
        """Raise 401 UNAUTHORIZED if an include path reaches a type the role may not read."""
        for name, subtree in tree.items():
            rel = resource.relationship_map[name]
            self.allow(rel.target, "list" if rel.many else "retrieve")
            self.allow_included(RESOURCES[rel.target], subtree)

    def get_object(self, resource: Resource, pk: str) -> Model:
        """The record with ``pk`` in the caller's scope, or 404."""
        obj = resource.queryset(self.access.scope).filter(pk=pk).first()
        if obj is None:
            raise errors.not_found()
        return obj

    def collection(
        self, resource: Resource, queryset: QuerySet, total: int | None = None
    ) -> Response:
        """A filtered, sorted, paginated list document of ``queryset``.

        ``total`` is the number of rows of ``queryset`` when the caller already knows it.
        """
        params = self.request.query_params
        ctx = self.context(resource)
        validate_page_params(params, cursor=resource.cursor_paginated)
        try:
            queryset = apply_filters(queryset, params, resource.filters)
            if resource.cursor_paginated:
                if "sort" in params:
                    raise QueryError("INVALID_SORT", "sort", _("Event stores cannot be sorted."))
            elif "sort" in params or not queryset.query.order_by:
                queryset = queryset.order_by(
                    *parse_sort(
                        params.get("sort"), resource.filters, default=resource.default_ordering
                    )
                )
        except QueryError as exc:
            raise errors.bad_parameter(exc.code, exc.parameter, exc.detail) from exc
        url = self.request.build_absolute_uri()
        if resource.cursor_paginated:
            rows, meta, links = paginate_cursor(queryset, params, url)
        else:
            rows, meta, links = paginate_numbers(queryset, params, url, total=total)
        document = build_document(resource, rows, ctx, many=True)
        document["meta"] = meta
        document["links"] = links
        return Response(document)

    def write_error(self, resource: Resource, exc: Exception, **names: str) -> ApiError:
        """Map a service error to its JSON:API error, with pointers in API names."""
        relationships = set(resource.relationship_map)
        if isinstance(exc, DjangoValidationError):
            field_names = {rel.field: rel.name for rel in resource.relationships if rel.field}
            field_names.update({attr.field: attr.name for attr in resource.attributes})
            field_names.update(names)
            return errors.validation_error(
                exc, relationships=relationships, field_names=field_names
            )
        return errors.to_api_error(exc)


def check_format_override(request: Request, renderer_classes: list[Any]) -> None:
    """Refuse a ``format`` query parameter (DRF's URL format override) naming no renderer.

    DRF ignores an empty one and answers 404 for an unknown one; both are bad parameters.
    """
    parameter = api_settings.URL_FORMAT_OVERRIDE
    if not parameter or parameter not in request.query_params:
        return
    formats = [renderer.format for renderer in renderer_classes]
    if request.query_params[parameter] not in formats:
        raise errors.bad_parameter(
            "BAD_REQUEST",
            parameter,
            _("%(parameter)s must be one of: %(formats)s")
            % {"parameter": parameter, "formats": ", ".join(formats)},
        )


# --- request bodies ----------------------------------------------------------------------------

KIND_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}
NULL_AS = {"string": "", "object": {}}


def _invalid(pointer: str, name: str, message: str, word: str = "invalid") -> ApiError:
    return ApiError(
        422,
        "VALIDATION_ERROR",
        f"{name} - {message}",
        title=message,
        pointer=pointer,
        meta={"error": word},
    )


def _blank(pointer: str, name: str) -> ApiError:
    return _invalid(pointer, name, _("can't be blank"), "blank")


class Body:
    """A parsed, shape-checked write body: attribute values and related records, by API name."""

    def __init__(
        self, view: JsonApiView, resource: Resource, *, pk: str | None, creating: bool
    ) -> None:
        self.view = view
        self.resource = resource
        self.creating = creating
        data = self._data(view.request)
        self._check_type_and_id(data, pk)
        self.attributes = self._attributes(data.get("attributes", {}))
        self.relationships = self._relationships(data.get("relationships", {}))
        if creating:
            self._check_required()

    @staticmethod
    def _data(request: Request) -> dict[str, Any]:
        body = request.data
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise bad_request(
                _("The request body must be a JSON:API document with data"), pointer="/data"
            )
        data = body["data"]
        unknown = sorted(set(data) - BODY_MEMBERS)
        if unknown:
            raise bad_request(
                _("%(member)s is not a member of a resource object") % {"member": unknown[0]},
                pointer=f"/data/{unknown[0]}",
            )
        return data

    def _check_type_and_id(self, data: dict[str, Any], pk: str | None) -> None:
        if "type" not in data:
            raise bad_request(_("type is required"), pointer="/data/type")
        if data["type"] != self.resource.type:
            raise ApiError(
                409,
                "CONFLICT",
                _("type must be %(type)s") % {"type": self.resource.type},
                pointer="/data/type",
            )
        if self.creating:
            if "id" in data:
                raise bad_request(_("Client-generated ids are not supported"), pointer="/data/id")
            return
        if "id" not in data:
            raise bad_request(_("id is required"), pointer="/data/id")
        if str(data["id"]) != pk:
            raise ApiError(
                400,
                "KEY_NOT_INCLUDED_IN_URL",
                _("The id in the body does not match the id in the URL"),
                pointer="/data/id",
            )

    def _attributes(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise bad_request(_("attributes must be an object"), pointer="/data/attributes")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            pointer = f"/data/attributes/{name}"
            attr = self.resource.attribute_map.get(name)
            if attr is None:
                raise bad_request(
                    _("%(name)s is not an attribute") % {"name": name}, pointer=pointer
                )
            allowed = attr.create != NO if self.creating else attr.update
            if not allowed:
                raise bad_request(
                    _("%(name)s cannot be set") % {"name": name}
                    if self.creating
                    else _("%(name)s cannot be changed") % {"name": name},
                    pointer=pointer,
                )
            if value is None and attr.kind in NULL_AS and attr.create != REQUIRED:
                value = NULL_AS[attr.kind]
            if value is None:
                if attr.create == REQUIRED:
                    raise _blank(pointer, name)
                if attr.kind != "datetime":
                    raise _invalid(pointer, name, _("must not be null"))
            elif not KIND_CHECKS.get(attr.kind, lambda v: True)(value):
                raise _invalid(pointer, name, _("must be a %(kind)s") % {"kind": attr.kind})
            values[name] = value
        return values

    def _relationships(self, raw: Any) -> dict[str, Model | None]:
        if not isinstance(raw, dict):
            raise bad_request(_("relationships must be an object"), pointer="/data/relationships")
        related: dict[str, Model | None] = {}
        for name, member in raw.items():
            pointer = f"/data/relationships/{name}"
            rel = self.resource.relationship_map.get(name)
            if rel is None:
                raise bad_request(
                    _("%(name)s is not a relationship") % {"name": name}, pointer=pointer
                )
            allowed = rel.create != NO if self.creating else rel.update
            if not allowed or rel.many:
                raise bad_request(_("%(name)s cannot be set") % {"name": name}, pointer=pointer)
            if not isinstance(member, dict) or "data" not in member:
                raise bad_request(_("A relationship needs a data member"), pointer=pointer)
            linkage = member["data"]
            if linkage is None:
                if rel.create == REQUIRED:
                    raise _blank(pointer, name)
                related[name] = None
                continue
            if not isinstance(linkage, dict) or "type" not in linkage or "id" not in linkage:
                raise bad_request(
                    _("data must be a resource identifier"), pointer=f"{pointer}/data"
                )
            if linkage["type"] != rel.target:
                raise _invalid(pointer, name, _("must be of type %(type)s") % {"type": rel.target})
            target = RESOURCES[rel.target]
            obj = target.selector(self.view.access.scope).filter(pk=str(linkage["id"])).first()
            # A role links only records it may read; the create subjects (a sales channel's
            # order, a customer's payment) answer to their own object rules in the views.
            subject = CREATE_SUBJECTS.get(self.resource.type) == name
            if obj is None or not (
                subject or is_allowed(self.view.access, rel.target, "retrieve", obj)
            ):
                raise _invalid(pointer, name, _("not found"), "not_found")
            related[name] = obj
        return related

    def _check_required(self) -> None:
        for attr in self.resource.attributes:
            if attr.create == REQUIRED and attr.name not in self.attributes:
                raise _blank(f"/data/attributes/{attr.name}", attr.name)
            if attr.create == REQUIRED and self.attributes[attr.name] in ("", None):
                raise _blank(f"/data/attributes/{attr.name}", attr.name)
        for rel in self.resource.relationships:
            if rel.create == REQUIRED and self.relationships.get(rel.name) is None:
                raise _blank(f"/data/relationships/{rel.name}", rel.name)

    def values(self) -> dict[str, Any]:
        """Model field name to value, for the services (triggers left out)."""
        values = {
            self.resource.attribute_map[name].field: value
            for name, value in self.attributes.items()
            if not self.resource.attribute_map[name].trigger
        }
        for name, obj in self.relationships.items():
            values[self.resource.relationship_map[name].field] = obj
        return values

    def triggers(self) -> dict[str, Any]:
        """The write-only trigger attributes (``_place`` …) of the body."""
        return {
            name: value
            for name, value in self.attributes.items()
            if self.resource.attribute_map[name].trigger
        }


# --- the views ---------------------------------------------------------------------------------


class CollectionView(JsonApiView):
    """``GET /api/<type>`` (list) and ``POST /api/<type>`` (create)."""

    def get(self, request: Request, **kwargs: Any) -> Response:
        """List the records of the caller's scope."""
        resource = self.resource
        self.allow(resource.type, "list")
        scope = self.access.scope
        total = None
        if not scope.is_customer and not any(key.startswith("filter") for key in request.GET):
            # An unfiltered mode-wide list: the trigger-kept count spares a table scan.
            total = selectors.mode_total(resource.model, scope.mode)
        return self.collection(resource, resource.queryset(scope), total=total)

    def post(self, request: Request, **kwargs: Any) -> Response:
        """Create a record through its service: 201 with a Location header."""
        resource = self.resource
        if "create" not in resource.actions or resource.create is None:
            return self.http_method_not_allowed(request)
        self.allow(resource.type, "create")
        ctx = self.context(resource)
        body = Body(self, resource, pk=None, creating=True)
        values = body.values()
        if resource.type in CREATE_SUBJECTS:
            # Object rules of the roles table: a customer saves only a card paid with on their
            # own order; a sales channel pays only draft or pending orders.
            subject = values.get(CREATE_SUBJECTS[resource.type])
            if subject is not None:
                self.allow(resource.type, "create", subject)
        try:
            obj = resource.create(self.access, values)
        except (DjangoValidationError, services.WalletError) as exc:
            raise self.write_error(resource, exc) from exc
        obj = self.get_object(resource, obj.pk)
        location = ctx.self_link(resource.type, obj.pk)
        return Response(
            build_document(resource, obj, ctx, many=False),
            status=201,
            headers={"Location": location},
        )


class ItemView(JsonApiView):
    """``GET``, ``PATCH`` and ``DELETE /api/<type>/<id>``."""

    def get(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Retrieve one record of the caller's scope."""
        resource = self.resource
        self.allow(resource.type, "retrieve")
        ctx = self.context(resource)
        obj = self.get_object(resource, pk)
        self.allow(resource.type, "retrieve", obj)
        return Response(build_document(resource, obj, ctx, many=False))

    def patch(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Update a record through its service (and run order triggers): 200."""
        resource = self.resource
        if "update" not in resource.actions or resource.update is None:
            return self.http_method_not_allowed(request)
        self.allow(resource.type, "update")
        ctx = self.context(resource)
        obj = self.get_object(resource, pk)
        self.allow(resource.type, "update", obj)
        body = Body(self, resource, pk=pk, creating=False)
        values = body.values()
        subject = values.get(CREATE_SUBJECTS.get(resource.type, ""))
        if subject is not None:
            # Moving a payment to another order answers to the same rule as creating it there.
            self.allow(resource.type, "update", subject)
        # Attributes, relationships and triggers go to the service together: all or nothing.
        values.update(body.triggers())
        try:
            if values:
                obj = resource.update(self.access, obj, values)
        except (DjangoValidationError, services.WalletError) as exc:
            raise self.write_error(resource, exc) from exc
        obj = self.get_object(resource, pk)
        return Response(build_document(resource, obj, ctx, many=False))

    def delete(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Delete a record through its service: 204, or 423 when history depends on it."""
        resource = self.resource
        if "delete" not in resource.actions or resource.delete is None:
            return self.http_method_not_allowed(request)
        self.allow(resource.type, "delete")
        obj = self.get_object(resource, pk)
        self.allow(resource.type, "delete", obj)
        try:
            resource.delete(self.access, obj)
        except (DjangoValidationError, services.WalletError) as exc:
            raise self.write_error(resource, exc) from exc
        return Response(status=204)


class RelatedView(JsonApiView):
    """``GET /api/<type>/<id>/<relationship>``: the related record(s) themselves."""

    def get(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """The target of a to-one relationship, or a paginated list of a to-many one."""
        parent_resource = self.resource
        rel = parent_resource.relationship_map[self.relationship]
        target = RESOURCES[rel.target]
        self.allow(target.type, "list" if rel.many else "retrieve")
        ctx = self.context(target)
        parent = self.get_object(parent_resource, pk)
        self.allow(parent_resource.type, "retrieve", parent)
        if rel.many:
            return self.collection(target, related_queryset(rel, target, parent, self.access))
        obj = load_relationship(rel, [parent], self.access.scope)[parent.pk]
        return Response(build_document(target, obj, ctx, many=False))


class RelationshipView(JsonApiView):
    """``GET /api/<type>/<id>/relationships/<relationship>``: the linkage only."""

    def get(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Resource identifiers of the relationship, with its self and related links."""
        parent_resource = self.resource
        rel = parent_resource.relationship_map[self.relationship]
        self.allow(rel.target, "list" if rel.many else "retrieve")
        parse_fields(request.query_params)  # validated as on every route, though linkage has none
        parent = self.get_object(parent_resource, pk)
        self.allow(parent_resource.type, "retrieve", parent)
        base = self.request.build_absolute_uri(reverse("wallet-api:root"))
        self_link = f"{base}{parent_resource.type}/{parent.pk}"
        links = {
            "self": f"{self_link}/relationships/{rel.name}",
            "related": f"{self_link}/{rel.name}",
        }
        if rel.many:
            target = RESOURCES[rel.target]
            queryset = related_queryset(rel, target, parent, self.access)
            ids = queryset.values_list("pk", flat=True)
            data: Any = [{"type": rel.target, "id": str(pk)} for pk in ids]
        else:
            data = linkage_data(rel, load_relationship(rel, [parent], self.access.scope)[parent.pk])
        return Response({"links": links, "data": data})


def related_queryset(
    rel: Relationship, target: Resource, parent: Model, access: Access
) -> QuerySet:
    """The scoped queryset of a to-many relationship of one parent."""
    key = rel.parent_key(parent)
    if key is None:
        return target.queryset(access.scope).none()
    return rel.load(access.scope, [key])


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """The JSON:API 404 of any unknown URL under the API."""
    return errors.error_response(request, errors.not_found())
