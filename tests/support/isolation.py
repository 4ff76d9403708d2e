"""Helpers of the isolation tests: every route of a record, and "answers as if it did not exist"."""

import json
from typing import Any

from tests.support.api_client import JsonApiClient
from wallet.api.resources import RESOURCES

MISSING_ID = "zzzzzzzzzz"
LIST_TYPES = ("customer_payment_sources", "external_payments", "customers", "orders")


def item_routes(type_name: str, pk: str) -> list[str]:
    """The item route and every related and relationship route of one record."""
    routes = [f"/api/{type_name}/{pk}"]
    for rel in RESOURCES[type_name].relationships:
        routes.append(f"/api/{type_name}/{pk}/{rel.name}")
        routes.append(f"/api/{type_name}/{pk}/relationships/{rel.name}")
    return routes


def update_body(type_name: str, pk: str) -> dict[str, Any]:
    """A harmless update document of one record."""
    return {"data": {"type": type_name, "id": pk, "attributes": {"reference": "taken-over"}}}


def answer(response: Any, replace: tuple[str, str] = ("", "")) -> tuple[int, str]:
    """A response reduced to what a caller can observe: status and body (ids replaced)."""
    body = json.dumps(response.doc, sort_keys=True)
    if replace[0]:
        body = body.replace(*replace)
    return response.status_code, body


def assert_unseen(client: JsonApiClient, type_name: str, pk: str) -> None:
    """Every route of ``pk`` answers exactly as the same route of an id that does not exist."""
    routes = zip(item_routes(type_name, pk), item_routes(type_name, MISSING_ID), strict=True)
    for route, missing in routes:
        seen = client.get(route)
        assert seen.status_code in (401, 404), route
        assert answer(seen) == answer(client.get(missing), (MISSING_ID, pk)), route
    item, missing_item = f"/api/{type_name}/{pk}", f"/api/{type_name}/{MISSING_ID}"
    patched = client.patch(item, update_body(type_name, pk))
    patched_missing = client.patch(missing_item, update_body(type_name, MISSING_ID))
    assert answer(patched) == answer(patched_missing, (MISSING_ID, pk)), item
    assert answer(client.delete(item)) == answer(client.delete(missing_item)), item


def assert_absent(response: Any, ids: list[str]) -> None:
    """None of ``ids`` appears in the data, included records or meta of a response.

    (``links`` repeat the caller's own query string, so they are not searched.)
    """
    assert response.status_code == 200, response.content[:300]
    shown = json.dumps({key: value for key, value in response.doc.items() if key != "links"})
    for pk in ids:
        assert pk not in shown, pk
