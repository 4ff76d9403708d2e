"""Issue 11, item 7 end to end: localstripe itself signs and delivers an event to the wallet.

Proves the wallet verifies signatures as a Stripe-compatible signer makes them, over HTTP.
"""

import json
import time
import urllib.request

import pytest
from django.urls import reverse

from tests import factories
from tests.support.stripe import WEBHOOK_SECRET
from wallet import services
from wallet.models import GatewayEvent, Order, Transaction

pytestmark = pytest.mark.django_db(transaction=True)


def configure_webhook(localstripe_url, hook_id, url, events):
    body = json.dumps({"url": url, "secret": WEBHOOK_SECRET, "events": events}).encode()
    request = urllib.request.Request(
        f"{localstripe_url}/_config/webhooks/{hook_id}",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_localstripe_delivers_a_capture_the_wallet_verifies_and_applies(
    live_server, localstripe_url, stripe_gateway, make_card, stripe_client
):
    order = factories.OrderFactory(payment_gateway=stripe_gateway)
    services.create_external_payment(order=order, payment_source_token=make_card().id)
    authorization = services.place_order(order)
    hook_id = f"wallet-{stripe_gateway.pk}"
    endpoint = live_server.url + reverse("wallet:stripe-webhook", args=[stripe_gateway.pk])
    configure_webhook(localstripe_url, hook_id, endpoint, ["payment_intent.succeeded"])
    try:
        stripe_client.v1.payment_intents.capture(authorization.token)  # as in the dashboard
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            order.refresh_from_db()
            if order.payment_status == Order.PaymentStatus.PAID:
                break
            time.sleep(0.2)
    finally:  # localstripe cannot forget a webhook: make it listen to nothing
        configure_webhook(localstripe_url, hook_id, endpoint, ["wallet.none"])

    assert order.payment_status == Order.PaymentStatus.PAID
    # localstripe may deliver more than once; whatever it sends, the capture is recorded once.
    delivered = GatewayEvent.objects.filter(payment_gateway=stripe_gateway)
    assert set(delivered.values_list("event_type", flat=True)) == {"payment_intent.succeeded"}
    capture = Transaction.objects.get(payment__order=order, kind="capture")
    assert capture.token == authorization.token
