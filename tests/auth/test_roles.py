"""The roles table (README, "Roles"), walked route by route against the real API.

The expectations below are written out by hand from that table (not computed with
``wallet.api.permissions``): role x resource x action (list, retrieve, create, update, delete)
and every related and relationship route. Allowed answers 200/201/204; a role that may not
answers 401 ``UNAUTHORIZED``; an action a resource does not have answers 405.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.support.api import document
from tests.support.api_client import JsonApiClient
from tests.support.world import (
    World,
    build_world,
    built_for_the_module,
    caller,
    fresh_copy,
    new_card_token,
)
from wallet.api.resources import RESOURCES
from wallet.models import AuditEntry, Customer, CustomerPaymentSource, ExternalPayment, Order

ALL = frozenset({"list", "retrieve", "create", "update", "delete"})
READ = frozenset({"list", "retrieve"})
# Commerce Layer's transaction types: read by integrations and by customers (their own orders').
TRANSACTIONS = ("authorizations", "captures", "voids", "refunds")

# README, "Roles". Customer: "own" records (the scope makes them own); customers may
# not create or delete customers, nor delete orders. payment_gateways (a supporting resource)
# are readable by every role: the payment forms need them.
TABLE: dict[str, dict[str, frozenset[str]]] = {
    "integration": {
        "customer_payment_sources": ALL,
        "external_payments": ALL,
        "customers": ALL,
        "orders": ALL,
        "payment_methods": ALL,
        "payment_gateways": READ,
        "versions": READ,
        "event_stores": READ,
        **dict.fromkeys(TRANSACTIONS, READ),
    },
    "sales_channel": {
        "customer_payment_sources": frozenset(),
        "external_payments": frozenset({"create", "retrieve", "update", "delete"}),
        "customers": frozenset({"create"}),
        "orders": frozenset({"create"}),
        "payment_methods": READ,
        "payment_gateways": READ,
        "versions": frozenset(),
        "event_stores": frozenset(),
        **dict.fromkeys(TRANSACTIONS, frozenset()),
    },
    "customer": {
        "customer_payment_sources": ALL,
        "external_payments": ALL,
        "customers": frozenset({"list", "retrieve", "update"}),
        "orders": frozenset({"list", "retrieve", "create", "update"}),
        "payment_methods": READ,
        "payment_gateways": READ,
        "versions": frozenset(),
        "event_stores": frozenset(),
        **dict.fromkeys(TRANSACTIONS, READ),
    },
}
ROLES = tuple(TABLE)
SUCCESS = {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204}


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """A shop in test mode, built once for the module's 400-odd tests."""
    yield from built_for_the_module(django_db_blocker, lambda: build_world("test"))


@pytest.fixture
def world(db, module_world) -> World:
    """The shop, as built; the customer role acts as ``world.customer``."""
    return fresh_copy(module_world)


def create_body(type_name: str, world: World, role: str) -> dict[str, Any]:
    """A valid creation document of ``type_name`` for ``role``."""
    if type_name == "customer_payment_sources":
        data = {
            "attributes": {"payment_source_token": world.spare_payment.payment_source_token},
            "relationships": {
                "customer": {"data": {"type": "customers", "id": world.customer.pk}},
                "payment_source": {
                    "data": {"type": "external_payments", "id": world.spare_payment.pk}
                },
            },
        }
    elif type_name == "external_payments":
        data = {
            "attributes": {"payment_source_token": new_card_token()},
            "relationships": {"order": {"data": {"type": "orders", "id": world.order.pk}}},
        }
    elif type_name == "customers":
        data = {"attributes": {"email": "brand.new@example.com"}}
    elif type_name == "orders":
        # A customer's order gets its total from the shop, not from the customer.
        total = {} if role == "customer" else {"total_amount_cents": 1500}
        data = {"attributes": {"currency_code": "EUR", **total}}
        if role == "customer":
            data["relationships"] = {
                "customer": {"data": {"type": "customers", "id": world.customer.pk}}
            }
    elif type_name == "payment_methods":
        data = {
            "attributes": {"name": "Cards", "currency_code": "EUR"},
            "relationships": {
                "payment_gateway": {"data": {"type": "payment_gateways", "id": world.gateway.pk}}
            },
        }
    else:
        data = {"attributes": {"reference": "new"}}
    return {"data": {"type": type_name, **data}}


