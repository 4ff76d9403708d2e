"""The JSON:API viewset: one :class:`ResourceViewSet` per resource type, on DRF's own seams.

Authentication (:mod:`~wallet.api.authentication`: bearer token or session with CSRF, 401
``INVALID_TOKEN``), permission (:mod:`~wallet.api.permissions`: the roles table and its object
rules, 401 ``UNAUTHORIZED``), filter backends (:mod:`~wallet.api.filters.backends`: Ransack and
``sort``), pagination (:class:`~wallet.api.pagination.JsonApiPagination`), parsers
(:mod:`~wallet.api.parsers`: JSON:API documents), renderers (:mod:`~wallet.api.media`) and the
exception handler (:mod:`~wallet.api.errors`) are set on the class, so a shop mounts the URLs
without copying a ``REST_FRAMEWORK`` settings dict. Reads go through scoped selectors (404
outside scope), writes through services. Documents are built by :mod:`~wallet.api.document`
from the resource definitions (DRF serializers would cost about four times as much).
"""

from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any, ClassVar, NoReturn, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.viewsets import GenericViewSet

from wallet import selectors, services
from wallet.api import errors
from wallet.api.access import Access
from wallet.api.authentication import WalletAuthentication
from wallet.api.bodies import Body
from wallet.api.document import (
    Context,
    IncludeTree,
    build_document,
    linkage_data,
    load_relationship,
    parse_fields,
    parse_include,
)
from wallet.api.errors import ApiError
from wallet.api.filters.backends import RansackFilterBackend, SortBackend
from wallet.api.media import JsonApiRenderer, PlainJsonRenderer
from wallet.api.pagination import JsonApiPagination
from wallet.api.parsers import JsonApiParser, PlainJsonParser, check_primary_data
from wallet.api.permissions import RolePermission
from wallet.api.resources import RESOURCES, Relationship, Resource
from wallet.roles import CREATE, DELETE, LIST, RETRIEVE, UPDATE
from wallet.validators import has_nul

# Roles-table action of each viewset action on the routed type.
TABLE_ACTIONS = {
    "list": LIST,
    "retrieve": RETRIEVE,
    "create": CREATE,
    "partial_update": UPDATE,
    "destroy": DELETE,
}
# The actions whose answer is a document of resource objects (``include`` applies).
RENDERING_ACTIONS = frozenset({"list", "retrieve", "create", "partial_update", "related"})


