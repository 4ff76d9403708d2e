"""No payment without a real gateway, and one PATCH of an order is all or nothing.

Each test drives the API with a real credential: a live integration, or a customer token got
through a sales channel's password grant.
"""

import json
from typing import Any

import pytest
from django.test import Client

from tests import factories
from tests.support.jsonapi import assert_jsonapi
from tests.support.tokens import bearer
from wallet.models import AuditEntry, CustomerPaymentSource, ExternalPayment, Order, Transaction

JSONAPI = "application/vnd.api+json"


def patch_order(
    token: str,
    order: Order,
    attributes: dict[str, Any] | None = None,
    relationships: dict[str, Any] | None = None,
) -> Any:
    """PATCH /api/orders/:id with ``token``; the answer's JSON:API document is ``.doc``."""
    data: dict[str, Any] = {"type": "orders", "id": order.pk, "attributes": attributes or {}}
    if relationships:
        data["relationships"] = relationships
    response = Client().patch(
        f"/api/orders/{order.pk}",
        json.dumps({"data": data}),
        content_type=JSONAPI,
        HTTP_ACCEPT=JSONAPI,
        **bearer(token),
    )
    response.doc = assert_jsonapi(json.loads(response.content))
    return response


def only_error(response: Any) -> dict[str, Any]:
    """The single error object of an error answer."""
    errors = response.doc["errors"]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.fixture
def customer_token(sales_channel):
    """A customer's token (password grant) and the customer it acts for."""
    customer = factories.CustomerFactory()
    return sales_channel.customer_token(customer.email)["access_token"], customer


# --- 1. no fallback gateway --------------------------------------------------------------------


def test_a_live_order_without_gateway_is_not_placed_with_any_token(make_credential):
    live = make_credential("integration", "live")
    order = factories.OrderFactory(mode="live", payment_gateway=None)
    factories.ExternalPaymentFactory(
        order=order, payment_gateway=None, payment_source_token="anything-at-all"
    )

    response = patch_order(live.token(), order, {"_place": True})

    assert response.status_code == 422
    error = only_error(response)
    assert error["source"]["pointer"] == "/data/relationships/payment_gateway"
    assert error["meta"]["error"] == "blank"
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    assert not Transaction.objects.exists()


def test_a_customer_cannot_unset_the_gateway_of_their_order(customer_token):
    token, customer = customer_token
    order = factories.OrderFactory(customer=customer)
    gateway_id = order.payment_gateway_id

    response = patch_order(token, order, relationships={"payment_gateway": {"data": None}})

    assert response.status_code == 422
    error = only_error(response)
    assert error["source"]["pointer"] == "/data/relationships/payment_gateway"
    assert error["title"] == "can't be changed by the customer"
    order.refresh_from_db()
    assert order.payment_gateway_id == gateway_id


def test_a_customer_cannot_move_their_order_to_another_gateway(customer_token):
    token, customer = customer_token
    order = factories.OrderFactory(customer=customer)
    other = factories.PaymentGatewayFactory(name="Another")

    response = patch_order(
        token,
        order,
        relationships={"payment_gateway": {"data": {"type": "payment_gateways", "id": other.pk}}},
    )

    assert response.status_code == 422
    assert only_error(response)["title"] == "can't be changed by the customer"
    order.refresh_from_db()
    assert order.payment_gateway_id != other.pk


@pytest.mark.parametrize(
    ("attribute", "value"), [("total_amount_cents", 1), ("currency_code", "JPY")]
)
def test_a_customer_cannot_reprice_their_order(customer_token, attribute, value):
    token, customer = customer_token
    order = factories.OrderFactory(customer=customer, total_amount_cents=4599)

    response = patch_order(token, order, {attribute: value})

    assert response.status_code == 422
    assert only_error(response)["source"]["pointer"] == f"/data/attributes/{attribute}"
    order.refresh_from_db()
    assert (order.total_amount_cents, order.currency_code) == (4599, "EUR")


def test_an_integration_may_change_the_gateway(integration):
    order = factories.OrderFactory()
    other = factories.PaymentGatewayFactory(name="Another")

    response = patch_order(
        integration.token(),
        order,
        relationships={"payment_gateway": {"data": {"type": "payment_gateways", "id": other.pk}}},
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.payment_gateway_id == other.pk


# --- 2. all or nothing ---------------------------------------------------------------------


def test_a_declined_place_leaves_the_order_exactly_as_it_was(integration):
    order = factories.OrderFactory(reference="before", total_amount_cents=4599)
    payment = factories.ExternalPaymentFactory(
        order=order, payment_source_token="tok_test_visa_0002_1230_decline"
    )

    response = patch_order(
        integration.token(),
        order,
        {"reference": "after", "total_amount_cents": 999999, "_place": True},
    )

    assert response.status_code == 422
    error = only_error(response)
    assert error["source"]["pointer"] == "/data/attributes/_place"
    assert error["meta"]["error"] == "declined"
    order.refresh_from_db()
    assert (order.reference, order.total_amount_cents) == ("before", 4599)
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    assert not AuditEntry.objects.filter(resource_id=order.pk, event="update").exists()
    # The gateway's answer is kept: a failed authorization of the amount that was tried.
    failed = Transaction.objects.get(payment=payment)
    assert (failed.succeeded, failed.amount_cents) == (False, 999999)


def test_a_refused_trigger_undoes_the_saved_source_payment_of_the_same_request(integration):
    order = factories.OrderFactory()
    kept = factories.ExternalPaymentFactory(order=order)
    expired = factories.CustomerPaymentSourceFactory(customer=order.customer)
    Order.objects.filter(pk=order.pk).update(payment_gateway=None)

    response = patch_order(
        integration.token(),
        order,
        {"_customer_payment_source_id": expired.pk, "_place": True},
    )

    assert response.status_code == 422
    assert only_error(response)["source"]["pointer"] == "/data/relationships/payment_gateway"
    assert list(ExternalPayment.objects.filter(order=order)) == [kept]


def test_save_and_place_declined_saves_no_card(integration):
    order = factories.OrderFactory()
    factories.ExternalPaymentFactory(
        order=order, payment_source_token="tok_test_visa_0002_1230_decline"
    )

    response = patch_order(
        integration.token(),
        order,
        {"_save_payment_source_to_customer_wallet": True, "_place": True},
    )

    assert response.status_code == 422
    assert not CustomerPaymentSource.objects.exists()


# --- 12. one token, one saved source -----------------------------------------------------------


def test_saving_the_same_gateway_token_twice_is_taken(integration):
    customer = factories.CustomerFactory()
    body = {
        "data": {
            "type": "customer_payment_sources",
            "attributes": {"payment_source_token": "pm_saved_once", "customer_token": "cus_1"},
            "relationships": {"customer": {"data": {"type": "customers", "id": customer.pk}}},
        }
    }
    token = integration.token()

    def post() -> Any:
        response = Client().post(
            "/api/customer_payment_sources",
            json.dumps(body),
            content_type=JSONAPI,
            HTTP_ACCEPT=JSONAPI,
            **bearer(token),
        )
        response.doc = assert_jsonapi(json.loads(response.content))
        return response

    assert post().status_code == 201
    second = post()

    assert second.status_code == 422
    error = only_error(second)
    assert error["source"]["pointer"] == "/data/attributes/payment_source_token"
    assert error["meta"]["error"] == "taken"
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1
