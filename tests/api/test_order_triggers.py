"""The write-only triggers of ``PATCH /api/orders/:id``: save the payment to the wallet, pay
with a saved source, place the order."""

import pytest

from tests import factories
from tests.support.api import assert_error, patch_order
from wallet.models import CustomerPaymentSource, ExternalPayment, Order, Transaction


def test_save_payment_source_to_customer_wallet(api_client, payment):
    order = payment.order

    response = patch_order(
        api_client,
        order,
        "?include=available_customer_payment_sources",
        _save_payment_source_to_customer_wallet=True,
    )

    assert response.status_code == 200
    source = CustomerPaymentSource.objects.get(customer=order.customer)
    assert source.payment == payment
    assert source.name == "XXXX-XXXX-XXXX-4242"
    payment.refresh_from_db()
    assert payment.saved_source == source
    linkage = response.doc["data"]["relationships"]["available_customer_payment_sources"]["data"]
    assert linkage == [{"type": "customer_payment_sources", "id": source.pk}]
    assert response.doc["included"][0]["attributes"]["name"] == "XXXX-XXXX-XXXX-4242"


def test_save_payment_source_false_does_nothing(api_client, payment):
    response = patch_order(api_client, payment.order, _save_payment_source_to_customer_wallet=False)

    assert response.status_code == 200
    assert not CustomerPaymentSource.objects.exists()


def test_save_payment_source_without_payment(api_client, order):
    response = patch_order(api_client, order, _save_payment_source_to_customer_wallet=True)

    assert_error(
        response,
        422,
        "VALIDATION_ERROR",
        "/data/attributes/_save_payment_source_to_customer_wallet",
        "blank",
    )


def test_save_payment_source_of_a_guest_order(api_client, gateway):
    guest = factories.OrderFactory(customer=None, payment_gateway=gateway)
    factories.ExternalPaymentFactory(order=guest)

    response = patch_order(api_client, guest, _save_payment_source_to_customer_wallet=True)

    assert_error(
        response,
        422,
        "VALIDATION_ERROR",
        "/data/attributes/_save_payment_source_to_customer_wallet",
    )
    assert not CustomerPaymentSource.objects.exists()


def test_customer_payment_source_id_makes_the_source_the_payment(api_client, order):
    source = factories.CustomerPaymentSourceFactory(customer=order.customer)

    response = patch_order(
        api_client, order, "?include=external_payments", _customer_payment_source_id=source.pk
    )

    assert response.status_code == 200
    payment = ExternalPayment.objects.get(order=order)
    assert payment.saved_source == source
    assert payment.payment_source_token == source.payment_source_token
    assert response.doc["included"][0]["id"] == payment.pk


def test_customer_payment_source_id_twice_leaves_one_payment(api_client, order):
    source = factories.CustomerPaymentSourceFactory(customer=order.customer)

    patch_order(api_client, order, _customer_payment_source_id=source.pk)
    patch_order(api_client, order, _customer_payment_source_id=source.pk)

    assert ExternalPayment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("whose", ["unknown", "other_customer", "other_mode"])
def test_customer_payment_source_id_out_of_reach(api_client, order, whose):
    if whose == "unknown":
        source_id = "missing000"
    elif whose == "other_customer":
        source_id = factories.CustomerPaymentSourceFactory().pk
    else:
        live = factories.CustomerFactory(mode="live")
        source_id = factories.CustomerPaymentSourceFactory(customer=live).pk

    response = patch_order(api_client, order, _customer_payment_source_id=source_id)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_customer_payment_source_id")
    assert not ExternalPayment.objects.filter(order=order).exists()


def test_place_authorizes_and_places(api_client, payment):
    order = payment.order

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 200
    assert response.doc["data"]["attributes"]["status"] == "placed"
    assert response.doc["data"]["attributes"]["payment_status"] == "authorized"
    assert response.doc["data"]["attributes"]["placed_at"].endswith("Z")
    assert Transaction.objects.get(payment=payment).succeeded


def test_place_declined_leaves_the_order_unpaid(api_client, order):
    factories.ExternalPaymentFactory(
        order=order, payment_source_token="tok_test_visa_4000_1230_decline"
    )

    response = patch_order(api_client, order, _place=True)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_place", "declined")
    order.refresh_from_db()
    assert order.status == "draft"
    assert order.payment_status == "unpaid"


def test_place_an_order_already_placed(api_client, payment):
    Order.objects.filter(pk=payment.order_id).update(status="placed", payment_status="authorized")

    response = patch_order(api_client, payment.order, _place=True)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_place", "not_payable")


def test_place_without_payment(api_client, order):
    response = patch_order(api_client, order, _place=True)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/relationships/external_payments", "blank"
    )


def test_pay_with_saved_source_and_place_in_one_request(api_client, order):
    source = factories.CustomerPaymentSourceFactory(customer=order.customer)

    response = patch_order(api_client, order, _customer_payment_source_id=source.pk, _place=True)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "placed"
    assert ExternalPayment.objects.get(order=order).saved_source == source


@pytest.mark.parametrize(
    ("trigger", "value"),
    [
        ("_place", "yes"),
        ("_save_payment_source_to_customer_wallet", 1),
        ("_customer_payment_source_id", 5),
    ],
)
def test_trigger_values_of_the_wrong_type(api_client, order, trigger, value):
    response = patch_order(api_client, order, **{trigger: value})

    assert_error(response, 422, "VALIDATION_ERROR", f"/data/attributes/{trigger}", "invalid")