class ResourceViewSet(GenericViewSet):
    """List, retrieve, create, partial update and destroy a resource type, plus its
    related (``related``) and linkage (``relationship``) routes.

    Bound to a type with :meth:`for_resource`; relationship routes also get ``relationship_name``
    (the relationship's name) from the router.
    """

    authentication_classes = (WalletAuthentication,)
    permission_classes = (RolePermission,)
    filter_backends = (RansackFilterBackend, SortBackend)
    pagination_class = JsonApiPagination
    parser_classes = (JsonApiParser, PlainJsonParser)
    renderer_classes = (JsonApiRenderer, PlainJsonRenderer)
    throttle_classes = ()  # the rate limiter is a middleware: it answers before DRF
    metadata_class = None  # OPTIONS would answer a non-JSON:API document: 405 instead
    lookup_value_converter = "str"
    resource: ClassVar[Resource]
    relationship_name: str = ""  # the relationship of a related or linkage route (router)
    unfiltered_queryset: QuerySet | None = None  # a list's scope before its filters

    @classmethod
    def for_resource(cls, resource: Resource) -> type["ResourceViewSet"]:
        """The viewset class of ``resource`` (``CustomerPaymentSourcesViewSet`` …)."""
        name = "".join(part.title() for part in resource.type.split("_")) + "ViewSet"
        return type(name, (cls,), {"resource": resource, "__doc__": f"``{resource.type}``."})

    # --- DRF seams -------------------------------------------------------------------------

    def get_exception_handler(self) -> Callable[..., Response]:
        """Every error is a JSON:API error document."""
        return errors.exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Refuse a ``format`` naming no renderer before negotiating (DRF would answer 404)."""
        check_format_override(request, self.renderer_classes)
        super().initial(request, *args, **kwargs)

    def check_permissions(self, request: Request) -> None:
        """Refuse NUL characters before anything reads the URL or the parameters, then check
        the role: PostgreSQL text can neither store nor compare them (no id has one)."""
        if has_nul([str(value) for value in self.kwargs.values()]):
            raise errors.not_found()
        for key, values in request.query_params.lists():
            if has_nul(key) or has_nul(values):
                raise errors.bad_parameter(
                    "BAD_REQUEST", key.replace("\x00", ""), _("contains a NUL character")
                )
        super().check_permissions(request)

    def permission_denied(
        self, request: Request, message: Any = None, code: Any = None
    ) -> NoReturn:
        """A role refused is 401 ``UNAUTHORIZED`` (Commerce Layer's answer), never 403."""
        raise errors.unauthorized()

    def get_queryset(self) -> QuerySet:
        """The caller's scoped queryset of the listed type.

        Its annotations (a key read from a joined table) are left out unless the request
        includes a relationship keyed by one, or filters or sorts a type whose filters or sort
        keys read one: they cost their joins in the page's query and in its count, for every
        match a filter finds before the page is sorted.
        """
        resource = self.listed_resource()
        annotate = bool(resource.annotated_relationships.intersection(self.include)) or (
            resource.filters_read_annotations
            and any(key.startswith(("filter", "sort")) for key in self.request.query_params)
        )
        return resource.queryset(self.access.scope, annotate=annotate)

    def get_object(self) -> Model:
        """The routed record in the caller's scope (404 otherwise), its object rules checked."""
        obj = self.scoped_record(self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj

    # --- what the permission, filter and pagination classes ask -----------------------------

    @property
    def access(self) -> Access:
        """The caller (``request.auth``, set by :class:`WalletAuthentication`)."""
        return cast(Access, self.request.auth)

    @cached_property
    def route_relationship(self) -> Relationship | None:
        """The relationship of a related or linkage route (``None`` on the others)."""
        return self.resource.relationship_map.get(self.relationship_name)

    def listed_resource(self) -> Resource:
        """The type of the primary data: the relationship's target on relationship routes."""
        rel = self.route_relationship
        return RESOURCES[rel.target] if rel else self.resource

    def checked_action(self) -> tuple[str, str] | None:
        """The type and roles-table action of this request (``None``: a method not served)."""
        rel = self.route_relationship
        if rel is not None:
            return rel.target, LIST if rel.many else RETRIEVE
        action = TABLE_ACTIONS.get(self.action or "")
        return None if action is None else (self.resource.type, action)

    def object_action(self) -> tuple[str, str]:
        """The type and action the object rules check: the parent's ``retrieve`` on
        relationship routes."""
        if self.route_relationship is not None:
            return self.resource.type, RETRIEVE
        return self.resource.type, TABLE_ACTIONS[self.action]

    @cached_property
    def include(self) -> IncludeTree:
        """The ``include`` tree of a rendering action (400 ``INVALID_INCLUDE`` when invalid)."""
        if self.action not in RENDERING_ACTIONS:
            return {}
        return parse_include(self.request.query_params.get("include"), self.listed_resource())

    def included_relationships(self) -> Iterator[tuple[str, bool]]:
        """Target type and to-many flag of every relationship ``include`` reaches."""
        pending = [(self.listed_resource(), self.include)]
        while pending:
            resource, tree = pending.pop(0)
            for name, subtree in tree.items():
                rel = resource.relationship_map[name]
                yield rel.target, rel.many
                pending.append((RESOURCES[rel.target], subtree))

    def known_total(self) -> int | None:
        """The row count of an unfiltered mode-wide list, kept by triggers (spares a scan)."""
        scope = self.access.scope
        if self.action != "list" or scope.is_customer:
            return None
        if any(key.startswith("filter") for key in self.request.query_params):
            return None
        return selectors.mode_total(self.resource.model, scope.mode)

    # --- actions ----------------------------------------------------------------------------

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List the records of the caller's scope: filtered, sorted, one page."""
        return self.list_document(self.context(), self.get_queryset())

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One record of the caller's scope."""
        ctx = self.context()
        return Response(build_document(self.resource, self.get_object(), ctx, many=False))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a record through its service: 201 with a ``Location`` header."""
        resource = self.resource
        ctx = self.context()
        body = Body(self.primary_data(), resource, self.access, creating=True)
        if body.subject is not None:
            self.check_object_permissions(request, body.subject)
        obj = self.write(resource.create, self.access, body.values())
        obj = self.scoped_record(obj.pk)
        return Response(
            build_document(resource, obj, ctx, many=False),
            status=201,
            headers={"Location": ctx.self_link(resource.type, obj.pk)},
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Update a record through its service (order triggers included, all or nothing)."""
        resource = self.resource
        ctx = self.context()
        obj = self.get_object()
        body = Body(self.primary_data(), resource, self.access, creating=False)
        if body.subject is not None:
            # Moving a record to another subject answers to the rule of creating it there.
            self.check_object_permissions(request, body.subject)
        values = {**body.values(), **body.triggers()}
        if values:
            self.write(resource.update, self.access, obj, values)
        obj = self.scoped_record(obj.pk)
        return Response(build_document(resource, obj, ctx, many=False))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a record through its service: 204, or 423 when history depends on it."""
        self.write(self.resource.delete, self.access, self.get_object())
        return Response(status=204)

    def related(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The target of a to-one relationship, or a page of a to-many one."""
        rel, target = self.related_definition()
        ctx = self.context()
        parent = self.get_object()
        if rel.many:
            return self.list_document(ctx, related_queryset(rel, target, parent, self.access))
        obj = load_relationship(rel, [parent], self.access.scope)[parent.pk]
        return Response(build_document(target, obj, ctx, many=False))

    def relationship(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The linkage of a relationship, with its ``self`` and ``related`` links."""
        rel, target = self.related_definition()
        parse_fields(request.query_params)  # validated as on every route, though linkage has none
        parent = self.get_object()
        self_link = f"{self.base_url()}{self.resource.type}/{parent.pk}"
        links = {
            "self": f"{self_link}/relationships/{rel.name}",
            "related": f"{self_link}/{rel.name}",
        }
        if rel.many:
            ids = related_queryset(rel, target, parent, self.access).values_list("pk", flat=True)
            data: Any = [{"type": rel.target, "id": str(pk)} for pk in ids]
        else:
            data = linkage_data(rel, load_relationship(rel, [parent], self.access.scope)[parent.pk])
        return Response({"links": links, "data": data})

    # --- helpers ----------------------------------------------------------------------------

    def related_definition(self) -> tuple[Relationship, Resource]:
        """The relationship of this route and its target type."""
        rel = self.resource.relationship_map[self.relationship_name]
        return rel, RESOURCES[rel.target]

    def primary_data(self) -> dict[str, Any]:
        """The write body's primary data, checked by the parsers (an empty body never reaches
        them: DRF answers it without parsing, so it is checked here)."""
        document = self.request.data
        if not document:
            check_primary_data(document, self.resource.type, pk=self.kwargs.get("pk"))
        return cast(dict[str, Any], document)["data"]

    def base_url(self) -> str:
        """The absolute URL of the API's root, ending with ``/``."""
        return self.request.build_absolute_uri(reverse("wallet-api:root"))

    def context(self) -> Context:
        """The rendering context of this request, with fieldsets validated."""
        return Context(
            base_url=self.base_url(),
            scope=self.access.scope,
            fields=parse_fields(self.request.query_params),
            include=self.include,
        )

    def scoped_record(self, pk: Any) -> Model:
        """The record ``pk`` of the routed type in the caller's scope, or 404."""
        obj = self.resource.queryset(self.access.scope).filter(pk=pk).first()
        if obj is None:
            raise errors.not_found()
        return obj

    def list_document(self, ctx: Context, queryset: QuerySet) -> Response:
        """A filtered, sorted page of ``queryset`` as a list document with meta and links."""
        cast(JsonApiPagination, self.paginator).check_parameters(self.request, self)
        self.unfiltered_queryset = queryset  # the scope, for a page read by id
        rows = self.paginate_queryset(self.filter_queryset(queryset))
        document = build_document(self.listed_resource(), rows, ctx, many=True)
        return self.get_paginated_response(document)

    def write(self, service: Any, *args: Any) -> Any:
        """Call a write adapter; a refusal becomes its JSON:API error, pointers in API names."""
        try:
            return service(*args)
        except (DjangoValidationError, services.WalletError) as exc:
            raise self.write_error(exc) from exc

    def write_error(self, exc: Exception) -> ApiError:
        """Map a service error to its JSON:API error, with pointers in API names."""
        resource = self.resource
        if isinstance(exc, DjangoValidationError):
            field_names = {rel.field: rel.name for rel in resource.relationships if rel.field}
            field_names.update({attr.field: attr.name for attr in resource.attributes})
            return errors.validation_error(
                exc, relationships=set(resource.relationship_map), field_names=field_names
            )
        return errors.to_api_error(exc)


def check_format_override(request: Request, renderer_classes: Any) -> None:
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


def related_queryset(
    rel: Relationship, target: Resource, parent: Model, access: Access
) -> QuerySet:
    """The scoped queryset of a to-many relationship of one parent."""
    key = rel.parent_key(parent)
    if key is None or rel.load is None:
        return target.queryset(access.scope).none()
    return rel.load(access.scope, [key])