def delete_target(type_name: str, world: World) -> str:
    """The id a delete acts on: a record nothing depends on."""
    return {
        "customer_payment_sources": world.source.pk,
        "external_payments": world.spare_payment.pk,
        "customers": world.lonely_customer.pk,
        "orders": world.empty_order.pk,
        "payment_methods": world.spare_method.pk,
    }.get(type_name, world.ids()[type_name])


def send(client: JsonApiClient, type_name: str, action: str, world: World, role: str):
    """Perform ``action`` on ``type_name`` and return the response."""
    collection = f"/api/{type_name}"
    item = f"{collection}/{world.ids()[type_name]}"
    if action == "list":
        return client.get(collection)
    if action == "retrieve":
        return client.get(item)
    if action == "create":
        return client.post(collection, create_body(type_name, world, role))
    if action == "update":
        body = {
            "data": {
                "type": type_name,
                "id": world.ids()[type_name],
                "attributes": {"reference": "changed"},
            }
        }
        return client.patch(item, body)
    return client.delete(f"{collection}/{delete_target(type_name, world)}")


def expected_status(role: str, type_name: str, action: str) -> int:
    """The status the roles table gives ``role`` for ``action`` on ``type_name``."""
    if action not in RESOURCES[type_name].actions:
        return 405
    return SUCCESS[action] if action in TABLE[role][type_name] else 401


MATRIX = [
    (role, type_name, action)
    for role in ROLES
    for type_name in TABLE[role]
    for action in ("list", "retrieve", "create", "update", "delete")
]


@pytest.mark.parametrize(("role", "type_name", "action"), MATRIX)
def test_role_matrix(make_credential, world, role, type_name, action):
    client = caller(make_credential, world, role)
    response = send(client, type_name, action, world, role)
    expected = expected_status(role, type_name, action)
    assert response.status_code == expected, response.content[:300]
    if expected == 401:
        error = response.doc["errors"][0]
        assert (error["code"], error["status"]) == ("UNAUTHORIZED", "401")


def test_matrix_covers_every_resource_type():
    assert set(TABLE["integration"]) == set(RESOURCES)


# --- related and relationship routes ---------------------------------------------------------


def readable(role: str, type_name: str, many: bool) -> bool:
    """Whether ``role`` may read ``type_name`` as a list (to-many) or one record (to-one)."""
    return ("list" if many else "retrieve") in TABLE[role][type_name]


RELATED = [
    (role, parent, rel.name, rel.target, rel.many)
    for role in ROLES
    for parent, resource in RESOURCES.items()
    for rel in resource.relationships
]


def related_params():
    for role, parent, name, target, many in RELATED:
        yield pytest.param(role, parent, name, target, many)


@pytest.mark.parametrize("route", ["related", "relationships"])
@pytest.mark.parametrize(("role", "parent", "name", "target", "many"), list(related_params()))
def test_related_route_matrix(make_credential, world, role, parent, name, target, many, route):
    client = caller(make_credential, world, role)
    parent_id = world.ids()[parent]
    path = (
        f"/api/{parent}/{parent_id}/{name}"
        if route == "related"
        else f"/api/{parent}/{parent_id}/relationships/{name}"
    )
    response = client.get(path)
    if not readable(role, target, many):
        assert response.status_code == 401, response.content[:300]
    elif "retrieve" not in TABLE[role][parent]:
        # The parent is out of reach: refused, or not found in the role's scope.
        assert response.status_code in (401, 404), response.content[:300]
    else:
        assert response.status_code == 200, response.content[:300]


# --- object rules of the table ---------------------------------------------------------------


@pytest.mark.parametrize("action", ["retrieve", "update", "delete"])
def test_sales_channel_acts_on_payments_of_draft_or_pending_orders_only(
    make_credential, world, action
):
    client = caller(make_credential, world, "sales_channel")
    path = f"/api/external_payments/{world.placed_payment.pk}"
    if action == "retrieve":
        response = client.get(path)
    elif action == "update":
        body = {
            "data": {
                "type": "external_payments",
                "id": world.placed_payment.pk,
                "attributes": {"reference": "x"},
            }
        }
        response = client.patch(path, body)
    else:
        response = client.delete(path)
    assert response.status_code == 401
    assert ExternalPayment.objects.filter(pk=world.placed_payment.pk, reference="").exists()


