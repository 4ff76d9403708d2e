"""JSON Schemas of the JSON:API objects: resource objects, write bodies, documents, errors.

The shapes are those :mod:`wallet.api.document` renders: a resource object has ``id``,
``type``, ``links.self``, ``attributes`` (only readable ones; a sparse fieldset may leave any
out), ``relationships`` (each with ``links.self``/``links.related``, and ``data`` only when
included) and ``meta.mode``. Attribute types, nullability, choices and lengths come from the
model field behind each attribute.
"""

import inspect
import typing
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from wallet.api.document import MAX_INCLUDE_DEPTH
from wallet.api.pagination import COUNT_CAP
from wallet.api.resources import NO, REQUIRED, RESOURCES, Attribute, Relationship, Resource

JSON_TYPES = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object"},
    "integer": {"type": "integer"},
    "datetime": {"type": "string", "format": "date-time"},
}
# The kinds a write accepts ``null`` for (a blank value; see the views' body parsing).
NULL_WRITES = {"string", "object", "datetime"}
MODES = ["test", "live"]


def ref(name: str) -> dict[str, str]:
    """A ``$ref`` to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def schema_name(type_name: str, suffix: str = "") -> str:
    """``customer_payment_sources`` → ``CustomerPaymentSources`` + suffix."""
    return "".join(part.title() for part in type_name.split("_")) + suffix


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or ``null`` (JSON Schema 2020-12, as OpenAPI 3.1 has it)."""
    if "enum" in schema:
        schema = {**schema, "enum": [*schema["enum"], None]}
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def model_field(resource: Resource, attr: Attribute) -> models.Field | None:
    """The model field behind an attribute, or ``None`` (a property or a computed value)."""
    if attr.getter is not None:
        return None
    try:
        field = resource.model._meta.get_field(attr.field)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def is_nullable(resource: Resource, attr: Attribute) -> bool:
    """Whether the rendered value can be ``null``.

    A model field says so itself; a property says so by its return annotation; a computed
    value (a getter) is assumed to be nullable.
    """
    field = model_field(resource, attr)
    if field is not None:
        return bool(field.null)
    prop = inspect.getattr_static(resource.model, attr.field, None)
    if attr.getter is None and isinstance(prop, property) and prop.fget is not None:
        returns = typing.get_type_hints(prop.fget).get("return")
        return returns is None or type(None) in typing.get_args(returns)
    return True


def value_schema(resource: Resource, attr: Attribute) -> dict[str, Any]:
    """The JSON Schema of an attribute's value (without ``null``)."""
    schema: dict[str, Any] = dict(JSON_TYPES[attr.kind])
    field = model_field(resource, attr)
    if field is not None and attr.kind == "string":
        if field.choices:
            schema["enum"] = [str(value) for value, _label in field.flatchoices]
        elif field.max_length:
            schema["maxLength"] = field.max_length
    positive = (
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
    )
    if attr.kind == "integer" and isinstance(field, positive):
        schema["minimum"] = 0
    if field is not None and field.help_text:
        schema["description"] = str(field.help_text)
    return schema


def attribute_schema(resource: Resource, attr: Attribute) -> dict[str, Any]:
    """The schema of an attribute as rendered: its value, or ``null`` when it can be."""
    schema = value_schema(resource, attr)
    return nullable(schema) if is_nullable(resource, attr) else schema


def write_schema(resource: Resource, attr: Attribute) -> dict[str, Any]:
    """The schema of an attribute in a write body (optional text and objects take ``null``)."""
    schema = value_schema(resource, attr)
    schema.pop("description", None)
    if attr.kind in NULL_WRITES and attr.create != REQUIRED:
        schema = nullable(schema)
    if attr.trigger:
        schema["description"] = "Write-only trigger: never rendered."
    elif not attr.readable:
        schema["description"] = "Write-only: never rendered."
    return schema


def identifier_schema(type_name: str) -> dict[str, Any]:
    """A resource identifier object of one type."""
    return {
        "type": "object",
        "required": ["type", "id"],
        "properties": {"type": {"const": type_name}, "id": {"type": "string"}},
        "additionalProperties": False,
    }


def linkage_schema(rel: Relationship) -> dict[str, Any]:
    """The ``data`` of a relationship: an identifier or ``null``, or a list of identifiers."""
    identifier = ref(schema_name(rel.target, "Identifier"))
    if rel.many:
        return {"type": "array", "items": identifier}
    return {"anyOf": [identifier, {"type": "null"}]}


