"""Helpers of the Stripe tests (run against localstripe): keys, test cards, API calls that pay
an order, signed webhook events, and answering a 3-D Secure challenge."""

import hashlib
import hmac
import json
import time
from itertools import count
from typing import Any

import requests
from django.test import Client
from django.urls import reverse

from wallet.models import Order, PaymentGateway, Transaction

SECRET_KEY = "sk_test_wallet_localstripe"
PUBLISHABLE_KEY = "pk_test_wallet_localstripe"
WEBHOOK_SECRET = "whsec_wallet_localstripe"

VISA = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"  # attaches, then every charge is declined
DECLINED_AT_ATTACH = "4000000000000002"  # declined by the card check when attached
NEEDS_3DS = "4000002760003184"

EVENT_IDS = count(1)


def create_payment(api_client: Any, order: Order, token: str, **attributes: Any) -> Any:
    """POST an external payment with ``token`` on ``order``; the response."""
    body = {
        "data": {
            "type": "external_payments",
            "attributes": {"payment_source_token": token, **attributes},
            "relationships": {"order": {"data": {"type": "orders", "id": order.pk}}},
        }
    }
    return api_client.post("/api/external_payments", body)


def authorization_of(order: Order) -> Transaction:
    """The order's successful authorization."""
    return Transaction.objects.get(
        payment__order=order, kind=Transaction.Kind.AUTHORIZATION, succeeded=True
    )


def sign(body: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``body``, as Stripe signs: ``t=…,v1=HMAC-SHA256``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def event(
    event_type: str, obj: Any, *, event_id: str | None = None, livemode: bool = False
) -> dict[str, Any]:
    """A Stripe event of ``event_type`` about ``obj`` (a Stripe object or a dict)."""
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    return {
        "id": event_id or f"evt_wallet_{next(EVENT_IDS)}_{time.time_ns()}",
        "object": "event",
        "type": event_type,
        "livemode": livemode,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def post(
    client: Client,
    gateway: PaymentGateway,
    payload: dict[str, Any],
    *,
    signature: str | None = None,
    **sign_options: Any,
) -> Any:
    """POST ``payload`` to the gateway's webhook, signed unless ``signature`` is given."""
    body = json.dumps(payload)
    return client.post(
        reverse("wallet:stripe-webhook", args=[gateway.pk]),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else sign(body, **sign_options),
    )


def authenticate(
    localstripe_url: str, intent_id: str, client_secret: str, *, success: bool
) -> None:
    """Answer the challenge as localstripe's Stripe.js does (publishable key only)."""
    response = requests.post(
        f"{localstripe_url}/v1/payment_intents/{intent_id}/_authenticate",
        params={"success": "true" if success else "false"},
        data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": client_secret}),
        timeout=5,
    )
    assert response.status_code == 200, response.text
