"""Issue 11, item 7: Stripe webhooks, signed with the gateway's secret and handled once.

The tests post events signed as Stripe signs them (``t=…,v1=HMAC-SHA256(secret, "t.body")``),
built from the objects localstripe holds after the change happened at Stripe.
"""

import time

import pytest
from django.urls import reverse

from tests import factories
from tests.support.api import patch_order
from tests.support.stripe import authorization_of, create_payment, event, post
from wallet.models import AuditEntry, CustomerPaymentSource, GatewayEvent, Order, Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(api_client, stripe_gateway, make_card):
    order = factories.OrderFactory(payment_gateway=stripe_gateway, total_amount_cents=3000)
    create_payment(api_client, order, make_card().id)
    assert patch_order(api_client, order, _place=True).status_code == 200
    order.refresh_from_db()
    return order


def intent_of(stripe_client, order):
    return stripe_client.v1.payment_intents.retrieve(authorization_of(order).token)


def test_captured_at_stripe_makes_the_authorized_order_paid(client, placed, stripe_client):
    intent = stripe_client.v1.payment_intents.capture(authorization_of(placed).token)

    response = post(client, placed.payment_gateway, event("payment_intent.succeeded", intent))

    assert response.status_code == 200
    assert response.json()["outcome"] == "handled"
    placed.refresh_from_db()
    assert placed.payment_status == "paid"
    capture = Transaction.objects.get(payment__order=placed, kind="capture")
    assert (capture.token, capture.amount_cents) == (intent.id, 3000)
    audit = AuditEntry.objects.get(resource_id=placed.pk, event="captured")
    assert audit.who["application"] == {
        "id": placed.payment_gateway_id,
        "kind": "stripe_webhook",
    }


def test_the_same_event_twice_is_handled_once(client, placed, stripe_client):
    intent = stripe_client.v1.payment_intents.capture(authorization_of(placed).token)
    payload = event("payment_intent.succeeded", intent)

    first = post(client, placed.payment_gateway, payload)
    second = post(client, placed.payment_gateway, payload)

    assert (first.json()["outcome"], second.json()["outcome"]) == ("handled", "duplicate")
    assert Transaction.objects.filter(payment__order=placed, kind="capture").count() == 1
    assert GatewayEvent.objects.filter(event_id=payload["id"]).count() == 1


def test_bad_signature_is_a_400_and_changes_nothing(client, placed, stripe_client):
    intent = stripe_client.v1.payment_intents.capture(authorization_of(placed).token)
    payload = event("payment_intent.succeeded", intent)

    response = post(client, placed.payment_gateway, payload, secret="whsec_someone_else")

    assert response.status_code == 400
    placed.refresh_from_db()
    assert placed.payment_status == "authorized"
    assert not GatewayEvent.objects.exists()


def test_missing_signature_is_a_400(client, placed):
    response = post(client, placed.payment_gateway, event("x.y", {"id": "x"}), signature="")

    assert response.status_code == 400
    assert not GatewayEvent.objects.exists()


def test_old_timestamp_is_a_400(client, placed):
    payload = event("payment_intent.succeeded", {"id": "pi_x"})

    response = post(client, placed.payment_gateway, payload, timestamp=int(time.time()) - 3600)

    assert response.status_code == 400


def test_signed_body_that_is_not_an_event_is_a_400(client, stripe_gateway):
    response = post(client, stripe_gateway, {"hello": "world"})

    assert response.status_code == 400


def test_unknown_gateway_is_a_404(client, db):
    response = client.post(
        reverse("wallet:stripe-webhook", args=["nOsUcHgAtE"]),
        data="{}",
        content_type="application/json",
    )

    assert response.status_code == 404


def test_get_is_not_allowed(client, stripe_gateway):
    assert client.get(reverse("wallet:stripe-webhook", args=[stripe_gateway.pk])).status_code == 405


def test_cancelled_at_stripe_voids_and_cancels_the_order(client, placed, stripe_client):
    intent = stripe_client.v1.payment_intents.cancel(authorization_of(placed).token)

    response = post(client, placed.payment_gateway, event("payment_intent.canceled", intent))

    assert response.json()["outcome"] == "handled"
    placed.refresh_from_db()
    assert (placed.status, placed.payment_status) == ("cancelled", "voided")
    assert Transaction.objects.filter(payment__order=placed, kind="void").exists()


