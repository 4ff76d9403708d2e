"""The trigger-kept row counts stay exact whatever writes the rows (PostgreSQL)."""

import pytest
from django.db import connection

from tests import factories
from wallet import selectors, services
from wallet.models import Customer, CustomerPaymentSource, ExternalPayment, Order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-count triggers exist on PostgreSQL only"
    ),
]


def _exact(model, mode="test"):
    return model.objects.filter(mode=mode).count()


def test_counts_follow_service_writes(customer, gateway):
    order = services.create_order(
        mode="test", currency_code="EUR", total_amount_cents=100, customer=customer
    )
    payment = services.create_external_payment(
        order=order, payment_source_token="tok_test_visa_4242_1230"
    )
    services.save_payment_to_wallet(payment)
    for model in (Customer, Order, ExternalPayment, CustomerPaymentSource):
        assert selectors.mode_total(model, "test") == _exact(model) > 0


def test_counts_follow_bulk_inserts_and_queryset_deletes(customer):
    factories.CustomerPaymentSourceFactory.create_batch(7, customer=customer)
    assert selectors.mode_total(CustomerPaymentSource, "test") == 7
    CustomerPaymentSource.objects.filter(
        pk__in=list(CustomerPaymentSource.objects.values_list("pk", flat=True)[:3])
    ).delete()
    assert selectors.mode_total(CustomerPaymentSource, "test") == 4 == _exact(CustomerPaymentSource)


def test_counts_are_kept_per_mode():
    factories.CustomerFactory.create_batch(2)
    factories.CustomerFactory.create_batch(3, mode="live")
    assert selectors.mode_total(Customer, "test") == 2
    assert selectors.mode_total(Customer, "live") == 3


def test_a_row_moved_to_the_other_mode_moves_its_count():
    customers = factories.CustomerFactory.create_batch(2)
    Customer.objects.filter(pk=customers[0].pk).update(mode="live")
    assert selectors.mode_total(Customer, "test") == 1
    assert selectors.mode_total(Customer, "live") == 1


def test_updates_that_keep_the_mode_write_no_count_rows(customer):
    from wallet.models import RecordCount

    before = RecordCount.objects.count()
    Customer.objects.filter(pk=customer.pk).update(reference="x")
    assert RecordCount.objects.count() == before


def test_models_without_counts_answer_none():
    from wallet.models import PaymentGateway

    assert selectors.mode_total(PaymentGateway, "test") is None
