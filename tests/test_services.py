"""Services: every write of the wallet, one behaviour per test, checked in the database."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation

from tests import factories
from wallet import services
from wallet.audit import concrete_field
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    Transaction,
)

pytestmark = pytest.mark.django_db

CARD_NUMBER = "4242 4242 4242 4242"
ADMIN = services.Actor(application_kind="admin", owner_id="42", owner_type="user")


def _entries(record, event=None):
    entries = AuditEntry.objects.filter(resource_id=record.pk)
    if event is not None:
        entries = entries.filter(event=event)
    return entries


def _pay(order, token="tok_test_visa_4242_1230", **kwargs) -> ExternalPayment:
    return services.create_external_payment(order=order, payment_source_token=token, **kwargs)


@pytest.fixture
def order(customer, gateway):
    """A draft order of the ``customer`` fixture, through the test gateway."""
    return factories.OrderFactory(customer=customer, payment_gateway=gateway)


# --- customers ------------------------------------------------------------------------------


def test_create_customer_with_password_creates_a_user_who_logs_in_by_email():
    customer = services.create_customer(
        mode="test", email="New.Buyer@Example.com", password="s3cret-pass"
    )
    customer.refresh_from_db()
    assert customer.email == "new.buyer@example.com"
    assert customer.user is not None
    assert authenticate(username="new.buyer@example.com", password="s3cret-pass") == customer.user


def test_create_customer_without_password_creates_no_user():
    customer = services.create_customer(mode="test", email="guest@example.com")
    assert customer.user is None
    assert not get_user_model().objects.filter(email="guest@example.com").exists()


def test_create_customer_refuses_a_short_password_and_saves_nothing():
    with pytest.raises(ValidationError) as excinfo:
        services.create_customer(mode="test", email="short@example.com", password="short")
    assert "password" in excinfo.value.message_dict
    assert not Customer.objects.exists()
    assert not get_user_model().objects.filter(email="short@example.com").exists()


def test_create_customer_does_not_take_over_an_existing_users_account():
    victim = factories.UserFactory(username="boss@example.com")
    with pytest.raises(ValidationError) as excinfo:
        services.create_customer(mode="test", email="boss@example.com", password="attacker-pw")
    assert "email" in excinfo.value.message_dict
    victim.refresh_from_db()
    assert victim.check_password(factories.TEST_PASSWORD)
    assert not victim.check_password("attacker-pw")
    assert not Customer.objects.exists()


def test_create_customer_refuses_a_duplicate_email_in_the_same_mode():
    services.create_customer(mode="test", email="twice@example.com")
    with pytest.raises(ValidationError):
        services.create_customer(mode="test", email="TWICE@example.com")
    assert Customer.objects.filter(email="twice@example.com").count() == 1


def test_the_same_email_may_be_a_customer_in_each_mode():
    services.create_customer(mode="test", email="both@example.com")
    services.create_customer(mode="live", email="both@example.com")
    assert set(Customer.objects.values_list("mode", flat=True)) == {"test", "live"}


def test_create_customer_records_who_created_it():
    customer = services.create_customer(mode="test", email="who@example.com", actor=ADMIN)
    entry = _entries(customer).get()
    assert entry.event == AuditEntry.Event.CREATE
    assert entry.resource_type == "customers"
    assert entry.changes["email"] == [None, "who@example.com"]
    assert entry.who == {
        "application": {"id": None, "kind": "admin"},
        "owner": {"id": "42", "type": "user"},
    }


def test_setting_a_password_later_creates_the_login_and_audits_the_link():
    customer = services.create_customer(mode="test", email="later@example.com")
    services.update_customer(customer, {"password": "now-a-password"}, actor=ADMIN)
    customer.refresh_from_db()
    assert authenticate(username="later@example.com", password="now-a-password") == customer.user
    entry = _entries(customer, AuditEntry.Event.UPDATE).get()
    assert entry.changes == {"user": [None, customer.user_id]}
    assert entry.who["owner"]["id"] == "42"


def test_changing_the_password_of_a_linked_customer_keeps_the_link():
    customer = services.create_customer(mode="test", email="pw@example.com", password="first-pw-1")
    services.update_customer(customer, {"password": "second-pw-2"})
    customer.refresh_from_db()
    assert customer.user.check_password("second-pw-2")
    assert not _entries(customer, AuditEntry.Event.UPDATE).exists()


def test_ensure_customer_for_user_never_links_an_existing_customer_by_email():
    # Linking by (verified) email is the shop's opt-in: tests/test_customer_linking.py.
    user = factories.UserFactory()
    existing = services.create_customer(mode="test", email=user.email)
    with pytest.raises(ValidationError):  # the email is another customer's
        services.ensure_customer_for_user(user, "test")
    existing.refresh_from_db()
    assert existing.user_id is None
    assert not _entries(existing, AuditEntry.Event.UPDATE).exists()


# --- generic records ------------------------------------------------------------------------


def test_update_records_old_and_new_values_and_who():
    order = factories.OrderFactory(reference="old")
    services.update_order(order, {"reference": "new"}, actor=ADMIN)
    order.refresh_from_db()
    assert order.reference == "new"
    entry = _entries(order, AuditEntry.Event.UPDATE).get()
    assert entry.changes == {"reference": ["old", "new"]}
    assert entry.who["owner"] == {"id": "42", "type": "user"}


def test_update_without_a_real_change_records_nothing():
    order = factories.OrderFactory(reference="same")
    services.update_order(order, {"reference": "same"})
    assert not _entries(order).exists()


def test_destroy_entry_records_the_old_values():
    order = factories.OrderFactory(reference="gone")
    order_id = order.pk
    services.delete_order(order, actor=ADMIN)
    assert not Order.objects.filter(pk=order_id).exists()
    entry = AuditEntry.objects.get(resource_id=order_id, event=AuditEntry.Event.DESTROY)
    assert entry.changes["reference"] == ["gone", None]
    assert entry.who["owner"]["id"] == "42"


def test_gateway_secret_never_enters_the_audit_log():
    gateway = factories.PaymentGatewayFactory(name="Ext", kind="external")
    services.update_record(gateway, {"shared_secret": "very-secret"}, actor=ADMIN)
    entry = _entries(gateway).get()
    assert entry.changes == {"shared_secret": ["", "********"]}
    assert "very-secret" not in str(entry.changes)


def test_a_failed_validation_changes_nothing_and_audits_nothing():
    order = factories.OrderFactory(reference="kept")
    with pytest.raises(ValidationError) as excinfo:
        services.update_order(order, {"reference": CARD_NUMBER, "metadata": {"a": 1}})
    assert "reference" in excinfo.value.message_dict
    assert order.reference == "kept"
    assert order.metadata == {}
    order.refresh_from_db()
    assert order.reference == "kept"
    assert order.metadata == {}
    assert not _entries(order).exists()


def test_updating_an_unknown_field_is_a_programming_error():
    order = factories.OrderFactory()
    with pytest.raises(ValueError, match="placed_at"):
        services.update_order(order, {"placed_at": None})


def test_audited_fields_are_model_fields_never_reverse_relations():
    assert concrete_field(Order, "customer").attname == "customer_id"
    with pytest.raises(TypeError, match=r"Customer\.orders is a reverse relation"):
        concrete_field(Customer, "orders")


def test_a_refusal_carries_its_message_as_text_in_the_language_it_was_raised_in(order):
    with translation.override("fr"), pytest.raises(services.RecordLocked) as refused:
        services.delete_customer(order.customer)
    assert type(refused.value.message) is str
    assert refused.value.message == "Ce client a des commandes et ne peut pas être supprimé."
    assert str(refused.value) == refused.value.message
    assert Customer.objects.filter(pk=order.customer_id).exists()


def test_relationship_to_a_record_of_the_other_mode_is_refused(gateway):
    live_customer = factories.CustomerFactory(mode="live")
    with pytest.raises(ValidationError) as excinfo:
        services.create_order(
            mode="test",
            currency_code="eur",
            total_amount_cents=100,
            customer=live_customer,
            payment_gateway=gateway,
        )
    assert "customer" in excinfo.value.message_dict
    assert not Order.objects.exists()


def test_create_order_uses_the_modes_default_gateway(customer, gateway):
    order = services.create_order(
        mode="test", currency_code="eur", total_amount_cents=1250, customer=customer
    )
    order.refresh_from_db()
    assert order.payment_gateway_id == gateway.pk
    assert order.currency_code == "EUR"
    assert order.number
    assert order.status == Order.Status.DRAFT
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_deleting_an_order_with_payments_raises_record_locked(order):
    _pay(order)
    with pytest.raises(services.RecordLocked):
        services.delete_order(order)
    assert Order.objects.filter(pk=order.pk).exists()
    assert not _entries(order, AuditEntry.Event.DESTROY).exists()


def test_deleting_a_customer_with_orders_raises_record_locked(order, customer):
    with pytest.raises(services.RecordLocked):
        services.delete_customer(customer)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_deleting_a_customer_without_orders_removes_their_sources(customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_a")
    services.delete_customer(customer)
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not CustomerPaymentSource.objects.filter(pk=source.pk).exists()
    assert _entries(source, AuditEntry.Event.DESTROY).exists()


# --- external payments ----------------------------------------------------------------------


def test_create_external_payment_fills_the_instrument_from_the_test_gateway(order):
    payment = _pay(order, options={"card_holder_name": "Ada Lovelace"})
    payment.refresh_from_db()
    instrument = payment.payment_instrument
    assert instrument["card_type"] == "visa"
    assert instrument["card_last_digits"] == "4242"
    assert instrument["card_expiry_month"] == "12"
    assert instrument["card_expiry_year"] == "2030"
    assert instrument["card_holder_name"] == "Ada Lovelace"
    assert instrument["fingerprint"]
    assert payment.payment_gateway_id == order.payment_gateway_id
    assert payment.mode == order.mode


def test_create_external_payment_audits_the_creation(order):
    payment = _pay(order)
    entry = _entries(payment).get()
    assert entry.event == AuditEntry.Event.CREATE
    assert entry.changes["payment_source_token"] == [None, "tok_test_visa_4242_1230"]
    assert entry.changes["order"] == [None, order.pk]


def test_create_external_payment_refuses_a_card_number_as_token(order):
    with pytest.raises(ValidationError) as excinfo:
        _pay(order, token="4111 1111 1111 1111")
    assert "payment_source_token" in excinfo.value.message_dict
    assert not ExternalPayment.objects.exists()
    assert not AuditEntry.objects.exists()


def test_create_external_payment_refuses_a_card_number_inside_options(order):
    with pytest.raises(ValidationError) as excinfo:
        _pay(order, options={"raw": {"pan": CARD_NUMBER}})
    assert set(excinfo.value.message_dict) == {"options"}
    assert not ExternalPayment.objects.exists()


def test_payment_source_token_is_immutable(order):
    payment = _pay(order)
    with pytest.raises(ValidationError) as excinfo:
        services.update_external_payment(payment, {"payment_source_token": "tok_other"})
    assert "payment_source_token" in excinfo.value.message_dict
    payment.refresh_from_db()
    assert payment.payment_source_token == "tok_test_visa_4242_1230"
    assert not _entries(payment, AuditEntry.Event.UPDATE).exists()


def test_update_external_payment_accepts_the_same_token_and_other_changes(order):
    payment = _pay(order)
    services.update_external_payment(
        payment, {"payment_source_token": payment.payment_source_token, "reference": "r1"}
    )
    payment.refresh_from_db()
    assert payment.reference == "r1"
    assert _entries(payment, AuditEntry.Event.UPDATE).get().changes == {"reference": ["", "r1"]}


def test_deleting_a_payment_with_transactions_raises_record_locked(order):
    payment = _pay(order)
    services.place_order(order)
    with pytest.raises(services.RecordLocked):
        services.delete_external_payment(payment)
    assert ExternalPayment.objects.filter(pk=payment.pk).exists()


# --- customer payment sources ---------------------------------------------------------------


def test_create_payment_source_saves_tokens_and_audits(customer):
    source = services.create_payment_source(
        customer=customer,
        payment_source_token="tok_src_1",
        customer_token="cus_1",
        reference="ref",
        actor=ADMIN,
    )
    stored = CustomerPaymentSource.objects.get(pk=source.pk)
    assert (stored.payment_source_token, stored.customer_token) == ("tok_src_1", "cus_1")
    assert stored.mode == customer.mode
    entry = _entries(source).get()
    assert entry.event == AuditEntry.Event.CREATE
    assert entry.changes["payment_source_token"] == [None, "tok_src_1"]
    assert entry.who["owner"]["id"] == "42"


def test_first_payment_source_becomes_the_default(customer):
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_default
    assert not second.is_default


def test_create_payment_source_as_default_moves_the_default_and_audits_both(customer):
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(
        customer=customer, payment_source_token="tok_2", is_default=True
    )
    first.refresh_from_db()
    assert not first.is_default
    assert CustomerPaymentSource.objects.get(is_default=True).pk == second.pk
    assert _entries(first, AuditEntry.Event.UPDATE).get().changes == {"is_default": [True, False]}


def test_create_payment_source_from_a_payment_copies_its_instrument(order, customer):
    payment = _pay(order)
    source = services.create_payment_source(
        customer=customer, payment_source_token="tok_src", payment=payment
    )
    source.refresh_from_db()
    assert source.payment_instrument == payment.payment_instrument
    assert source.fingerprint == payment.payment_instrument["fingerprint"]
    assert source.name == "XXXX-XXXX-XXXX-4242"


def test_create_payment_source_refuses_the_same_card_twice(order, customer):
    payment = _pay(order)
    services.create_payment_source(customer=customer, payment_source_token="tok_a", payment=payment)
    with pytest.raises(ValidationError) as excinfo:
        services.create_payment_source(
            customer=customer, payment_source_token="tok_b", payment=payment
        )
    assert "payment" in excinfo.value.message_dict
    assert CustomerPaymentSource.objects.count() == 1


@pytest.mark.parametrize("field", ["customer_token", "payment_source_token", "reference"])
def test_create_payment_source_refuses_card_numbers_and_saves_nothing(customer, field):
    kwargs = {"payment_source_token": "tok_ok", field: CARD_NUMBER}
    with pytest.raises(ValidationError) as excinfo:
        services.create_payment_source(customer=customer, **kwargs)
    assert field in excinfo.value.message_dict
    assert not CustomerPaymentSource.objects.exists()
    assert not AuditEntry.objects.exists()


def test_create_payment_source_refuses_a_card_number_in_metadata(customer):
    with pytest.raises(ValidationError) as excinfo:
        services.create_payment_source(
            customer=customer, payment_source_token="tok_ok", metadata={"k": [CARD_NUMBER]}
        )
    assert set(excinfo.value.message_dict) == {"metadata"}
    assert not CustomerPaymentSource.objects.exists()


def test_failed_default_creation_keeps_the_previous_default(customer):
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    with pytest.raises(ValidationError):
        services.create_payment_source(
            customer=customer, payment_source_token=CARD_NUMBER, is_default=True
        )
    first.refresh_from_db()
    assert first.is_default
    assert CustomerPaymentSource.objects.count() == 1


def test_payment_source_with_a_payment_of_the_other_mode_is_refused(customer):
    live_payment = factories.ExternalPaymentFactory(order__mode="live")
    with pytest.raises(ValidationError) as excinfo:
        services.create_payment_source(
            customer=customer, payment_source_token="tok_x", payment=live_payment
        )
    assert "payment" in excinfo.value.message_dict
    assert not CustomerPaymentSource.objects.exists()


def test_update_payment_source_changes_tokens_and_audits(customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    services.update_payment_source(source, {"customer_token": "cus_new"}, actor=ADMIN)
    source.refresh_from_db()
    assert source.customer_token == "cus_new"
    entry = _entries(source, AuditEntry.Event.UPDATE).get()
    assert entry.changes == {"customer_token": ["", "cus_new"]}
    assert entry.who["owner"]["type"] == "user"


def test_update_payment_source_refuses_a_card_number_and_keeps_the_old_token(customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    with pytest.raises(ValidationError) as excinfo:
        services.update_payment_source(source, {"payment_source_token": CARD_NUMBER})
    assert "payment_source_token" in excinfo.value.message_dict
    source.refresh_from_db()
    assert source.payment_source_token == "tok_1"
    assert not _entries(source, AuditEntry.Event.UPDATE).exists()


def test_update_payment_source_to_another_payment_copies_its_card(order, customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    payment = _pay(order, token="tok_test_amex_0005_0629")
    services.update_payment_source(source, {"payment": payment})
    source.refresh_from_db()
    assert source.payment_id == payment.pk
    assert source.payment_instrument == payment.payment_instrument
    assert source.fingerprint == payment.payment_instrument["fingerprint"]


def test_update_payment_source_to_a_card_already_saved_is_refused(order, customer):
    saved = services.save_payment_to_wallet(_pay(order))
    other = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    same_card = _pay(order, token="tok_test_visa_4242_1230_again")
    with pytest.raises(ValidationError) as excinfo:
        services.update_payment_source(other, {"payment": same_card})
    assert "payment" in excinfo.value.message_dict
    other.refresh_from_db()
    assert other.payment_id is None
    assert other.fingerprint == ""
    assert not _entries(other, AuditEntry.Event.UPDATE).exists()
    assert CustomerPaymentSource.objects.filter(fingerprint=saved.fingerprint).count() == 1


def test_update_payment_source_default_true_moves_the_default(customer):
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    services.update_payment_source(second, {"is_default": True})
    assert list(CustomerPaymentSource.objects.filter(is_default=True)) == [second]
    first.refresh_from_db()
    assert not first.is_default


def test_update_payment_source_default_false_clears_it_and_audits(customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    services.update_payment_source(source, {"is_default": False})
    source.refresh_from_db()
    assert not source.is_default
    assert _entries(source, AuditEntry.Event.UPDATE).get().changes == {"is_default": [True, False]}


def test_set_default_moves_the_default_and_audits_both_sources(customer):
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    services.set_default_payment_source(second, actor=ADMIN)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    assert _entries(first, AuditEntry.Event.UPDATE).get().changes == {"is_default": [True, False]}
    assert _entries(second, AuditEntry.Event.UPDATE).get().changes == {"is_default": [False, True]}
    assert _entries(second, AuditEntry.Event.DEFAULT_SET).get().who["owner"]["id"] == "42"


def test_set_default_on_the_default_records_nothing(customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    services.set_default_payment_source(source)
    assert not _entries(source, AuditEntry.Event.UPDATE).exists()
    assert not _entries(source, AuditEntry.Event.DEFAULT_SET).exists()


def test_set_default_leaves_other_customers_alone(customer):
    other = factories.CustomerPaymentSourceFactory(is_default=True)
    services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    services.set_default_payment_source(second)
    other.refresh_from_db()
    assert other.is_default


def test_delete_payment_source_removes_it_and_audits(customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    source_id = source.pk
    services.delete_payment_source(source, actor=ADMIN)
    assert not CustomerPaymentSource.objects.filter(pk=source_id).exists()
    entry = AuditEntry.objects.get(resource_id=source_id, event=AuditEntry.Event.DESTROY)
    assert entry.changes["payment_source_token"] == ["tok_1", None]


def test_deleting_the_default_makes_the_most_recently_used_remaining_one_default(customer, order):
    default = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    older_used = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    recently_used = services.create_payment_source(customer=customer, payment_source_token="tok_3")
    never_used = services.create_payment_source(customer=customer, payment_source_token="tok_4")
    services.pay_order_with_source(order, older_used)
    services.pay_order_with_source(order, recently_used)
    services.delete_payment_source(default)
    assert list(CustomerPaymentSource.objects.filter(is_default=True)) == [recently_used]
    assert not CustomerPaymentSource.objects.get(pk=never_used.pk).is_default


def test_deleting_the_default_when_none_was_used_picks_the_newest(customer):
    default = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    services.create_payment_source(customer=customer, payment_source_token="tok_2")
    newest = services.create_payment_source(customer=customer, payment_source_token="tok_3")
    services.delete_payment_source(default)
    assert list(CustomerPaymentSource.objects.filter(is_default=True)) == [newest]


def test_deleting_a_non_default_keeps_the_default(customer):
    default = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    other = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    services.delete_payment_source(other)
    default.refresh_from_db()
    assert default.is_default


# --- save to wallet, pay with a saved source ------------------------------------------------


def test_save_payment_to_wallet_creates_a_default_source_from_the_payment(order, customer):
    payment = _pay(order, options={"customer_token": "cus_9"})
    source = services.save_payment_to_wallet(payment, actor=ADMIN)
    source = CustomerPaymentSource.objects.get(pk=source.pk)
    assert source.customer_id == customer.pk
    assert source.payment_id == payment.pk
    assert source.payment_source_token == payment.payment_source_token
    assert source.customer_token == "cus_9"
    assert source.payment_instrument == payment.payment_instrument
    assert source.fingerprint == payment.payment_instrument["fingerprint"]
    assert source.is_default
    payment.refresh_from_db()
    assert payment.saved_source_id == source.pk
    assert _entries(source, AuditEntry.Event.SAVED_TO_WALLET).get().changes == {
        "payment": [None, payment.pk]
    }


def test_save_payment_to_wallet_is_not_default_when_one_exists(order, customer):
    existing = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    source = services.save_payment_to_wallet(_pay(order))
    source.refresh_from_db()
    existing.refresh_from_db()
    assert not source.is_default
    assert existing.is_default


def test_save_payment_to_wallet_can_make_it_default(order, customer):
    existing = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    source = services.save_payment_to_wallet(_pay(order), make_default=True)
    existing.refresh_from_db()
    assert CustomerPaymentSource.objects.get(is_default=True).pk == source.pk
    assert not existing.is_default


def test_saving_the_same_card_again_updates_the_existing_source(order, customer):
    first_payment = _pay(order)
    source = services.save_payment_to_wallet(first_payment)
    second_order = factories.OrderFactory(customer=customer, payment_gateway=order.payment_gateway)
    second_payment = _pay(second_order, token="tok_test_visa_4242_1230_again")
    again = services.save_payment_to_wallet(second_payment)
    assert again.pk == source.pk
    assert CustomerPaymentSource.objects.count() == 1
    stored = CustomerPaymentSource.objects.get()
    assert stored.payment_id == second_payment.pk
    assert stored.payment_source_token == "tok_test_visa_4242_1230_again"
    second_payment.refresh_from_db()
    assert second_payment.saved_source_id == source.pk


def test_a_different_card_is_saved_as_a_second_source(order):
    services.save_payment_to_wallet(_pay(order))
    services.save_payment_to_wallet(_pay(order, token="tok_test_visa_4242_1231"))
    assert CustomerPaymentSource.objects.count() == 2


def test_a_guest_order_cannot_save_a_card(gateway):
    guest_order = factories.OrderFactory(customer=None, payment_gateway=gateway)
    with pytest.raises(ValidationError) as excinfo:
        services.save_payment_to_wallet(_pay(guest_order))
    assert "customer" in excinfo.value.message_dict
    assert not CustomerPaymentSource.objects.exists()


def test_pay_order_with_source_creates_a_payment_linked_through_wallet(order, customer):
    source = services.save_payment_to_wallet(_pay(order))
    second_order = factories.OrderFactory(customer=customer, payment_gateway=order.payment_gateway)
    payment = services.pay_order_with_source(second_order, source)
    payment.refresh_from_db()
    assert payment.order_id == second_order.pk
    assert payment.saved_source_id == source.pk
    assert payment.payment_source_token == source.payment_source_token
    assert payment.payment_instrument["fingerprint"] == source.fingerprint
    source.refresh_from_db()
    assert source.last_used_at is not None


def test_pay_order_with_source_copies_the_instrument_when_the_gateway_knows_none(order, customer):
    source = factories.CustomerPaymentSourceFactory(
        customer=customer, payment_source_token="opaque-token"
    )
    payment = services.pay_order_with_source(order, source)
    payment.refresh_from_db()
    assert payment.payment_instrument == source.payment_instrument


def test_choosing_a_source_twice_leaves_one_payment(order, customer):
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    services.pay_order_with_source(order, first)
    services.pay_order_with_source(order, second)
    assert list(order.external_payments.values_list("saved_source_id", flat=True)) == [second.pk]


def test_pay_order_with_another_customers_source_is_refused(order):
    stranger = factories.CustomerPaymentSourceFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.pay_order_with_source(order, stranger)
    assert "customer_payment_source" in excinfo.value.message_dict
    assert not order.external_payments.exists()


def test_pay_order_with_source_refuses_an_order_not_payable(order, customer):
    source = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    order.refresh_from_db()
    with pytest.raises(services.OrderNotPayable):
        services.pay_order_with_source(order, source)
    assert not order.external_payments.exists()


# --- placing orders -------------------------------------------------------------------------


def test_place_order_authorizes_and_places(order, customer):
    payment = _pay(order)
    authorization = services.place_order(order, actor=ADMIN)
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED
    assert order.placed_at is not None
    stored = Transaction.objects.get()
    assert stored.pk == authorization.pk
    assert stored.payment_id == payment.pk
    assert stored.succeeded
    assert stored.kind == Transaction.Kind.AUTHORIZATION
    assert stored.amount_cents == order.total_amount_cents
    assert stored.token.startswith("auth_")
    assert _entries(payment, AuditEntry.Event.AUTHORIZED).exists()
    assert _entries(order, AuditEntry.Event.PLACED).exists()
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACQUIRED


def test_place_order_twice_is_refused_and_authorizes_once(order):
    _pay(order)
    services.place_order(order)
    with pytest.raises(services.OrderNotPayable):
        services.place_order(order)
    assert Transaction.objects.count() == 1


def test_a_declined_token_raises_and_leaves_the_order_unpaid(order):
    payment = _pay(order, token="tok_test_visa_0002_1230_decline")
    with pytest.raises(services.PaymentDeclined):
        services.place_order(order)
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert order.payment_status == Order.PaymentStatus.UNPAID
    failed = Transaction.objects.get()
    assert failed.payment_id == payment.pk
    assert not failed.succeeded
    assert _entries(payment, AuditEntry.Event.DECLINED).exists()


def test_placing_an_order_not_payable_raises(order):
    _pay(order)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    with pytest.raises(services.OrderNotPayable):
        services.place_order(order)
    assert not Transaction.objects.exists()


def test_placing_an_order_without_payment_is_refused(order):
    with pytest.raises(ValidationError) as excinfo:
        services.place_order(order)
    assert "external_payments" in excinfo.value.message_dict


def test_checkout_with_source_pays_and_places(order, customer):
    source = services.create_payment_source(
        customer=customer, payment_source_token="tok_test_mastercard_4444_0131"
    )
    services.checkout_with_source(order, source)
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED
    assert Transaction.objects.get().payment.saved_source_id == source.pk


def test_checkout_with_token_can_save_the_card(order, customer):
    services.checkout_with_token(order, "tok_test_amex_0005_0629", save_to_wallet=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    source = CustomerPaymentSource.objects.get(customer=customer)
    assert source.name == "XXXX-XXXX-XXXX-0005"


def test_checkout_with_a_declined_token_saves_nothing(order):
    with pytest.raises(services.PaymentDeclined):
        services.checkout_with_token(order, "tok_test_visa_0002_1230_decline", save_to_wallet=True)
    assert not CustomerPaymentSource.objects.exists()


# --- rules added after review: expired cards, disabled gateways, login email ---------------


def test_paying_with_an_expired_saved_card_is_refused_and_creates_no_payment(order, customer):
    source = factories.CustomerPaymentSourceFactory(customer=customer, month=1, year=2024)
    with pytest.raises(ValidationError) as exc:
        services.pay_order_with_source(order, source)
    assert exc.value.error_dict["customer_payment_source"][0].code == "expired"
    assert not ExternalPayment.objects.filter(order=order).exists()


def test_placing_an_order_through_a_disabled_gateway_is_refused(order, gateway):
    from django.utils import timezone

    _pay(order)
    gateway.disabled_at = timezone.now()
    gateway.save()
    with pytest.raises(ValidationError) as exc:
        services.place_order(order)
    assert exc.value.error_dict["payment_gateway"][0].code == "disabled"
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert not Transaction.objects.filter(payment__order=order).exists()


def test_changing_a_customers_email_changes_their_login():
    customer = services.create_customer(
        mode="test", email="old@example.com", password="s3cret-pass"
    )
    services.update_customer(customer, {"email": "New@Example.com"})
    assert authenticate(username="new@example.com", password="s3cret-pass") == customer.user
    assert authenticate(username="old@example.com", password="s3cret-pass") is None


def test_changing_the_email_to_another_accounts_email_is_refused():
    factories.UserFactory(username="taken@example.com")
    customer = services.create_customer(
        mode="test", email="mine@example.com", password="s3cret-pass"
    )
    with pytest.raises(ValidationError) as exc:
        services.update_customer(customer, {"email": "taken@example.com"})
    assert exc.value.error_dict["email"][0].code == "taken"
    customer.refresh_from_db()
    assert customer.email == "mine@example.com"


def test_an_expired_card_cannot_become_the_default(customer):
    expired = factories.CustomerPaymentSourceFactory(customer=customer, month=1, year=2024)
    with pytest.raises(ValidationError) as exc:
        services.set_default_payment_source(expired)
    assert exc.value.error_dict["is_default"][0].code == "expired"
    expired.refresh_from_db()
    assert not expired.is_default


def test_deleting_the_default_skips_expired_cards_when_choosing_the_next(customer):
    default = factories.CustomerPaymentSourceFactory(customer=customer, is_default=True)
    valid = factories.CustomerPaymentSourceFactory(customer=customer)
    factories.CustomerPaymentSourceFactory(customer=customer, month=1, year=2024)  # newest
    services.delete_payment_source(default)
    valid.refresh_from_db()
    assert valid.is_default


def test_the_gateway_instrument_keeps_documented_keys_and_drops_card_numbers(order, monkeypatch):
    from wallet.gateways.test import TestGateway

    monkeypatch.setattr(
        TestGateway,
        "tokenize",
        lambda self, token, options: {
            "card_type": "visa",
            "card_last_digits": "4242",
            "card_holder_name": "4242 4242 4242 4242",
            "raw_pan": "4242424242424242",
        },
    )
    payment = _pay(order, token="tok_opaque")
    assert payment.payment_instrument == {"card_type": "visa", "card_last_digits": "4242"}


def test_placing_an_order_audits_the_customers_new_status(order, customer):
    _pay(order)
    services.place_order(order)
    entry = _entries(customer, AuditEntry.Event.UPDATE).get()
    assert entry.changes == {"status": ["prospect", "acquired"]}


def test_saving_a_payment_to_the_wallet_audits_the_payments_wallet_link(order):
    payment = _pay(order)
    source = services.save_payment_to_wallet(payment)
    entry = _entries(payment, AuditEntry.Event.UPDATE).get()
    assert entry.changes == {"wallet": [None, source.pk]}


def test_generated_order_numbers_are_never_card_numbers(customer, monkeypatch):
    from wallet import validators

    # 261122-000019 is Luhn-valid: the generator must pass it over.
    draws = iter([19, 17])
    from wallet.services import orders

    monkeypatch.setattr(orders.secrets, "randbelow", lambda _: next(draws))
    monkeypatch.setattr(orders.timezone, "now", lambda: datetime(2026, 11, 22, tzinfo=UTC))
    order = services.create_order(
        mode="test", currency_code="EUR", total_amount_cents=100, customer=customer
    )
    assert not validators.is_card_number(order.number)
    assert order.number == "261122-000017"