def test_payment_failed_is_recorded_on_its_payment_and_the_order_stays_unpaid(
    client, api_client, stripe_gateway, make_card
):
    order = factories.OrderFactory(payment_gateway=stripe_gateway)
    create_payment(api_client, order, make_card().id)
    payment = order.external_payments.get()
    failed_intent = {
        "id": "pi_failed_async",
        "object": "payment_intent",
        "amount": order.total_amount_cents,
        "currency": "eur",
        "status": "requires_payment_method",
        "metadata": {"wallet_order_id": order.pk, "wallet_payment_id": payment.pk},
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }

    response = post(client, stripe_gateway, event("payment_intent.payment_failed", failed_intent))

    assert response.json()["outcome"] == "handled"
    failed = Transaction.objects.get(payment=payment)
    assert (failed.succeeded, failed.token, failed.message) == (
        False,
        "pi_failed_async",
        "Your card was declined.",
    )
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_refunded_at_stripe_marks_the_paid_order_refunded(
    client, api_client, placed, stripe_client
):
    assert patch_order(api_client, placed, _capture=True).status_code == 200
    intent_id = authorization_of(placed).token
    refund = stripe_client.v1.refunds.create(params={"payment_intent": intent_id})
    charge = stripe_client.v1.charges.retrieve(intent_of(stripe_client, placed).latest_charge.id)

    response = post(client, placed.payment_gateway, event("charge.refunded", charge))

    assert response.json()["outcome"] == "handled"
    placed.refresh_from_db()
    assert placed.payment_status == "refunded"
    recorded = Transaction.objects.get(payment__order=placed, kind="refund")
    assert recorded.token == refund.id


def test_refund_the_wallet_made_itself_is_not_recorded_twice(
    client, api_client, placed, stripe_client
):
    patch_order(api_client, placed, _capture=True)
    assert patch_order(api_client, placed, _refund=True).status_code == 200
    charge = stripe_client.v1.charges.retrieve(intent_of(stripe_client, placed).latest_charge.id)

    response = post(client, placed.payment_gateway, event("charge.refunded", charge))

    assert response.json()["outcome"] == "ignored"
    assert Transaction.objects.filter(payment__order=placed, kind="refund").count() == 1


# --- saved cards ------------------------------------------------------------------------------


@pytest.fixture
def saved(api_client, stripe_gateway, make_card):
    order = factories.OrderFactory(payment_gateway=stripe_gateway)
    card = make_card(exp_month=1, exp_year=2027)
    create_payment(api_client, order, card.id)
    patch_order(api_client, order, _save_payment_source_to_customer_wallet=True)
    return CustomerPaymentSource.objects.get()


def test_card_updater_changes_the_saved_expiry_and_name(client, saved, stripe_client):
    method = stripe_client.v1.payment_methods.retrieve(saved.payment_source_token).to_dict()
    method["card"].update({"exp_month": 9, "exp_year": 2031, "last4": "1881"})

    response = post(client, saved_gateway(saved), event("payment_method.updated", method))

    assert response.json()["outcome"] == "handled"
    saved.refresh_from_db()
    assert saved.payment_instrument["card_expiry_month"] == "09"
    assert saved.payment_instrument["card_expiry_year"] == "2031"
    assert saved.name == "XXXX-XXXX-XXXX-1881"


def test_detached_at_stripe_removes_the_card_from_the_wallet(client, saved, stripe_client):
    method = stripe_client.v1.payment_methods.detach(saved.payment_source_token)

    response = post(client, saved_gateway(saved), event("payment_method.detached", method))

    assert response.json()["outcome"] == "handled"
    assert not CustomerPaymentSource.objects.exists()
    assert AuditEntry.objects.filter(resource_id=saved.pk, event="destroy").exists()


def test_event_of_the_other_mode_is_ignored(client, placed, stripe_client):
    intent = stripe_client.v1.payment_intents.capture(authorization_of(placed).token)

    response = post(
        client, placed.payment_gateway, event("payment_intent.succeeded", intent, livemode=True)
    )

    assert response.json()["outcome"] == "ignored"
    placed.refresh_from_db()
    assert placed.payment_status == Order.PaymentStatus.AUTHORIZED


def test_unfollowed_event_types_are_acknowledged_and_stored(client, stripe_gateway):
    payload = event("customer.created", {"id": "cus_x", "object": "customer"})

    response = post(client, stripe_gateway, payload)

    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")
    assert GatewayEvent.objects.get().event_type == "customer.created"


def saved_gateway(source):
    return source.payment.payment_gateway


def test_gateway_without_a_webhook_secret_has_no_endpoint(client, stripe_gateway):
    type(stripe_gateway).objects.filter(pk=stripe_gateway.pk).update(webhook_secret="")

    response = post(client, stripe_gateway, event("customer.created", {"id": "cus_x"}))

    assert response.status_code == 404


def test_card_update_a_wallet_rule_refuses_is_acknowledged_and_changes_nothing(
    client, saved, stripe_client
):
    other = factories.CustomerPaymentSourceFactory(customer=saved.customer)
    method = stripe_client.v1.payment_methods.retrieve(saved.payment_source_token).to_dict()
    method["card"]["fingerprint"] = other.fingerprint  # now the same card as another source
    before = dict(saved.payment_instrument)

    response = post(client, saved_gateway(saved), event("payment_method.updated", method))

    assert (response.status_code, response.json()["outcome"]) == (200, "refused")
    saved.refresh_from_db()
    assert saved.payment_instrument == before
    assert GatewayEvent.objects.filter(event_type="payment_method.updated").exists()
