"""Example documents of every operation, with the values of Commerce Layer's example objects.

``VALUES`` holds the example value of each attribute as Commerce Layer documents it (the
customer payment source and external payment objects, the resources' field examples); an
attribute it does not name gets the first of its choices, or a value of its kind.
"""

from typing import Any

from wallet.api.openapi.objects import is_nullable, schema_name, value_schema
from wallet.api.resources import NO, REQUIRED, Attribute, Relationship, Resource

EXAMPLE_ID = "xYZkjABcde"
BASE_URL = "https://yourdomain.commercelayer.io/api/"
TIMESTAMP = "2018-01-01T12:00:00.000Z"

# Commerce Layer's example values, by attribute name (type-specific ones by "type.name").
VALUES: dict[str, Any] = {
    "customer_payment_sources.name": "XXXX-XXXX-XXXX-1111",
    "customer_token": "cus_xxxyyyzzz",
    "customer_payment_sources.payment_source_token": "pm_xxxyyyzzz",
    "payment_source_token": "xxxx.yyyy.zzzz",
    "reference": "ANY-EXTERNAL-REFEFERNCE",
    "reference_origin": "ANY-EXTERNAL-REFEFERNCE-ORIGIN",
    "metadata": {"foo": "bar"},
    "options": {"foo": "bar"},
    "payment_instrument": {"issuer": "cl bank", "card_type": "visa"},
    "email": "john@example.com",
    "customer_email": "john@example.com",
    "password": "secret",
    "current_password": "old-secret",
    "number": "1234",
    "currency_code": "EUR",
    "total_amount_cents": 5700,
    "formatted_total_amount": "€57,00",
    "amount_cents": 5700,
    "price_amount_cents": 0,
    "payment_methods.name": "Credit card",
    "payment_gateways.name": "US payment gateway",
    "message": "Accepted",
    "token": "xxxx.yyyy.zzzz",
    "resource_type": "orders",
    "resource_id": "PzdJhdLdYV",
    "changes": {"status": ["draft", "placed"]},
    "payload": {"status": {"from": "draft", "to": "placed"}},
    "who": {"application": {"id": "DNOPYiZYpn", "kind": "sales_channel"}},
    "_customer_payment_source_id": EXAMPLE_ID,
}
KIND_VALUES = {"string": "", "boolean": True, "object": {}, "integer": 0, "datetime": TIMESTAMP}


def attribute_example(resource: Resource, attr: Attribute) -> Any:
    """The example value of one attribute."""
    for key in (f"{resource.type}.{attr.name}", attr.name):
        if key in VALUES:
            return VALUES[key]
    schema = value_schema(resource, attr)
    if "enum" in schema:
        return schema["enum"][0]
    if (
        attr.kind == "datetime"
        and is_nullable(resource, attr)
        and attr.name
        not in (
            "created_at",
            "updated_at",
        )
    ):
        return None
    return KIND_VALUES[attr.kind]


def resource_object(resource: Resource, pk: str = EXAMPLE_ID) -> dict[str, Any]:
    """An example resource object, as the server renders it."""
    self_link = f"{BASE_URL}{resource.type}/{pk}"
    obj: dict[str, Any] = {
        "id": pk,
        "type": resource.type,
        "links": {"self": self_link},
        "attributes": {
            attr.name: attribute_example(resource, attr) for attr in resource.readable_attributes
        },
    }
    if resource.relationships:
        obj["relationships"] = {
            rel.name: {
                "links": {
                    "self": f"{self_link}/relationships/{rel.name}",
                    "related": f"{self_link}/{rel.name}",
                }
            }
            for rel in resource.relationships
        }
    obj["meta"] = {"mode": "test"}
    return obj


def single_document(resource: Resource) -> dict[str, Any]:
    """The example answer of a retrieve, create or update."""
    return {"data": resource_object(resource)}


def collection_document(resource: Resource) -> dict[str, Any]:
    """The example answer of a list: one record on one page."""
    url = f"{BASE_URL}{resource.type}"
    if resource.cursor_paginated:
        meta: dict[str, Any] = {"page_size": 10}
        links = {"first": f"{url}?page[size]=10"}
    else:
        meta = {"record_count": 1, "page_count": 1}
        links = {
            "first": f"{url}?page[number]=1&page[size]=10",
            "last": f"{url}?page[number]=1&page[size]=10",
        }
    return {"data": [resource_object(resource)], "meta": meta, "links": links}


def linkage_document(resource: Resource, rel: Relationship) -> dict[str, Any]:
    """The example answer of a relationship route."""
    self_link = f"{BASE_URL}{resource.type}/{EXAMPLE_ID}"
    identifier = {"type": rel.target, "id": "BzdJhdLdYV"}
    return {
        "links": {
            "self": f"{self_link}/relationships/{rel.name}",
            "related": f"{self_link}/{rel.name}",
        },
        "data": [identifier] if rel.many else identifier,
    }


def _write_value(resource: Resource, attr: Attribute) -> Any:
    value = attribute_example(resource, attr)
    return True if attr.trigger and attr.kind == "boolean" else value


def create_body(resource: Resource) -> dict[str, Any]:
    """An example create body: the required attributes and relationships, and references."""
    attrs = [
        a
        for a in resource.attributes
        if a.create == REQUIRED or (a.create != NO and a.name in ("reference", "metadata"))
    ]
    data: dict[str, Any] = {
        "type": resource.type,
        "attributes": {a.name: _write_value(resource, a) for a in attrs},
    }
    rels = [r for r in resource.relationships if r.create == REQUIRED]
    if rels:
        data["relationships"] = {
            r.name: {"data": {"type": r.target, "id": "BzdJhdLdYV"}} for r in rels
        }
    return {"data": data}


def update_body(resource: Resource) -> dict[str, Any]:
    """An example update body: a reference and, for orders, the trigger that places one."""
    names = ("reference", "_place")
    attrs = [a for a in resource.attributes if a.update and a.name in names]
    return {
        "data": {
            "type": resource.type,
            "id": EXAMPLE_ID,
            "attributes": {a.name: _write_value(resource, a) for a in attrs},
        }
    }


def resource_examples(resource: Resource) -> dict[str, Any]:
    """``components.examples`` of one resource type, named like its schemas."""
    name = schema_name(resource.type)
    found = {
        f"{name}Document": {"value": single_document(resource)},
        f"{name}Collection": {"value": collection_document(resource)},
    }
    if "create" in resource.actions and resource.create is not None:
        found[f"{name}Create"] = {"value": create_body(resource)}
    if "update" in resource.actions and resource.update is not None:
        found[f"{name}Update"] = {"value": update_body(resource)}
    return found
