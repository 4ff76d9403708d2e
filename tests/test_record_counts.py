"""The optional trigger-kept row counts: opt-in, exact whatever writes the rows (PostgreSQL).

``WALLET["RECORD_COUNTS"]`` off (the default) keeps no triggers and no counts; on, the
triggers count every write, and a list reads the counts only when its sole condition is the
mode (anything a selector or a filter adds makes it count rows, exactly).
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests import factories
from wallet import record_counts, selectors, services
from wallet.models import (
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    RecordCount,
)
from wallet.selectors import Scope

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row-count triggers exist on PostgreSQL only"
)
pytestmark = pytest.mark.django_db


@pytest.fixture
def counting(settings):
    """Counts switched on and the triggers installed (rolled back with the test's transaction)."""
    settings.WALLET = {**getattr(settings, "WALLET", {}), "RECORD_COUNTS": True}
    assert record_counts.sync() is True
    yield
    settings.WALLET = {**settings.WALLET, "RECORD_COUNTS": False}
    record_counts.sync()


def _pretend_count(table: str, count: int) -> None:
    """Replace the kept count of ``table`` in test mode (so that a reader of it shows)."""
    RecordCount.objects.filter(table_name=table, mode="test").delete()
    RecordCount.objects.create(table_name=table, mode="test", slot=0, count=count)


def _exact(model, mode="test"):
    return model.objects.filter(mode=mode).count()


@postgres_only
def test_counts_are_off_by_default_no_triggers_no_counts(customer):
    assert record_counts.installed() is False
    assert selectors.mode_total(Customer, "test") is None
    assert record_counts.known_total(Customer.objects.filter(mode="test")) is None
    assert not RecordCount.objects.exists()


def test_other_databases_never_keep_counts(settings):
    settings.WALLET = {**getattr(settings, "WALLET", {}), "RECORD_COUNTS": True}
    if connection.vendor == "postgresql":
        pytest.skip("this is about the other databases")
    assert record_counts.sync() is False
    assert selectors.mode_total(Customer, "test") is None


@postgres_only
def test_the_command_installs_and_removes_the_triggers_as_the_setting_says(settings, customer):
    settings.WALLET = {**getattr(settings, "WALLET", {}), "RECORD_COUNTS": True}
    out = io.StringIO()
    call_command("wallet_record_counts", stdout=out)
    assert "Row counts kept by triggers on wallet_customer" in out.getvalue()
    assert record_counts.installed() is True
    assert selectors.mode_total(Customer, "test") == 1  # the existing row counted at install

    settings.WALLET = {**settings.WALLET, "RECORD_COUNTS": False}
    call_command("wallet_record_counts", stdout=out)
    assert "No row-count triggers" in out.getvalue()
    assert record_counts.installed() is False
    assert not RecordCount.objects.exists()


def test_the_counted_tables_have_one_home():
    assert record_counts.counted_tables() == tuple(
        model._meta.db_table for model in (Customer, Order, ExternalPayment, CustomerPaymentSource)
    )


@postgres_only
def test_counts_follow_service_writes(counting, customer, gateway):
    order = services.create_order(
        mode="test", currency_code="EUR", total_amount_cents=100, customer=customer
    )
    payment = services.create_external_payment(
        order=order, payment_source_token="tok_test_visa_4242_1230"
    )
    services.save_payment_to_wallet(payment)
    for model in (Customer, Order, ExternalPayment, CustomerPaymentSource):
        assert selectors.mode_total(model, "test") == _exact(model) > 0


@postgres_only
def test_counts_follow_bulk_inserts_and_queryset_deletes(counting, customer):
    factories.CustomerPaymentSourceFactory.create_batch(7, customer=customer)
    assert selectors.mode_total(CustomerPaymentSource, "test") == 7
    CustomerPaymentSource.objects.filter(
        pk__in=list(CustomerPaymentSource.objects.values_list("pk", flat=True)[:3])
    ).delete()
    assert selectors.mode_total(CustomerPaymentSource, "test") == 4 == _exact(CustomerPaymentSource)


@postgres_only
def test_counts_are_kept_per_mode(counting):
    factories.CustomerFactory.create_batch(2)
    factories.CustomerFactory.create_batch(3, mode="live")
    assert selectors.mode_total(Customer, "test") == 2
    assert selectors.mode_total(Customer, "live") == 3


@postgres_only
def test_a_row_moved_to_the_other_mode_moves_its_count(counting):
    customers = factories.CustomerFactory.create_batch(2)
    Customer.objects.filter(pk=customers[0].pk).update(mode="live")
    assert selectors.mode_total(Customer, "test") == 1
    assert selectors.mode_total(Customer, "live") == 1


@postgres_only
def test_updates_that_keep_the_mode_write_no_count_rows(counting, customer):
    before = RecordCount.objects.count()
    Customer.objects.filter(pk=customer.pk).update(reference="x")
    assert RecordCount.objects.count() == before


@postgres_only
def test_models_without_counts_answer_none(counting):
    assert selectors.mode_total(PaymentGateway, "test") is None


@postgres_only
def test_a_mode_wide_list_reads_the_counts(counting):
    factories.CustomerFactory.create_batch(3)
    # The count row says otherwise: proof that the list reads it and does not count.
    _pretend_count("wallet_customer", 40)
    assert record_counts.known_total(selectors.customers(Scope(mode="test"))) == 40


@postgres_only
def test_a_selector_or_filter_adding_a_condition_is_counted_exactly(counting):
    customers = factories.CustomerFactory.create_batch(3)
    _pretend_count("wallet_customer", 40)
    own = selectors.customers(Scope(mode="test", customer_id=customers[0].pk, role="customer"))
    assert record_counts.known_total(own) is None
    filtered = selectors.customers(Scope(mode="test")).filter(reference="x")
    assert record_counts.known_total(filtered) is None
    assert record_counts.known_total(Customer.objects.none()) is None


@postgres_only
def test_removed_cards_awaiting_undo_are_left_out_of_the_count(counting, customer):
    sources = factories.CustomerPaymentSourceFactory.create_batch(3, customer=customer)
    CustomerPaymentSource.all_objects.filter(pk=sources[0].pk).update(
        removed_at=timezone.now(), is_default=False
    )
    scoped = selectors.payment_sources(Scope(mode="test"))
    assert record_counts.known_total(scoped) == 2 == scoped.count()
