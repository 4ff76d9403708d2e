"""Concurrent checkouts through the API and the storefront, with real threads on PostgreSQL.

Every thread has its own client and database connection; all start together on a barrier.
"""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.support.threads import run_together
from tests.support.tokens import mint_token
from wallet.models import CustomerPaymentSource, ExternalPayment, Order, Transaction
from wallet.oauth import create_credential

JSONAPI = "application/vnd.api+json"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency guarantees need PostgreSQL row locks; SQLite serializes all writes",
    ),
]


@pytest.fixture(autouse=True)
def _rate_limits_out_of_the_way(settings):
    """Rate limits out of the way of 30 requests of one token."""
    settings.WALLET = {
        "RATE_LIMITS": {"test": [(100_000, 60)], "live": [(100_000, 60)], "token": [(1000, 60)]}
    }


def integration_token() -> str:
    """An access token of a new test-mode integration."""
    credential, _ = create_credential(name="races", kind="integration", mode="test")
    return mint_token(credential)


def test_thirty_parallel_pay_and_place_requests_authorize_once():
    token = integration_token()
    order = factories.OrderFactory(number="400001")
    sources = [
        factories.CustomerPaymentSourceFactory(customer=order.customer, last4=f"{5000 + n}")
        for n in range(30)
    ]

    def pay_and_place(index: int) -> int:
        body = {
            "data": {
                "type": "orders",
                "id": order.pk,
                "attributes": {"_customer_payment_source_id": sources[index].pk, "_place": True},
            }
        }
        response = Client().patch(
            f"/api/orders/{order.pk}",
            json.dumps(body),
            content_type=JSONAPI,
            HTTP_ACCEPT=JSONAPI,
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return response.status_code

    statuses, errors = run_together([lambda i=i: pay_and_place(i) for i in range(30)])

    assert not errors, errors
    assert set(statuses) <= {200, 409, 422}, statuses
    assert statuses.count(200) == 1
    payments = ExternalPayment.objects.filter(order=order)
    assert payments.count() == 1
    assert Transaction.objects.filter(payment__order=order).count() == 1
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED


def test_twenty_quick_submits_of_a_new_saved_card_pay_once_and_save_once():
    customer = factories.CustomerFactory()
    order = factories.OrderFactory(customer=customer, number="400002")
    url = reverse("wallet:payment", kwargs={"order_id": order.pk})
    form = {
        "payment_method": "new",
        "payment_source_token": "tok_test_visa_4242_1230",
        "card_holder_name": "Ada Lovelace",
        "save_card": "on",
    }

    clients = []
    for _ in range(20):
        client = Client()
        client.force_login(customer.user)
        clients.append(client)

    def submit(index: int) -> tuple[int, str]:
        response = clients[index].post(url, form)
        return response.status_code, response.get("Location", "")

    answers, errors = run_together([lambda i=i: submit(i) for i in range(20)])

    assert not errors, errors
    confirmation = reverse("wallet:confirmation", kwargs={"order_id": order.pk})
    assert {answer for answer in answers} == {(302, confirmation)}, answers
    assert ExternalPayment.objects.filter(order=order).count() == 1
    assert Transaction.objects.filter(payment__order=order).count() == 1
    source = CustomerPaymentSource.objects.get(customer=customer)
    assert ExternalPayment.objects.get(order=order).saved_source_id == source.pk
    assert re.fullmatch(r"XXXX-XXXX-XXXX-4242", source.name)
