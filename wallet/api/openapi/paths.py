"""The API's operations: per resource type its collection, item, related and relationship routes.

The routes and methods are those the URL configuration serves for each type's ``actions``;
parameters are component references (:mod:`wallet.api.openapi.parameters`), bodies and
documents component schemas (:mod:`wallet.api.openapi.objects`), errors component responses
(:mod:`wallet.api.openapi.responses`); every operation carries an example.
"""

from typing import Any

from django.urls import reverse

from wallet.api.openapi import examples
from wallet.api.openapi.objects import ref, schema_name
from wallet.api.openapi.parameters import (
    collection_parameter_names,
    document_parameter_names,
    param_ref,
)
from wallet.api.openapi.responses import (
    DELETE_ERRORS,
    ITEM_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    content,
    error_refs,
)
from wallet.api.resources import RESOURCES, Relationship, Resource

ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "example": examples.EXAMPLE_ID,
}


def api_prefix() -> str:
    """Where the shop mounts the API (``/api/``)."""
    return reverse("wallet-api:root")


def _params(names: list[str]) -> list[dict[str, Any]]:
    return [param_ref(name) for name in names]


def _ok(description: str, schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {"description": description, "content": content(schema, example)}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": content(ref(name), name)}


def collection_operations(resource: Resource) -> dict[str, Any]:
    """``GET`` (list) and ``POST`` (create) on ``/<type>``."""
    t = resource.type
    operations: dict[str, Any] = {
        "get": {
            "operationId": f"list_{t}",
            "summary": f"List {t}",
            "tags": [t],
            "parameters": _params(
                document_parameter_names(resource) + collection_parameter_names(resource)
            ),
            "responses": {
                "200": _ok(
                    f"A page of {t}.",
                    ref(schema_name(t, "Collection")),
                    schema_name(t, "Collection"),
                ),
                **error_refs(READ_ERRORS),
            },
        }
    }
    if "create" in resource.actions and resource.create is not None:
        operations["post"] = {
            "operationId": f"create_{t}",
            "summary": f"Create a {t} record",
            "tags": [t],
            "parameters": _params(document_parameter_names(resource)),
            "requestBody": _body(schema_name(t, "Create")),
            "responses": {
                "201": {
                    **_ok("Created.", ref(schema_name(t, "Document")), schema_name(t, "Document")),
                    "headers": {
                        "Location": {
                            "description": "The URL of the new record.",
                            "schema": {"type": "string", "format": "uri"},
                        }
                    },
                },
                **error_refs(WRITE_ERRORS),
            },
        }
    return operations


def item_operations(resource: Resource) -> dict[str, Any]:
    """``GET``, ``PATCH`` and ``DELETE`` on ``/<type>/{id}`` (as the type's actions allow)."""
    t = resource.type
    single = ref(schema_name(t, "Document"))
    operations: dict[str, Any] = {
        "get": {
            "operationId": f"retrieve_{t}",
            "summary": f"Retrieve a {t} record",
            "tags": [t],
            "parameters": _params(document_parameter_names(resource)),
            "responses": {
                "200": _ok("The record.", single, schema_name(t, "Document")),
                **error_refs(ITEM_ERRORS),
            },
        }
    }
    if "update" in resource.actions and resource.update is not None:
        operations["patch"] = {
            "operationId": f"update_{t}",
            "summary": f"Update a {t} record",
            "tags": [t],
            "parameters": _params(document_parameter_names(resource)),
            "requestBody": _body(schema_name(t, "Update")),
            "responses": {
                "200": _ok("The updated record.", single, schema_name(t, "Document")),
                **error_refs((*WRITE_ERRORS, 404)),
            },
        }
    if "delete" in resource.actions and resource.delete is not None:
        operations["delete"] = {
            "operationId": f"delete_{t}",
            "summary": f"Delete a {t} record",
            "tags": [t],
            "responses": {"204": {"description": "Deleted."}, **error_refs(DELETE_ERRORS)},
        }
    return operations


def related_operation(resource: Resource, rel: Relationship) -> dict[str, Any]:
    """``GET /<type>/{id}/<relationship>``: the related record, or a page of them."""
    target = RESOURCES[rel.target]
    params = document_parameter_names(target)
    if rel.many:
        params += collection_parameter_names(target)
    name = schema_name(target.type, "Collection" if rel.many else "OrNullDocument")
    schema = ref(name)
    example = schema_name(target.type, "Collection" if rel.many else "Document")
    return {
        "get": {
            "operationId": f"{resource.type}_{rel.name}",
            "summary": f"The {rel.name} of a {resource.type} record",
            "tags": [resource.type],
            "parameters": _params(params),
            "responses": {
                "200": _ok(
                    "A page of the related records." if rel.many else "The related record.",
                    schema,
                    example,
                ),
                **error_refs(ITEM_ERRORS),
            },
        }
    }


def relationship_operation(resource: Resource, rel: Relationship) -> dict[str, Any]:
    """``GET /<type>/{id}/relationships/<relationship>``: the linkage and its links."""
    identifier = ref(schema_name(rel.target, "Identifier"))
    data = (
        {"type": "array", "items": identifier}
        if rel.many
        else {"anyOf": [identifier, {"type": "null"}]}
    )
    schema = {
        "type": "object",
        "required": ["links", "data"],
        "properties": {"links": ref("RelationshipLinks"), "data": data},
        "additionalProperties": False,
    }
    return {
        "get": {
            "operationId": f"{resource.type}_relationships_{rel.name}",
            "summary": f"The {rel.name} linkage of a {resource.type} record",
            "tags": [resource.type],
            "responses": {
                "200": _ok("The linkage.", schema, examples.linkage_document(resource, rel)),
                **error_refs(ITEM_ERRORS),
            },
        }
    }


def api_paths() -> dict[str, Any]:
    """Every route of every resource type, in the registry's order."""
    prefix = api_prefix()
    paths: dict[str, Any] = {}
    for t, resource in RESOURCES.items():
        paths[f"{prefix}{t}"] = collection_operations(resource)
        paths[f"{prefix}{t}/{{id}}"] = {"parameters": [ID], **item_operations(resource)}
        for rel in resource.relationships:
            paths[f"{prefix}{t}/{{id}}/{rel.name}"] = {
                "parameters": [ID],
                **related_operation(resource, rel),
            }
            paths[f"{prefix}{t}/{{id}}/relationships/{rel.name}"] = {
                "parameters": [ID],
                **relationship_operation(resource, rel),
            }
    return paths