def resource_object_schema(resource: Resource) -> dict[str, Any]:
    """A resource object of ``resource`` as the server renders it."""
    attributes = {
        attr.name: attribute_schema(resource, attr) for attr in resource.readable_attributes
    }
    relationships = {
        rel.name: {
            "type": "object",
            "description": f"{'To-many' if rel.many else 'To-one'} relationship with "
            f"{rel.target}; `data` only when included"
            + ("" if rel.includable else " (not includable: never)")
            + ".",
            "required": ["links"],
            "properties": {
                "links": ref("RelationshipLinks"),
                **({"data": linkage_schema(rel)} if rel.includable else {}),
                **({"meta": ref("IncludedMeta")} if rel.many and rel.includable else {}),
            },
            "additionalProperties": False,
        }
        for rel in resource.relationships
    }
    properties: dict[str, Any] = {
        "id": {"type": "string"},
        "type": {"const": resource.type},
        "links": ref("SelfLink"),
        "attributes": {
            "type": "object",
            "description": "Every readable attribute, unless `fields[...]` lists fewer.",
            "properties": attributes,
            "additionalProperties": False,
        },
    }
    if relationships:
        properties["relationships"] = {
            "type": "object",
            "properties": relationships,
            "additionalProperties": False,
        }
    properties["meta"] = ref("ResourceMeta")
    return {
        "type": "object",
        "required": ["id", "type", "links", "attributes", "meta"],
        "properties": properties,
        "additionalProperties": False,
    }


def body_schema(resource: Resource, *, creating: bool) -> dict[str, Any]:
    """The request document of a create (``POST``) or an update (``PATCH``)."""
    attrs = [
        attr for attr in resource.attributes if (attr.create != NO if creating else attr.update)
    ]
    rels = [
        rel
        for rel in resource.relationships
        if not rel.many and (rel.create != NO if creating else rel.update)
    ]
    data: dict[str, Any] = {
        "type": "object",
        "required": ["type"] if creating else ["type", "id"],
        "properties": {"type": {"const": resource.type}},
        "additionalProperties": False,
    }
    if not creating:
        data["properties"]["id"] = {"type": "string", "description": "The id of the URL."}
    attributes: dict[str, Any] = {
        "type": "object",
        "properties": {attr.name: write_schema(resource, attr) for attr in attrs},
        "additionalProperties": False,
    }
    required_attrs = [a.name for a in attrs if creating and a.create == REQUIRED]
    if required_attrs:
        attributes["required"] = required_attrs
        data["required"].append("attributes")
    data["properties"]["attributes"] = attributes
    if rels:
        relationships: dict[str, Any] = {
            "type": "object",
            "properties": {
                rel.name: {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": ref(schema_name(rel.target, "Identifier"))
                        if creating and rel.create == REQUIRED
                        else linkage_schema(rel)
                    },
                }
                for rel in rels
            },
            "additionalProperties": False,
        }
        required_rels = [r.name for r in rels if creating and r.create == REQUIRED]
        if required_rels:
            relationships["required"] = required_rels
            data["required"].append("relationships")
        data["properties"]["relationships"] = relationships
    return {
        "type": "object",
        "required": ["data"],
        "properties": {"data": data},
    }


def reachable_types(resource: Resource, depth: int) -> list[str]:
    """The types an ``include`` of at most ``depth`` relationships can bring in."""
    found: dict[str, None] = {}
    frontier = [resource]
    for _level in range(depth):
        following = []
        for current in frontier:
            for rel in current.relationships:
                if rel.includable and rel.target not in found:
                    found[rel.target] = None
                    following.append(RESOURCES[rel.target])
        frontier = following
    return list(found)


