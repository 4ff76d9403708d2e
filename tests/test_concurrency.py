"""Concurrency guarantees, proven with real threads on PostgreSQL.

Each test starts 20 threads together on a barrier; every thread uses its own database
connection and closes it at the end. SQLite serializes all writes, so it proves nothing here.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests import factories
from tests.support.threads import run_together
from wallet import services
from wallet.models import CustomerPaymentSource, ExternalPayment, Order, Transaction

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency guarantees need PostgreSQL row locks; SQLite serializes all writes",
    ),
]


def test_concurrent_set_default_leaves_exactly_one_default():
    customer = factories.CustomerFactory()
    sources = [
        services.create_payment_source(customer=customer, payment_source_token=f"tok_{n}")
        for n in range(THREADS)
    ]

    def set_default(source_id: str) -> Callable[[], Any]:
        return lambda: services.set_default_payment_source(
            CustomerPaymentSource.objects.get(pk=source_id)
        )

    results, errors = run_together([set_default(source.pk) for source in sources])

    assert errors == []
    assert len(results) == THREADS
    assert CustomerPaymentSource.objects.filter(customer=customer, is_default=True).count() == 1


def test_concurrent_saves_of_the_same_card_leave_one_source():
    customer = factories.CustomerFactory()
    gateway = factories.PaymentGatewayFactory()
    payments = [
        services.create_external_payment(
            order=factories.OrderFactory(customer=customer, payment_gateway=gateway),
            payment_source_token=f"tok_test_visa_4242_1230_{n}",
        )
        for n in range(THREADS)
    ]
    assert len({p.payment_instrument["fingerprint"] for p in payments}) == 1

    def save(payment_id: str) -> Callable[[], Any]:
        return lambda: (
            services.save_payment_to_wallet(ExternalPayment.objects.get(pk=payment_id)).pk
        )

    results, errors = run_together([save(payment.pk) for payment in payments])

    assert errors == []
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1
    source = CustomerPaymentSource.objects.get(customer=customer)
    assert set(results) == {source.pk}
    assert source.is_default
    assert ExternalPayment.objects.filter(saved_source=source).count() == THREADS


def test_concurrent_place_order_authorizes_exactly_once():
    order = factories.OrderFactory()
    services.create_external_payment(order=order, payment_source_token="tok_test_visa_4242_1230")

    def place() -> Any:
        return services.place_order(Order.objects.get(pk=order.pk)).pk

    results, errors = run_together([place] * THREADS)

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, services.OrderNotPayable) for error in errors)
    assert Transaction.objects.filter(payment__order=order, succeeded=True).count() == 1
    assert Transaction.objects.count() == 1
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED
