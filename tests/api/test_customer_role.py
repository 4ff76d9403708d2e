"""A logged-in customer (storefront session) through the API: own records only, and a saved
source only from one of their own payments."""

import pytest
from django.test import Client

from tests import factories
from tests.support.api import assert_error, document
from tests.support.api_client import JsonApiClient
from wallet.models import CustomerPaymentSource


@pytest.fixture
def customer_client(db, customer):
    """The API as ``customer``, through their storefront session."""
    client = Client()
    client.force_login(customer.user)
    return JsonApiClient(client)


def test_customer_lists_only_own_sources(customer_client, customer):
    own = factories.CustomerPaymentSourceFactory(customer=customer)
    factories.CustomerPaymentSourceFactory()

    response = customer_client.get("/api/customer_payment_sources")

    assert [item["id"] for item in response.doc["data"]] == [own.pk]


def test_another_customers_source_is_not_found(customer_client, customer):
    other = factories.CustomerPaymentSourceFactory()

    assert_error(
        customer_client.get(f"/api/customer_payment_sources/{other.pk}"), 404, "RECORD_NOT_FOUND"
    )
    assert_error(
        customer_client.delete(f"/api/customer_payment_sources/{other.pk}"),
        404,
        "RECORD_NOT_FOUND",
    )
    assert CustomerPaymentSource.objects.filter(pk=other.pk).exists()


def test_customer_includes_stay_in_scope(customer_client, customer):
    own = factories.CustomerPaymentSourceFactory(customer=customer)

    response = customer_client.get(f"/api/customer_payment_sources/{own.pk}?include=customer")

    assert [item["id"] for item in response.doc["included"]] == [customer.pk]


def test_customer_creates_a_source_from_own_payment(customer_client, customer, gateway):
    payment = factories.ExternalPaymentFactory(
        order=factories.OrderFactory(customer=customer, payment_gateway=gateway)
    )
    body = document(
        "customer_payment_sources",
        {"payment_source_token": payment.payment_source_token},
        {
            "customer": ("customers", customer.pk),
            "payment_source": ("external_payments", payment.pk),
        },
    )

    response = customer_client.post("/api/customer_payment_sources", body)

    assert response.status_code == 201


def test_customer_cannot_create_a_source_without_a_payment(customer_client, customer):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_1"},
        {"customer": ("customers", customer.pk)},
    )

    response = customer_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/payment_source", "blank")
    assert not CustomerPaymentSource.objects.exists()


def test_customer_cannot_use_another_customers_payment(customer_client, customer):
    payment = factories.ExternalPaymentFactory()
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_1"},
        {
            "customer": ("customers", customer.pk),
            "payment_source": ("external_payments", payment.pk),
        },
    )

    response = customer_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/payment_source")


@pytest.mark.parametrize(
    "path", ["/api/versions", "/api/event_stores", "/api/payment_gateways/x/versions"]
)
def test_customer_cannot_read_the_audit_log(customer_client, path):
    assert_error(customer_client.get(path), 401, "UNAUTHORIZED")


def test_customer_session_write_needs_csrf(db, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    api = JsonApiClient(client)
    own = factories.CustomerPaymentSourceFactory(customer=customer)

    response = api.patch(
        f"/api/customer_payment_sources/{own.pk}",
        document("customer_payment_sources", {"reference": "x"}, pk=own.pk),
    )

    assert response.status_code == 401
    own.refresh_from_db()
    assert own.reference == ""
