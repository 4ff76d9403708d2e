"""Money rules of the services: the test gateway only in test mode, no fallback gateway,
customers never reprice, checkouts all or nothing, a token saved once per customer."""

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tests import factories
from tests.support.admin import add_url
from wallet import services
from wallet.models import AuditEntry, CustomerPaymentSource, ExternalPayment, Order, PaymentGateway

pytestmark = pytest.mark.django_db


# --- the test gateway lives in test mode only -------------------------------------------------


def test_the_database_refuses_a_live_test_gateway():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentGateway.objects.create(name="Sneaky", mode="live", kind="test")


def test_the_services_refuse_a_live_test_gateway():
    with pytest.raises(ValidationError) as excinfo:
        services.create_record(
            PaymentGateway(name="Sneaky", mode="live", kind="test"), actor=services.SYSTEM
        )
    assert "The test gateway exists only in test mode." in excinfo.value.messages
    assert not PaymentGateway.objects.exists()


def test_the_admin_refuses_a_live_test_gateway(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)

    response = client.post(
        add_url(PaymentGateway),
        {
            "mode": "live",
            "name": "Sneaky",
            "kind": "test",
            **dict.fromkeys(
                ("authorize_url", "capture_url", "void_url", "refund_url", "token_url"), ""
            ),
            "shared_secret": "",
            "reference": "",
            "reference_origin": "",
            "metadata": "{}",
        },
    )

    assert response.status_code == 200
    assert "The test gateway exists only in test mode." in response.content.decode()
    assert not PaymentGateway.objects.exists()


def _insert_live_test_gateway_past_the_constraint() -> None:
    """A row as an old database may hold it, from before the constraint existed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE wallet_paymentgateway "
                "DROP CONSTRAINT wallet_gateway_test_kind_test_mode"
            )
        else:
            cursor.execute("PRAGMA ignore_check_constraints = 1")
    try:
        PaymentGateway.objects.create(name="Old live test gateway", mode="live", kind="test")
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = 0")


def test_a_system_check_names_live_test_gateways():
    _insert_live_test_gateway_past_the_constraint()

    messages = run_checks(databases=["default"])

    found = [message for message in messages if message.id == "wallet.E003"]
    assert len(found) == 1
    assert "Old live test gateway" in found[0].msg


def test_the_system_check_is_quiet_without_live_test_gateways():
    factories.PaymentGatewayFactory()

    assert not [m for m in run_checks(databases=["default"]) if m.id == "wallet.E003"]


# --- no fallback gateway ---------------------------------------------------------------------


def test_an_order_without_gateway_cannot_be_placed():
    order = factories.OrderFactory(payment_gateway=None)
    factories.ExternalPaymentFactory(order=order, payment_gateway=None)

    with pytest.raises(ValidationError) as excinfo:
        services.place_order(order)

    assert excinfo.value.error_dict["payment_gateway"][0].code == "blank"
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_a_live_test_gateway_that_predates_the_constraint_never_charges():
    _insert_live_test_gateway_past_the_constraint()
    gateway = PaymentGateway.objects.get(mode="live")
    order = factories.OrderFactory(mode="live", payment_gateway=gateway)
    factories.ExternalPaymentFactory(order=order, payment_source_token="anything-at-all")

    with pytest.raises(ValidationError) as excinfo:
        services.place_order(order)

    assert "payment_gateway" in excinfo.value.error_dict
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


# --- customers never change what is charged or who charges it -------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_gateway", None),
        ("currency_code", "usd"),
        ("total_amount_cents", 1),
        ("status", Order.Status.PLACED),
        ("payment_status", Order.PaymentStatus.PAID),
    ],
)
def test_a_customer_cannot_change_what_is_charged(field, value):
    order = factories.OrderFactory()
    before = Order.objects.values().get(pk=order.pk)

    with pytest.raises(ValidationError) as excinfo:
        services.update_order(
            order, {field: value}, actor=services.actor_for_customer(order.customer)
        )

    assert excinfo.value.error_dict[field][0].code == "readonly"
    assert Order.objects.values().get(pk=order.pk) == before


def test_a_customer_may_send_the_values_their_order_already_has():
    order = factories.OrderFactory()

    services.update_order(
        order,
        {"currency_code": "eur", "payment_gateway": order.payment_gateway, "reference": "mine"},
        actor=services.actor_for_customer(order.customer),
    )

    order.refresh_from_db()
    assert order.reference == "mine"


# --- checkouts are all or nothing ------------------------------------------------------------


def test_a_declined_change_keeps_the_changes_out_and_the_decline_in():
    order = factories.OrderFactory(reference="before")
    payment = factories.ExternalPaymentFactory(
        order=order, payment_source_token="tok_test_visa_0002_1230_decline"
    )

    with pytest.raises(services.PaymentDeclined):
        services.change_order(order, {"reference": "after"}, place=True)

    order.refresh_from_db()
    assert order.reference == "before"
    declined = AuditEntry.objects.get(resource_id=payment.pk, event=AuditEntry.Event.DECLINED)
    assert declined.changes["message"][1]


def test_a_declined_new_card_leaves_no_payment_and_records_the_decline_on_the_order():
    order = factories.OrderFactory()

    with pytest.raises(services.PaymentDeclined):
        services.checkout_with_token(order, "tok_test_visa_0002_1230_decline", save_to_wallet=True)

    assert not ExternalPayment.objects.filter(order=order).exists()
    assert not CustomerPaymentSource.objects.exists()
    assert AuditEntry.objects.filter(resource_id=order.pk, event=AuditEntry.Event.DECLINED).exists()


def test_checkout_with_token_saves_the_card_it_paid_with():
    order = factories.OrderFactory()

    services.checkout_with_token(order, "tok_test_visa_4242_1230", save_to_wallet=True)

    payment = ExternalPayment.objects.get(order=order)
    source = CustomerPaymentSource.objects.get(customer=order.customer)
    assert payment.saved_source_id == source.pk
    assert payment.transactions.get().succeeded


# --- one token, one saved source -------------------------------------------------------------


def test_saving_the_same_token_twice_is_taken():
    customer = factories.CustomerFactory()
    services.create_payment_source(customer=customer, payment_source_token="pm_saved_once")

    with pytest.raises(ValidationError) as excinfo:
        services.create_payment_source(customer=customer, payment_source_token="pm_saved_once")

    assert excinfo.value.error_dict["payment_source_token"][0].code == "taken"
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1


def test_another_customer_may_save_the_same_token():
    services.create_payment_source(
        customer=factories.CustomerFactory(), payment_source_token="pm_shared"
    )
    services.create_payment_source(
        customer=factories.CustomerFactory(), payment_source_token="pm_shared"
    )

    assert CustomerPaymentSource.objects.filter(payment_source_token="pm_shared").count() == 2
