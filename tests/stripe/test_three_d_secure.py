"""Issue 11, item 5: a card that needs 3-D Secure, against localstripe.

The order stays pending with its payment awaiting authentication (an ``authentication``
transaction naming the PaymentIntent); the API answers 422 ``authentication_required`` with the
client secret; once the customer has authenticated (as Stripe.js does, through localstripe's
``_authenticate``), ``_place`` again — or Stripe's webhook — completes the order.
"""

import pytest
import stripe

from tests import factories
from tests.support.api import patch_order
from tests.support.stripe import (
    NEEDS_3DS,
    authenticate,
    authorization_of,
    create_payment,
    event,
    post,
)
from wallet.gateways import StripeGateway
from wallet.models import Order, Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(stripe_gateway):
    return factories.OrderFactory(
        payment_gateway=stripe_gateway, currency_code="EUR", total_amount_cents=4990
    )


def challenged(api_client, order, card):
    """Pay with a card that needs 3-D Secure: the 422 error's ``meta``."""
    create_payment(api_client, order, card.id)
    response = patch_order(api_client, order, _place=True)
    assert response.status_code == 422, response.content
    error = response.doc["errors"][0]
    assert error["source"]["pointer"] == "/data/attributes/_place"
    return error["meta"]


def test_a_card_needing_3d_secure_leaves_the_order_pending_with_the_client_secret(
    api_client, order, make_card, stripe_client
):
    card = make_card(NEEDS_3DS)

    meta = challenged(api_client, order, card)

    assert meta["error"] == "authentication_required"
    intent = stripe_client.v1.payment_intents.retrieve(meta["payment_intent"])
    assert intent.status == "requires_action"
    assert meta["client_secret"] == intent.client_secret
    assert (intent.amount, intent.currency, intent.payment_method) == (4990, "eur", card.id)
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.placed_at) == ("draft", "unpaid", None)
    (challenge,) = Transaction.objects.filter(payment__order=order)
    assert (challenge.kind, challenge.succeeded, challenge.token) == (
        "authentication",
        False,
        intent.id,
    )
    # The payment, and the challenge it awaits, stay: the order is payable and pending.
    assert order.is_payable
    assert order.payment_source.payment_source_token == card.id


def test_placing_again_before_authenticating_asks_again_for_the_same_intent(
    api_client, order, make_card
):
    meta = challenged(api_client, order, make_card(NEEDS_3DS))

    again = patch_order(api_client, order, _place=True)

    assert again.status_code == 422
    assert again.doc["errors"][0]["meta"]["payment_intent"] == meta["payment_intent"]
    assert Transaction.objects.filter(payment__order=order).count() == 1
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_placing_after_authentication_completes_the_order_then_capture_and_refund(
    api_client, order, make_card, stripe_client, localstripe_url
):
    card = make_card(NEEDS_3DS)
    meta = challenged(api_client, order, card)
    authenticate(localstripe_url, meta["payment_intent"], meta["client_secret"], success=True)

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 200, response.content
    assert response.doc["data"]["attributes"]["payment_status"] == "authorized"
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "authorized")
    assert authorization_of(order).token == meta["payment_intent"]
    intent = stripe_client.v1.payment_intents.retrieve(meta["payment_intent"])
    assert (intent.status, intent.payment_method) == ("requires_capture", card.id)

    assert patch_order(api_client, order, _capture=True).status_code == 200
    assert stripe_client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    assert patch_order(api_client, order, _refund=True).status_code == 200
    order.refresh_from_db()
    assert order.payment_status == "refunded"


def test_a_failed_authentication_is_a_decline_and_a_new_attempt_asks_again(
    api_client, order, make_card, stripe_client, localstripe_url
):
    meta = challenged(api_client, order, make_card(NEEDS_3DS))
    authenticate(localstripe_url, meta["payment_intent"], meta["client_secret"], success=False)

    declined = patch_order(api_client, order, _place=True)

    assert declined.status_code == 422
    error = declined.doc["errors"][0]
    assert error["meta"]["error"] == "declined"
    assert error["meta"]["decline_code"] == "payment_intent_authentication_failure"
    order.refresh_from_db()
    assert order.payment_status == "unpaid"
    latest = Transaction.objects.filter(payment__order=order).order_by("-created_at").first()
    assert (latest.kind, latest.succeeded) == ("authorization", False)
    # Trying again starts a new PaymentIntent, which asks for authentication again.
    retry = patch_order(api_client, order, _place=True)
    assert retry.status_code == 422
    assert retry.doc["errors"][0]["meta"]["error"] == "authentication_required"
    assert retry.doc["errors"][0]["meta"]["payment_intent"] != meta["payment_intent"]