def document_schema(
    resource: Resource, *, many: bool, nullable_data: bool = False, depth: int = 0
) -> dict[str, Any]:
    """A response document: one resource object (or ``null``) or a list, and ``included``."""
    item = ref(schema_name(resource.type))
    if many:
        data: dict[str, Any] = {"type": "array", "items": item}
    else:
        data = {"anyOf": [item, {"type": "null"}]} if nullable_data else item
    properties: dict[str, Any] = {"data": data}
    included = reachable_types(resource, depth)
    if included:
        properties["included"] = {
            "type": "array",
            "description": "The resources named by `include`.",
            "items": {"anyOf": [ref(schema_name(name)) for name in included]},
        }
    required = ["data"]
    if many:
        cursor = resource.cursor_paginated
        # Page-number lists answer a cursor page too, when asked with ``page[after]``.
        page_meta = {"anyOf": [ref("PageMeta"), ref("CursorMeta")]}
        properties["meta"] = ref("CursorMeta") if cursor else page_meta
        properties["links"] = ref("CursorLinks" if cursor else "PageLinks")
        required += ["meta", "links"]
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def resource_components(resource: Resource) -> dict[str, Any]:
    """The component schemas of one resource type."""
    components = {
        schema_name(resource.type): resource_object_schema(resource),
        schema_name(resource.type, "Identifier"): identifier_schema(resource.type),
    }
    depth = MAX_INCLUDE_DEPTH
    components[schema_name(resource.type, "Document")] = document_schema(
        resource, many=False, depth=depth
    )
    components[schema_name(resource.type, "OrNullDocument")] = document_schema(
        resource, many=False, nullable_data=True, depth=depth
    )
    components[schema_name(resource.type, "Collection")] = document_schema(
        resource, many=True, depth=depth
    )
    if "create" in resource.actions and resource.create is not None:
        components[schema_name(resource.type, "Create")] = body_schema(resource, creating=True)
    if "update" in resource.actions and resource.update is not None:
        components[schema_name(resource.type, "Update")] = body_schema(resource, creating=False)
    return components


# Page links keep the brackets of the query (``page[number]=2``) as Commerce Layer's do, which
# RFC 3986 does not allow unescaped: they are URLs, but not ``format: uri``.
PAGE_LINK = {"type": "string", "description": "An absolute URL; query brackets unescaped."}


def _links(required: list[str], names: list[str], *, page: bool = False) -> dict[str, Any]:
    link = PAGE_LINK if page else {"type": "string", "format": "uri"}
    return {
        "type": "object",
        "required": required,
        "properties": {name: link for name in names},
        "additionalProperties": False,
    }


def common_components() -> dict[str, Any]:
    """Schemas every resource shares: links, meta, the error document, linkage documents."""
    return {
        "SelfLink": _links(["self"], ["self"]),
        "RelationshipLinks": _links(["self", "related"], ["self", "related"]),
        # No ``last`` when the count is an estimate, nor on a ``page[after]`` page.
        "PageLinks": _links(["first"], ["first", "prev", "next", "last"], page=True),
        "CursorLinks": _links(["first"], ["first", "next"], page=True),
        "ResourceMeta": {
            "type": "object",
            "required": ["mode"],
            "properties": {"mode": {"enum": MODES}},
            "additionalProperties": False,
        },
        "PageMeta": {
            "type": "object",
            "required": ["record_count", "page_count"],
            "properties": {
                "record_count": {"type": "integer", "minimum": 0},
                "page_count": {"type": "integer", "minimum": 0},
                "record_count_is_estimate": {
                    "const": True,
                    "description": "Present when more rows match than the counting cap "
                    f"({COUNT_CAP:,}): `record_count` is then the cap, or the planner's estimate "
                    "of the matches.",
                },
            },
            "additionalProperties": False,
        },
        "IncludedMeta": {
            "type": "object",
            "description": "An included to-many relationship cut at its per-parent limit.",
            "required": ["included_limit", "has_more"],
            "properties": {
                "included_limit": {"type": "integer", "minimum": 1},
                "has_more": {"const": True},
            },
            "additionalProperties": False,
        },
        "CursorMeta": {
            "type": "object",
            "required": ["page_size"],
            "properties": {"page_size": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        },
        "Error": {
            "type": "object",
            "required": ["title", "detail", "code", "status"],
            "properties": {
                "title": {"type": "string"},
                "detail": {"type": "string"},
                "code": {
                    "type": "string",
                    "description": "Stable: RECORD_NOT_FOUND, INVALID_TOKEN, UNAUTHORIZED, "
                    "VALIDATION_ERROR, INVALID_FILTER, INVALID_SORT, INVALID_INCLUDE, "
                    "INVALID_FIELD, INVALID_PAGE, BAD_REQUEST, CONFLICT, LOCKED …",
                },
                "status": {"type": "string", "pattern": "^[45][0-9]{2}$"},
                "source": {
                    "type": "object",
                    "properties": {
                        "pointer": {"type": "string"},
                        "parameter": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
                "meta": {"type": "object"},
            },
            "additionalProperties": False,
        },
        "ErrorDocument": {
            "type": "object",
            "required": ["errors"],
            "properties": {"errors": {"type": "array", "minItems": 1, "items": ref("Error")}},
            "additionalProperties": False,
        },
    }
