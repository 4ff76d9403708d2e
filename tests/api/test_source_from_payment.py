"""Creating a customer payment source from a payment, as Commerce Layer's clients do: the
``customer`` and ``payment_source`` relationships and no tokens (issue 10, item 3)."""

import pytest
from django.test import Client

from tests import factories
from tests.support.api import assert_error, document
from tests.support.api_client import JsonApiClient
from wallet.models import CustomerPaymentSource

RELATIONSHIPS = ("customer", "payment_source")


def relationships(payment):
    """The customer and payment_source linkage of a source made from ``payment``."""
    return {
        "customer": ("customers", payment.order.customer_id),
        "payment_source": ("external_payments", payment.pk),
    }


@pytest.mark.parametrize("attributes", [{}, None])
def test_tokens_are_copied_from_the_payment(api_client, payment, attributes):
    body = document("customer_payment_sources", attributes, relationships(payment))

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.status_code == 201, response.content
    source = CustomerPaymentSource.objects.get(pk=response.doc["data"]["id"])
    assert source.payment_source_token == payment.payment_source_token
    assert source.payment == payment
    assert response.doc["data"]["attributes"]["payment_source_token"] == (
        payment.payment_source_token
    )


def test_the_card_details_come_from_the_payment(api_client, payment):
    body = document("customer_payment_sources", {}, relationships(payment))

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.doc["data"]["attributes"]["name"] == "XXXX-XXXX-XXXX-4242"


def test_a_given_token_wins_over_the_payments(api_client, payment):
    body = document(
        "customer_payment_sources", {"payment_source_token": "pm_given"}, relationships(payment)
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.status_code == 201
    assert CustomerPaymentSource.objects.get().payment_source_token == "pm_given"


def test_an_empty_token_with_a_payment_takes_the_payments(api_client, payment):
    body = document(
        "customer_payment_sources", {"payment_source_token": ""}, relationships(payment)
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.status_code == 201
    assert CustomerPaymentSource.objects.get().payment_source_token == (
        payment.payment_source_token
    )


def test_without_a_payment_the_token_is_still_required(api_client, customer):
    body = document("customer_payment_sources", {}, {"customer": ("customers", customer.pk)})

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/attributes/payment_source_token", "blank"
    )
    assert not CustomerPaymentSource.objects.exists()


def test_a_customer_saves_their_payment_without_tokens(db, customer, gateway):
    payment = factories.ExternalPaymentFactory(
        order=factories.OrderFactory(customer=customer, payment_gateway=gateway)
    )
    client = Client()
    client.force_login(customer.user)
    body = document("customer_payment_sources", {}, relationships(payment))

    response = JsonApiClient(client).post("/api/customer_payment_sources", body)

    assert response.status_code == 201, response.content
    assert CustomerPaymentSource.objects.get(customer=customer).payment == payment
