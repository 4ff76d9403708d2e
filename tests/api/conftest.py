"""Fixtures of the API contract tests: a JSON:API client that validates every response body.

The caller is created in ONE place, the ``api_client`` fixture: a bearer token of an
integration credential in test mode.
"""

import pytest
from django.test import Client

from tests import factories
from tests.support.api_client import JsonApiClient, integration_client


@pytest.fixture
def anonymous_client(db) -> JsonApiClient:
    """A JSON:API client without credentials."""
    return JsonApiClient(Client())


@pytest.fixture
def api_client(db, staff_user) -> JsonApiClient:
    """The API caller of the contract tests: an integration in test mode."""
    return integration_client()


@pytest.fixture
def order(db, gateway):
    """A draft order of a customer, payable through the test gateway."""
    return factories.OrderFactory(payment_gateway=gateway)


@pytest.fixture
def payment(db, order):
    """An external payment on ``order`` (Visa ending 4242)."""
    return factories.ExternalPaymentFactory(order=order, last4="4242")


@pytest.fixture
def source(db, payment):
    """A saved source of the order's customer, made from ``payment``."""
    return factories.CustomerPaymentSourceFactory(
        customer=payment.order.customer,
        payment=payment,
        last4="1111",
        reference="ANY-EXTERNAL-REFEFERNCE",
        reference_origin="ANY-EXTERNAL-REFEFERNCE-ORIGIN",
        metadata={"foo": "bar"},
        is_default=True,
    )
