"""Stripe guarantees under concurrency, with real threads on PostgreSQL (SQLite serializes)."""

import json

import pytest
from django.db import connection

from tests import factories
from tests.support.stripe import event, sign
from tests.support.threads import run_together
from wallet import services
from wallet.gateway_services import handle_stripe_webhook
from wallet.models import CustomerPaymentSource, GatewayCustomer, Transaction

THREADS = 10

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency guarantees need PostgreSQL row locks; SQLite serializes all writes",
    ),
]


def test_one_event_delivered_concurrently_is_handled_once(stripe_gateway, make_card, stripe_client):
    order = factories.OrderFactory(payment_gateway=stripe_gateway)
    services.create_external_payment(order=order, payment_source_token=make_card().id)
    authorization = services.place_order(order)
    intent = stripe_client.v1.payment_intents.capture(authorization.token)
    body = json.dumps(event("payment_intent.succeeded", intent)).encode()
    signature = sign(body.decode())

    outcomes, errors = run_together(
        [lambda: handle_stripe_webhook(stripe_gateway, body, signature)] * THREADS
    )

    assert errors == []
    assert sorted(outcomes) == ["duplicate"] * (THREADS - 1) + ["handled"]
    assert Transaction.objects.filter(payment__order=order, kind="capture").count() == 1


def test_concurrent_saves_of_one_card_make_one_stripe_customer_and_one_source(
    stripe_gateway, make_card, stripe_client
):
    customer = factories.CustomerFactory()
    payments = []
    for _ in range(THREADS):
        order = factories.OrderFactory(payment_gateway=stripe_gateway, customer=customer)
        payments.append(
            services.create_external_payment(order=order, payment_source_token=make_card().id)
        )

    _, errors = run_together(
        [lambda payment=payment: services.save_payment_to_wallet(payment) for payment in payments]
    )

    assert errors == []
    source = CustomerPaymentSource.objects.get(customer=customer)
    assert GatewayCustomer.objects.get(customer=customer).token == source.customer_token
    stripe_customers = stripe_client.v1.customers.list(params={"email": customer.email})
    assert [c.id for c in stripe_customers.data] == [source.customer_token]
    attached = stripe_client.v1.payment_methods.list(
        params={"customer": source.customer_token, "type": "card"}
    )
    assert [m.id for m in attached.data] == [source.payment_source_token]