def test_stripe_webhook_completes_an_authenticated_order(
    api_client, client, order, make_card, stripe_client, localstripe_url, stripe_gateway
):
    meta = challenged(api_client, order, make_card(NEEDS_3DS))
    authenticate(localstripe_url, meta["payment_intent"], meta["client_secret"], success=True)
    intent = stripe_client.v1.payment_intents.retrieve(meta["payment_intent"])

    response = post(
        client, stripe_gateway, event("payment_intent.amount_capturable_updated", intent)
    )

    assert response.status_code == 200
    assert response.json()["outcome"] == "handled"
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "authorized")
    assert authorization_of(order).token == intent.id
    # The same news again (another event id) finds nothing awaiting: nothing twice.
    again = post(client, stripe_gateway, event("payment_intent.amount_capturable_updated", intent))
    assert again.json()["outcome"] == "ignored"
    assert Transaction.objects.filter(payment__order=order, kind="authorization").count() == 1
    # And the storefront coming back afterwards finds the order placed.
    assert patch_order(api_client, order, _place=True).status_code == 422


def test_webhook_for_an_intent_still_awaiting_the_customer_changes_nothing(
    api_client, client, order, make_card, stripe_client, stripe_gateway
):
    meta = challenged(api_client, order, make_card(NEEDS_3DS))
    intent = stripe_client.v1.payment_intents.retrieve(meta["payment_intent"])

    response = post(
        client, stripe_gateway, event("payment_intent.amount_capturable_updated", intent)
    )

    assert response.json()["outcome"] == "refused"
    assert Order.objects.get(pk=order.pk).payment_status == "unpaid"
    assert Transaction.objects.filter(payment__order=order).count() == 1


def test_off_session_authentication_required_gives_the_client_secret_for_an_on_session_retry(
    monkeypatch,
):
    """Real Stripe refuses an off-session payment that needs 3-D Secure with a CardError naming
    the PaymentIntent (localstripe answers ``requires_action`` instead): the wallet answers
    with the same challenge, so the storefront can confirm it on-session."""
    body = {
        "error": {
            "type": "card_error",
            "code": "authentication_required",
            "decline_code": "authentication_required",
            "message": "This payment requires authentication.",
            "payment_intent": {
                "id": "pi_offsession",
                "object": "payment_intent",
                "client_secret": "pi_offsession_secret_abc",
                "status": "requires_payment_method",
            },
        }
    }
    error = stripe.CardError(
        "This payment requires authentication.",
        None,
        "authentication_required",
        http_body="",
        http_status=402,
        json_body=body,
    )
    gateway = StripeGateway("sk_test_x", api_base="http://127.0.0.1:9")

    def refuse(**_kwargs):
        raise error

    monkeypatch.setattr(gateway.client.v1.payment_intents, "create", refuse)

    result = gateway.authorize_payment(
        "pm_saved", 1000, "EUR", customer_token="cus_x", off_session=True
    )

    assert result.requires_authentication and not result.succeeded
    assert result.token == "pi_offsession"
    assert result.meta == {
        "client_secret": "pi_offsession_secret_abc",
        "payment_intent": "pi_offsession",
    }


def test_an_order_whose_amount_changed_during_the_challenge_is_not_placed_with_it(
    api_client, order, make_card, localstripe_url, stripe_client
):
    meta = challenged(api_client, order, make_card(NEEDS_3DS))
    authenticate(localstripe_url, meta["payment_intent"], meta["client_secret"], success=True)
    Order.objects.filter(pk=order.pk).update(total_amount_cents=9990)

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 422
    assert response.doc["errors"][0]["meta"]["error"] == "declined"
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    assert not Transaction.objects.filter(payment__order=order, succeeded=True).exists()
    # The hold Stripe put on the card for the old amount is released.
    assert stripe_client.v1.payment_intents.retrieve(meta["payment_intent"]).status == "canceled"
