"""Scoping gaps found in review: each answers as the roles table says and changes nothing."""

import pytest

from tests.auth.test_roles import caller
from tests.auth.world import World, build_world
from wallet.models import ExternalPayment, Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    """A shop in test mode; the customer role acts as ``world.customer``."""
    return build_world("test")


def _doc(type_name, attributes=None, relationships=None, pk=None):
    data = {"type": type_name, "attributes": attributes or {}}
    if relationships:
        data["relationships"] = relationships
    if pk:
        data["id"] = pk
    return {"data": data}


def test_a_sales_channel_cannot_attach_an_order_to_a_customer(make_credential, world):
    client = caller(make_credential, world, "sales_channel")
    body = _doc(
        "orders",
        {"currency_code": "EUR", "total_amount_cents": 100},
        {"customer": {"data": {"type": "customers", "id": world.customer.pk}}},
    )
    response = client.post("/api/orders", body)
    assert response.status_code == 422
    assert response.doc["errors"][0]["source"] == {"pointer": "/data/relationships/customer"}
    assert not Order.objects.filter(total_amount_cents=100).exists()


def test_a_sales_channel_cannot_move_a_payment_onto_a_placed_order(make_credential, world):
    placed = world.placed_order
    client = caller(make_credential, world, "sales_channel")
    body = _doc(
        "external_payments",
        relationships={"order": {"data": {"type": "orders", "id": placed.pk}}},
        pk=world.payment.pk,
    )
    response = client.patch(f"/api/external_payments/{world.payment.pk}", body)
    assert response.status_code == 401
    assert ExternalPayment.objects.get(pk=world.payment.pk).order_id != placed.pk


def test_a_customers_new_order_is_their_own(make_credential, world):
    client = caller(make_credential, world, "customer")
    response = client.post("/api/orders", _doc("orders", {"reference": "mine"}))
    assert response.status_code == 201
    assert Order.objects.get(reference="mine").customer_id == world.customer.pk


def test_a_customer_cannot_detach_their_order(make_credential, world):
    client = caller(make_credential, world, "customer")
    body = _doc("orders", relationships={"customer": {"data": None}}, pk=world.order.pk)
    response = client.patch(f"/api/orders/{world.order.pk}", body)
    assert response.status_code == 422
    assert Order.objects.get(pk=world.order.pk).customer_id == world.customer.pk


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("grant_type=client_credentials&client_id=a%00b&client_secret=x", None),
        ('{"grant_type": "password", "username": "a\\u0000b", "password": "x"}', "json"),
    ],
)
def test_a_nul_character_at_the_token_endpoint_is_an_invalid_request(client, body, content_type):
    kwargs = (
        {"content_type": "application/json"}
        if content_type
        else {"content_type": "application/x-www-form-urlencoded"}
    )
    response = client.post("/oauth/token", body, **kwargs)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_deeply_nested_json_body_at_the_token_endpoint_is_no_server_error(client):
    response = client.post(
        "/oauth/token", "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
