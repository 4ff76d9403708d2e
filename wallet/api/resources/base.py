"""The parts every resource type is made of: attributes, relationships, the resource itself.

A :class:`Resource` describes everything the viewsets need: how to read it (a scoped selector),
how to render it (attributes in Commerce Layer's order, relationships with links), how to
filter and sort it (a :class:`~wallet.api.filters.FilterSpec`), which attributes a create or an
update may carry, and which service writes it. The shared pieces (timestamps, references,
``versions``/``event_stores``) live here too.
"""

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Model, QuerySet

from wallet import selectors
from wallet.api.access import Access
from wallet.api.filters import FilterSpec
from wallet.selectors import Scope

# Create rules of an attribute or relationship.
NO = "no"
OPTIONAL = "optional"
REQUIRED = "required"


@dataclass(frozen=True)
class Attribute:
    """One attribute: API ``name``, JSON ``kind`` and the create/update rules.

    ``source`` is the model field written and read (default: ``name``); ``readable=False``
    marks a write-only attribute (``password``, order triggers).
    """

    name: str
    kind: str = "string"  # string | boolean | object | integer | datetime
    source: str | None = None
    create: str = NO
    update: bool = False
    readable: bool = True
    trigger: bool = False
    getter: Callable[[Any], Any] | None = None
    filterable: bool = False  # filter[<name>] and filter[q][<name>_<predicate>] (_jcont: JSON)
    sortable: bool = False  # sort=<name>

    @property
    def field(self) -> str:
        """The model field name behind the attribute."""
        return self.source or self.name


@dataclass(frozen=True)
class Relationship:
    """One relationship of a resource type.

    A to-one relationship reads the foreign key ``fk`` of the parent. A to-many relationship
    loads its targets for many parents at once with ``load(scope, keys)``, where each parent's
    key is ``parent_key(parent)`` and each target belongs to ``child_key(target)``: one query
    per relationship whatever the number of parents.
    """

    name: str
    target: str
    many: bool = False
    fk: str | None = None
    field: str | None = None
    create: str = NO
    update: bool = False
    includable: bool = True
    load: Callable[[Scope, list[Any]], QuerySet] | None = None
    parent_key: Callable[[Any], Any] = lambda parent: parent.pk
    child_key: Callable[[Any], Any] | None = None

    @property
    def writable(self) -> bool:
        """Whether a body may carry this relationship at all."""
        return self.create != NO or self.update


