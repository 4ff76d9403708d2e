"""Models and their database constraints: ids, modes, the one-default rule, protected history."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from tests import factories
from wallet.models import (
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    Transaction,
    generate_public_id,
)

pytestmark = pytest.mark.django_db


BASE62_ID = re.compile(r"^[0-9A-Za-z]{10}$")
CARD_NUMBER = "4242 4242 4242 4242"


def _transaction(payment: ExternalPayment, **kwargs) -> Transaction:
    return Transaction.objects.create(
        mode=payment.mode,
        payment=payment,
        kind=Transaction.Kind.AUTHORIZATION,
        succeeded=True,
        amount_cents=100,
        currency_code="EUR",
        **kwargs,
    )


# --- ids and defaults -----------------------------------------------------------------------


def test_generated_ids_are_ten_character_base62():
    ids = {generate_public_id() for _ in range(500)}
    assert all(BASE62_ID.match(value) for value in ids)


def test_generated_ids_are_random_not_sequential():
    ids = [generate_public_id() for _ in range(500)]
    assert len(set(ids)) == 500
    assert ids != sorted(ids)


@pytest.mark.parametrize(
    "factory",
    [
        factories.CustomerFactory,
        factories.OrderFactory,
        factories.PaymentGatewayFactory,
        factories.ExternalPaymentFactory,
        factories.CustomerPaymentSourceFactory,
    ],
)
def test_saved_records_get_a_base62_primary_key(factory):
    record = factory()
    assert BASE62_ID.match(record.pk)
    assert type(record).objects.filter(pk=record.pk).exists()


def test_transaction_id_is_base62():
    payment = factories.ExternalPaymentFactory()
    assert BASE62_ID.match(_transaction(payment).pk)


def test_mode_of_a_new_record_is_test():
    customer = Customer.objects.create(email="plain@example.com")
    customer.refresh_from_db()
    assert customer.mode == "test"


# --- one default per customer and mode, enforced by the database ------------------------------


def test_database_refuses_a_second_default_source_created_directly():
    first = factories.CustomerPaymentSourceFactory(is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CustomerPaymentSourceFactory(customer=first.customer, is_default=True)


def test_database_refuses_a_second_default_set_with_a_raw_update():
    first = factories.CustomerPaymentSourceFactory(is_default=True)
    second = factories.CustomerPaymentSourceFactory(customer=first.customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerPaymentSource.objects.filter(pk=second.pk).update(is_default=True)
    assert CustomerPaymentSource.objects.filter(is_default=True).count() == 1


def test_two_customers_each_have_their_own_default():
    factories.CustomerPaymentSourceFactory(is_default=True)
    factories.CustomerPaymentSourceFactory(is_default=True)
    assert CustomerPaymentSource.objects.filter(is_default=True).count() == 2


def test_many_non_default_sources_are_allowed():
    first = factories.CustomerPaymentSourceFactory()
    factories.CustomerPaymentSourceFactory(customer=first.customer)
    factories.CustomerPaymentSourceFactory(customer=first.customer)
    assert first.customer.customer_payment_sources.count() == 3


# --- one source per card per customer -------------------------------------------------------


def test_database_refuses_the_same_card_twice_for_one_customer():
    first = factories.CustomerPaymentSourceFactory(last4="4242")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CustomerPaymentSourceFactory(customer=first.customer, last4="4242")
    assert CustomerPaymentSource.objects.count() == 1


def test_the_same_card_may_be_saved_by_two_customers():
    factories.CustomerPaymentSourceFactory(last4="4242")
    factories.CustomerPaymentSourceFactory(last4="4242")
    assert CustomerPaymentSource.objects.filter(payment_source_token__contains="4242").count() == 2


def test_sources_without_fingerprint_do_not_collide():
    first = factories.CustomerPaymentSourceFactory(fingerprint="")
    factories.CustomerPaymentSourceFactory(customer=first.customer, fingerprint="")
    assert first.customer.customer_payment_sources.filter(fingerprint="").count() == 2


# --- payment history is protected from cascades ---------------------------------------------


def test_deleting_a_customer_with_orders_is_refused():
    order = factories.OrderFactory()
    with pytest.raises(ProtectedError):
        order.customer.delete()
    assert Customer.objects.filter(pk=order.customer_id).exists()


def test_deleting_an_order_with_payments_is_refused():
    payment = factories.ExternalPaymentFactory()
    with pytest.raises(ProtectedError):
        payment.order.delete()
    assert Order.objects.filter(pk=payment.order_id).exists()


def test_deleting_a_payment_with_transactions_is_refused():
    payment = factories.ExternalPaymentFactory()
    _transaction(payment)
    with pytest.raises(ProtectedError):
        payment.delete()
    assert ExternalPayment.objects.filter(pk=payment.pk).exists()


def test_deleting_a_gateway_used_by_orders_is_refused():
    order = factories.OrderFactory()
    with pytest.raises(ProtectedError):
        order.payment_gateway.delete()
    assert PaymentGateway.objects.filter(pk=order.payment_gateway_id).exists()


def test_deleting_a_saved_source_keeps_its_payments():
    source = factories.CustomerPaymentSourceFactory()
    payment = factories.ExternalPaymentFactory(
        order__customer=source.customer, saved_source=source, payment_source_token="tok_x"
    )
    source.delete()
    payment.refresh_from_db()
    assert payment.saved_source_id is None


# --- derived properties ---------------------------------------------------------------------


def test_source_name_masks_all_but_the_last_digits():
    source = factories.CustomerPaymentSourceFactory(last4="1111")
    assert source.name == "XXXX-XXXX-XXXX-1111"


def test_source_name_is_empty_when_last_digits_are_unknown():
    source = factories.CustomerPaymentSourceFactory(payment_instrument={}, fingerprint="")
    assert source.name == ""


def test_instrument_label_names_brand_and_last_digits():
    source = factories.CustomerPaymentSourceFactory(brand="mastercard", last4="4444")
    assert source.instrument_label == "Mastercard •••• 4444"


def test_order_is_payable_only_while_draft_or_pending_and_unpaid():
    order = factories.OrderFactory()
    assert order.is_payable
    order.status = Order.Status.PLACED
    assert not order.is_payable
    order.status = Order.Status.PENDING
    order.payment_status = Order.PaymentStatus.AUTHORIZED
    assert not order.is_payable


# --- model validation refuses card numbers, naming the field --------------------------------


def _refused_fields(instance) -> set[str]:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return set(excinfo.value.message_dict)


@pytest.mark.parametrize("field", ["customer_token", "payment_source_token"])
def test_full_clean_refuses_a_card_number_in_source_token_fields(field):
    source = factories.CustomerPaymentSourceFactory()
    setattr(source, field, CARD_NUMBER)
    assert _refused_fields(source) == {field}


def test_full_clean_refuses_a_card_number_as_payment_token():
    payment = factories.ExternalPaymentFactory()
    payment.payment_source_token = "4111111111111111"
    assert _refused_fields(payment) == {"payment_source_token"}


@pytest.mark.parametrize("field", ["reference", "reference_origin"])
def test_full_clean_refuses_a_card_number_in_references(field):
    order = factories.OrderFactory()
    setattr(order, field, f"card {CARD_NUMBER}")
    assert _refused_fields(order) == {field}


def test_full_clean_refuses_a_card_number_nested_in_metadata():
    customer = factories.CustomerFactory()
    customer.metadata = {"notes": {"cards": ["ok", "4242-4242-4242-4242"]}}
    assert _refused_fields(customer) == {"metadata"}


def test_full_clean_refuses_a_card_number_inside_options():
    payment = factories.ExternalPaymentFactory()
    payment.options = {"card": CARD_NUMBER}
    assert _refused_fields(payment) == {"options"}


def test_full_clean_message_says_to_send_a_token():
    source = factories.CustomerPaymentSourceFactory()
    source.payment_source_token = CARD_NUMBER
    with pytest.raises(ValidationError) as excinfo:
        source.full_clean()
    assert "card number" in excinfo.value.message_dict["payment_source_token"][0]


def test_full_clean_refuses_metadata_that_is_not_an_object():
    customer = factories.CustomerFactory()
    customer.metadata = ["a", "list"]
    assert _refused_fields(customer) == {"metadata"}


def test_full_clean_accepts_gateway_tokens_and_references():
    source = factories.CustomerPaymentSourceFactory(reference="ORDER-2024-000001")
    source.metadata = {"channel": "web", "count": 3}
    source.full_clean()