def test_sales_channel_may_act_on_a_pending_order_payment(make_credential, world):
    Order.objects.filter(pk=world.order.pk).update(status=Order.Status.PENDING)
    client = caller(make_credential, world, "sales_channel")
    assert client.get(f"/api/external_payments/{world.payment.pk}").status_code == 200


def test_customer_may_not_save_a_card_from_a_payment_that_is_not_theirs(make_credential, world):
    other = build_world("test", prefix="b")
    client = caller(make_credential, world, "customer")
    body = create_body("customer_payment_sources", world, "customer")
    body["data"]["relationships"]["payment_source"]["data"]["id"] = other.spare_payment.pk
    response = client.post("/api/customer_payment_sources", body)
    assert response.status_code in (401, 422)
    assert not CustomerPaymentSource.objects.filter(payment=other.spare_payment).exists()


def test_customer_creates_a_card_from_their_own_payment(make_credential, world):
    client = caller(make_credential, world, "customer")
    response = client.post(
        "/api/customer_payment_sources", create_body("customer_payment_sources", world, "customer")
    )
    assert response.status_code == 201
    created = CustomerPaymentSource.objects.get(pk=response.doc["data"]["id"])
    assert created.customer_id == world.customer.pk
    assert created.payment_id == world.spare_payment.pk


def test_writes_record_the_credential_and_customer_as_actor(make_credential, world):
    client = caller(make_credential, world, "customer")
    body = {
        "data": {
            "type": "customer_payment_sources",
            "id": world.source.pk,
            "attributes": {"reference": "by-customer"},
        }
    }
    assert client.patch(f"/api/customer_payment_sources/{world.source.pk}", body).status_code == 200
    entry = AuditEntry.objects.filter(resource_id=world.source.pk, event="update").get()
    assert entry.who["owner"] == {"id": world.customer.pk, "type": "customer"}
    assert entry.who["application"]["kind"] == "sales_channel"


def test_sales_channel_creates_a_customer_who_can_then_sign_in(make_credential, world):
    credential = make_credential("sales_channel", "test")
    client = JsonApiClient(credential.client)
    client.headers["AUTHORIZATION"] = f"Bearer {credential.token()}"
    body = {
        "data": {
            "type": "customers",
            "attributes": {"email": "Signup@Example.com", "password": "s3cret-pass"},
        }
    }
    response = client.post("/api/customers", body)
    assert response.status_code == 201
    assert "password" not in response.doc["data"]["attributes"]
    customer = Customer.objects.get(pk=response.doc["data"]["id"])
    token = credential.customer_token("signup@example.com", "s3cret-pass")
    assert token["owner_id"] == customer.pk
    assert credential.client.login(username="signup@example.com", password="s3cret-pass")


def test_missing_token_is_invalid_token_on_the_api(world):
    response = JsonApiClient(Client()).get("/api/customer_payment_sources")
    assert response.status_code == 401
    assert response.doc["errors"][0]["code"] == "INVALID_TOKEN"


# Includes reach records of other types: a role never receives a record of a type it may not
# read, whether the include is refused (401) or answers without those records.
INCLUDE_CASES = [
    ("sales_channel", "external_payments", "order"),
    ("sales_channel", "external_payments", "order.customer"),
    ("sales_channel", "external_payments", "wallet"),
    ("sales_channel", "external_payments", "versions"),
    ("customer", "customer_payment_sources", "versions"),
    ("customer", "orders", "versions"),
    ("customer", "external_payments", "versions"),
]


@pytest.mark.parametrize(("role", "type_name", "include"), INCLUDE_CASES)
def test_include_never_returns_a_type_the_role_may_not_read(
    make_credential, world, role, type_name, include
):
    AuditEntry.objects.create(
        mode="test",
        resource_type=type_name,
        resource_id=world.ids()[type_name],
        event=AuditEntry.Event.CREATE,
    )
    if type_name == "external_payments":
        ExternalPayment.objects.filter(pk=world.payment.pk).update(saved_source=world.source)
    client = caller(make_credential, world, role)
    response = client.get(f"/api/{type_name}/{world.ids()[type_name]}?include={include}")
    if response.status_code == 401:
        return
    assert response.status_code == 200
    included_types = {item["type"] for item in response.doc.get("included", [])}
    assert not {t for t in included_types if not TABLE[role][t] & READ}, included_types