@dataclass
class Resource:
    """A JSON:API resource type and everything the generic views need to serve it."""

    type: str
    model: builtins.type[Model]  # ``type`` is the field above
    selector: Callable[[Scope], QuerySet]
    attributes: tuple[Attribute, ...]
    relationships: tuple[Relationship, ...]
    filters: FilterSpec
    actions: frozenset[str] = frozenset({"list", "retrieve", "create", "update", "delete"})
    annotate: Callable[[QuerySet], QuerySet] | None = None
    cursor_paginated: bool = False
    create: Callable[[Access, dict[str, Any]], Model] | None = None
    # The record written is an instance of ``model`` (each type its own class).
    update: Callable[[Access, Any, dict[str, Any]], Model] | None = None
    delete: Callable[[Access, Any], None] | None = None
    default_ordering: tuple[str, ...] = ("-created_at", "pk")
    # The relationship whose record a create (or moving the record) answers to in the roles
    # table's object rules: a customer's saved card its payment, a sales channel's payment its
    # order.
    subject: str | None = None
    relationship_map: dict[str, Relationship] = field(init=False)
    attribute_map: dict[str, Attribute] = field(init=False)

    def __post_init__(self) -> None:
        self.relationship_map = {rel.name: rel for rel in self.relationships}
        self.attribute_map = {attr.name: attr for attr in self.attributes}
        # Flagged attributes join the filters under their own name (explicit entries win).
        fields = {a.name: a.field for a in self.attributes if a.filterable and a.kind != "object"}
        json_fields = {
            a.name: a.field for a in self.attributes if a.filterable and a.kind == "object"
        }
        sortable = {a.name: a.field for a in self.attributes if a.sortable}
        self.filters = FilterSpec(
            fields={**fields, **self.filters.fields},
            json_fields={**json_fields, **self.filters.json_fields},
            sortable={**sortable, **self.filters.sortable},
        )

    @cached_property
    def readable_attributes(self) -> tuple[Attribute, ...]:
        """The attributes rendered in a resource object, in Commerce Layer's order."""
        return tuple(attr for attr in self.attributes if attr.readable)

    @property
    def field_names(self) -> set[str]:
        """Every name a sparse fieldset of this type may list."""
        return {a.name for a in self.readable_attributes} | set(self.relationship_map)

    @cached_property
    def rendering(self) -> tuple[tuple[str, str, Callable[[Any], Any] | None, bool], ...]:
        """How each readable attribute is rendered: ``(name, field, getter, is_datetime)``.

        Worked out once per type: a list renders it for every record.
        """
        return tuple(
            (attr.name, attr.field, attr.getter, attr.kind == "datetime")
            for attr in self.readable_attributes
        )

    @cached_property
    def annotated_relationships(self) -> frozenset[str]:
        """The to-one relationships whose key is an annotation (``annotate``), not a column."""
        columns = {field.attname for field in self.model._meta.concrete_fields}
        return frozenset(
            rel.name for rel in self.relationships if rel.fk is not None and rel.fk not in columns
        )

    @cached_property
    def filters_read_annotations(self) -> bool:
        """Whether a filter or sort key of this type reads an annotation (``annotate``): the
        first part of its ORM path is no field of the model."""
        meta = self.model._meta
        names = {f.name for f in meta.get_fields()} | {f.attname for f in meta.concrete_fields}
        spec = self.filters
        paths = [*spec.fields.values(), *spec.json_fields.values(), *spec.sortable.values()]
        return any(path.split("__")[0] not in names for path in paths)

    def queryset(self, scope: Scope, *, annotate: bool = True) -> QuerySet:
        """The scoped queryset of this type, with its annotations unless ``annotate`` is false
        (a list that reads none of them: each costs its joins, in the count too)."""
        queryset = self.selector(scope)
        if annotate and self.annotate is not None:
            queryset = self.annotate(queryset)
        return queryset


# --- shared pieces -------------------------------------------------------------------------

REFERENCE_ATTRIBUTES = (
    Attribute("reference", create=OPTIONAL, update=True),
    Attribute("reference_origin", create=OPTIONAL, update=True),
    Attribute("metadata", "object", create=OPTIONAL, update=True),
)
TIMESTAMPS = (Attribute("created_at", "datetime"), Attribute("updated_at", "datetime"))
COMMON_FILTERS = {
    "id": "id",
    "reference": "reference",
    "reference_origin": "reference_origin",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
COMMON_SORTS = dict(COMMON_FILTERS)
METADATA = {"metadata": "metadata"}


def audit_relationships(resource_type: str) -> tuple[Relationship, ...]:
    """The ``versions`` and ``event_stores`` relationships every wallet resource has."""
    return (
        Relationship(
            "versions",
            "versions",
            many=True,
            load=lambda scope, keys: selectors.audit_entries(
                scope, resource_type=resource_type, versions_only=True
            ).filter(resource_id__in=keys),
            child_key=lambda entry: entry.resource_id,
        ),
        Relationship(
            "event_stores",
            "event_stores",
            many=True,
            includable=False,
            load=lambda scope, keys: selectors.audit_entries(
                scope, resource_type=resource_type
            ).filter(resource_id__in=keys),
            child_key=lambda entry: entry.resource_id,
        ),
    )


def reference_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """The ``reference``, ``reference_origin`` and ``metadata`` of a write, for its service."""
    return {
        key: values[key] for key in ("reference", "reference_origin", "metadata") if key in values
    }
