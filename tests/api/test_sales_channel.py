"""A sales channel (guest checkout credential) through the API: pays draft or pending orders,
reads and changes a payment by id, never lists, never reaches saved cards."""

import pytest
from django.test import Client

from tests.support.api import assert_error, document
from tests.support.api_client import JsonApiClient
from wallet.models import ExternalPayment, Order


@pytest.fixture
def sales_client(db):
    """The API as a sales channel of test mode, with a bearer token."""
    from django.core.cache import cache

    from wallet.oauth import create_credential

    cache.clear()
    credential, secret = create_credential(name="shop front", kind="sales_channel", mode="test")
    client = Client()
    answer = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": credential.application.client_id,
            "client_secret": secret,
        },
    )
    api = JsonApiClient(client)
    api.headers["AUTHORIZATION"] = f"Bearer {answer.json()['access_token']}"
    return api


def payment_body(order):
    """A new external payment on ``order``."""
    body = document("external_payments", {"payment_source_token": "tok_test_visa_4242_1230"})
    body["data"]["relationships"] = {"order": {"data": {"type": "orders", "id": order.pk}}}
    return body


def test_sales_channel_pays_a_draft_order(sales_client, order):
    response = sales_client.post("/api/external_payments", payment_body(order))

    assert response.status_code == 201


def test_sales_channel_cannot_pay_a_placed_order(sales_client, order):
    Order.objects.filter(pk=order.pk).update(status="placed")

    response = sales_client.post("/api/external_payments", payment_body(order))

    assert_error(response, 401, "UNAUTHORIZED")
    assert not ExternalPayment.objects.exists()


def test_sales_channel_reads_a_payment_by_id_but_cannot_list(sales_client, payment):
    assert sales_client.get(f"/api/external_payments/{payment.pk}").status_code == 200
    assert_error(sales_client.get("/api/external_payments"), 401, "UNAUTHORIZED")


def test_sales_channel_cannot_read_a_payment_of_a_placed_order(sales_client, payment):
    Order.objects.filter(pk=payment.order_id).update(status="placed")

    assert_error(sales_client.get(f"/api/external_payments/{payment.pk}"), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    "path",
    ["/api/customer_payment_sources", "/api/versions", "/api/orders/{order}/customer"],
)
def test_sales_channel_reaches_no_saved_cards_or_audit(sales_client, payment, path):
    response = sales_client.get(path.format(order=payment.order_id))

    assert_error(response, 401, "UNAUTHORIZED")


def test_sales_channel_creates_a_guest_order(sales_client, gateway):
    body = document("orders", {"currency_code": "EUR", "total_amount_cents": 100})

    response = sales_client.post("/api/orders", body)

    assert response.status_code == 201
    assert Order.objects.get(pk=response.doc["data"]["id"]).total_amount_cents == 100