@pytest.mark.parametrize(
    ("role", "type_name", "include"),
    [
        ("integration", "external_payments", "order.customer,wallet,versions"),
        ("customer", "customer_payment_sources", "customer,payment_source"),
        ("sales_channel", "external_payments", "payment_gateway"),
    ],
)
def test_include_of_readable_types_works(make_credential, world, role, type_name, include):
    client = caller(make_credential, world, role)
    response = client.get(f"/api/{type_name}/{world.ids()[type_name]}?include={include}")
    assert response.status_code == 200
    assert response.doc["included"]


@pytest.mark.parametrize(
    ("attribute", "value"), [("total_amount_cents", 1), ("currency_code", "JPY")]
)
def test_customer_may_not_reprice_their_order(make_credential, world, attribute, value):
    client = caller(make_credential, world, "customer")
    body = {"data": {"type": "orders", "id": world.order.pk, "attributes": {attribute: value}}}
    response = client.patch(f"/api/orders/{world.order.pk}", body)
    assert response.status_code == 422
    assert response.doc["errors"][0]["source"]["pointer"] == f"/data/attributes/{attribute}"
    world.order.refresh_from_db()
    assert (world.order.total_amount_cents, world.order.currency_code) == (4990, "EUR")


def test_integration_may_reprice_an_order(make_credential, world):
    client = caller(make_credential, world, "integration")
    body = {
        "data": {"type": "orders", "id": world.order.pk, "attributes": {"total_amount_cents": 1}}
    }
    assert client.patch(f"/api/orders/{world.order.pk}", body).status_code == 200
    world.order.refresh_from_db()
    assert world.order.total_amount_cents == 1


@pytest.mark.parametrize("include", ["order", "order.customer", "order.customer.orders"])
def test_a_sales_channel_including_orders_or_customers_is_unauthorized(
    make_credential, world, include
):
    client = caller(make_credential, world, "sales_channel")
    response = client.get(f"/api/external_payments/{world.payment.pk}?include={include}")
    assert response.status_code == 401
    assert response.doc["errors"][0]["code"] == "UNAUTHORIZED"


# --- relationships a role may not set ----------------------------------------------------------


def test_a_sales_channel_cannot_attach_an_order_to_a_customer(make_credential, world):
    client = caller(make_credential, world, "sales_channel")
    body = document(
        "orders",
        {"currency_code": "EUR", "total_amount_cents": 100},
        {"customer": ("customers", world.customer.pk)},
    )
    response = client.post("/api/orders", body)
    assert response.status_code == 422
    assert response.doc["errors"][0]["source"] == {"pointer": "/data/relationships/customer"}
    assert not Order.objects.filter(total_amount_cents=100).exists()


def test_a_sales_channel_cannot_move_a_payment_onto_a_placed_order(make_credential, world):
    placed = world.placed_order
    client = caller(make_credential, world, "sales_channel")
    body = document(
        "external_payments", relationships={"order": ("orders", placed.pk)}, pk=world.payment.pk
    )
    response = client.patch(f"/api/external_payments/{world.payment.pk}", body)
    assert response.status_code == 401
    assert ExternalPayment.objects.get(pk=world.payment.pk).order_id != placed.pk


def test_a_customers_new_order_is_their_own(make_credential, world):
    client = caller(make_credential, world, "customer")
    response = client.post("/api/orders", document("orders", {"reference": "mine"}))
    assert response.status_code == 201
    assert Order.objects.get(reference="mine").customer_id == world.customer.pk


def test_a_customer_cannot_detach_their_order(make_credential, world):
    client = caller(make_credential, world, "customer")
    body = document("orders", relationships={"customer": None}, pk=world.order.pk)
    response = client.patch(f"/api/orders/{world.order.pk}", body)
    assert response.status_code == 422
    assert Order.objects.get(pk=world.order.pk).customer_id == world.customer.pk
