"""Issue 11, item 2 (and 6 for Stripe): paying an order through Stripe, against localstripe.

Each test reads Stripe's side back (PaymentIntent, Refund) with the stripe library.
"""

import pytest

from tests import factories
from tests.support.api import patch_order
from tests.support.stripe import (
    DECLINED_AT_CHARGE,
    authorization_of,
    create_payment,
)
from wallet import services
from wallet.gateways import GatewayUnavailable, StripeGateway
from wallet.models import Order, PaymentGateway, Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(stripe_gateway):
    return factories.OrderFactory(
        payment_gateway=stripe_gateway, currency_code="EUR", total_amount_cents=4990
    )


def test_payment_instrument_comes_from_the_payment_method(api_client, order, make_card):
    card = make_card(exp_month=7, exp_year=2031, name="Grace Hopper")

    response = create_payment(api_client, order, card.id)

    assert response.status_code == 201, response.content
    instrument = response.doc["data"]["attributes"]["payment_instrument"]
    assert instrument == {
        "issuer_type": "card",
        "card_type": card.card.brand,
        "card_last_digits": "4242",
        "card_expiry_month": "07",
        "card_expiry_year": "2031",
        "card_holder_name": "Grace Hopper",
        "fingerprint": card.card.fingerprint,
    }


def test_unknown_payment_method_has_no_instrument(api_client, order):
    response = create_payment(api_client, order, "pm_doesnotexist")

    assert response.status_code == 201
    assert response.doc["data"]["attributes"]["payment_instrument"] == {}


def test_place_creates_and_confirms_a_manual_capture_payment_intent(
    api_client, order, make_card, stripe_client
):
    card = make_card()
    assert create_payment(api_client, order, card.id).status_code == 201

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "authorized")
    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(order).token)
    assert (intent.amount, intent.currency) == (4990, "eur")
    assert intent.payment_method == card.id
    assert intent.capture_method == "manual"
    assert intent.status == "requires_capture"
    assert intent.customer is None
    assert intent.metadata["wallet_order_id"] == order.pk


def test_zero_decimal_currency_is_charged_in_its_minor_units(
    api_client, stripe_gateway, make_card, stripe_client
):
    order = factories.OrderFactory(
        payment_gateway=stripe_gateway, currency_code="JPY", total_amount_cents=12345
    )
    create_payment(api_client, order, make_card().id)

    assert patch_order(api_client, order, _place=True).status_code == 200

    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(order).token)
    assert (intent.amount, intent.currency) == (12345, "jpy")


def test_decline_is_a_422_with_the_decline_code_and_the_order_stays_unpaid(
    api_client, order, make_card
):
    create_payment(api_client, order, make_card(DECLINED_AT_CHARGE).id)

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 422
    error = response.doc["errors"][0]
    assert "declined" in error["detail"].lower()
    assert error["meta"] == {"error": "declined", "decline_code": "card_declined"}
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    failed = Transaction.objects.get(payment__order=order)
    assert not failed.succeeded


def test_placing_an_unknown_payment_method_is_a_422_and_the_order_stays_unpaid(api_client, order):
    create_payment(api_client, order, "pm_doesnotexist")

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 422
    assert response.doc["errors"][0]["meta"]["error"] == "declined"
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_stripe_out_of_reach_is_a_503_and_nothing_changes(api_client, order, make_card):
    create_payment(api_client, order, make_card().id)
    PaymentGateway.objects.filter(pk=order.payment_gateway_id).update(api_base="http://127.0.0.1:9")

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 503
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    assert not Transaction.objects.filter(payment__order=order).exists()


def test_gateway_raises_unavailable_on_a_network_error(make_card):
    gateway = StripeGateway("sk_test_x", api_base="http://127.0.0.1:9")

    with pytest.raises(GatewayUnavailable):
        gateway.authorize("pm_anything", 100, "EUR")


def test_gateway_uses_its_own_key_never_the_global_one(stripe_gateway, make_card):
    import stripe

    card = make_card()
    gateway = StripeGateway("sk_test_own_key", api_base=stripe_gateway.api_base)

    result = gateway.authorize(card.id, 100, "EUR")

    assert result.succeeded
    assert stripe.api_key is None


# --- capture, void, refund (the order triggers of item 6, with Stripe) ----------------------


@pytest.fixture
def placed(api_client, order, make_card):
    create_payment(api_client, order, make_card().id)
    assert patch_order(api_client, order, _place=True).status_code == 200
    order.refresh_from_db()
    return order


def test_capture_captures_the_payment_intent(api_client, placed, stripe_client):
    response = patch_order(api_client, placed, _capture=True)

    assert response.status_code == 200, response.content
    placed.refresh_from_db()
    assert placed.payment_status == "paid"
    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(placed).token)
    assert intent.status == "succeeded"
    # localstripe has no amount_received; its latest_charge is expanded (Stripe gives an id).
    assert intent.latest_charge.captured is True
    assert intent.latest_charge.amount == 4990


def test_cancel_cancels_the_payment_intent(api_client, placed, stripe_client):
    response = patch_order(api_client, placed, _cancel=True)

    assert response.status_code == 200, response.content
    placed.refresh_from_db()
    assert (placed.status, placed.payment_status) == ("cancelled", "voided")
    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(placed).token)
    assert intent.status == "canceled"


def test_refund_refunds_the_captured_payment_intent(api_client, placed, stripe_client):
    assert patch_order(api_client, placed, _capture=True).status_code == 200

    response = patch_order(api_client, placed, _refund=True)

    assert response.status_code == 200, response.content
    placed.refresh_from_db()
    assert placed.payment_status == "refunded"
    refund = Transaction.objects.get(payment__order=placed, kind="refund", succeeded=True)
    assert refund.token.startswith("re_")
    stripe_refund = stripe_client.v1.refunds.retrieve(refund.token)
    assert (stripe_refund.amount, stripe_refund.status) == (4990, "succeeded")
    assert stripe_refund.payment_intent == authorization_of(placed).token


def test_capturing_twice_at_stripe_is_a_failed_result(placed, stripe_gateway):
    gateway = StripeGateway(stripe_gateway.secret_key, api_base=stripe_gateway.api_base)
    token = authorization_of(placed).token
    assert gateway.capture(token, 4990).succeeded

    again = gateway.capture(token, 4990)

    assert not again.succeeded
    assert again.message


def test_place_order_service_authorizes_through_stripe(order, make_card):
    services.create_external_payment(order=order, payment_source_token=make_card().id)

    services.place_order(order)

    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED
