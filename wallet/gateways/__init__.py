"""Payment gateways: one interface; the built-in ``test`` gateway, ``external`` and ``stripe``."""

from typing import Any

from wallet.gateways.base import (
    Gateway,
    GatewayResult,
    GatewayUnavailable,
    InstrumentRefused,
    SavedInstrument,
)
from wallet.gateways.external import ExternalGateway
from wallet.gateways.stripe import StripeGateway
from wallet.gateways.test import TestGateway, make_test_token
from wallet.models import STRIPE_KEY_PREFIXES

__all__ = [
    "ExternalGateway",
    "Gateway",
    "GatewayNotUsable",
    "GatewayResult",
    "GatewayUnavailable",
    "InstrumentRefused",
    "SavedInstrument",
    "StripeGateway",
    "TestGateway",
    "gateway_for",
    "make_test_token",
]


class GatewayNotUsable(Exception):
    """The order has no gateway that may charge it: none, disabled, or a test one in live mode."""


def gateway_for(payment_gateway: Any) -> Gateway:
    """Return the implementation of a ``PaymentGateway`` row.

    There is no fallback: :class:`GatewayNotUsable` is raised without a gateway, for the test
    gateway outside test mode (it authorizes any token), for a Stripe gateway without a secret
    key of its mode (or a live one pointed at another API than Stripe's), and for an unknown
    kind.
    """
    if payment_gateway is None:
        raise GatewayNotUsable("The order has no payment gateway.")
    if payment_gateway.kind == "test":
        if payment_gateway.mode != "test":
            raise GatewayNotUsable("The test gateway cannot charge outside test mode.")
        return TestGateway()
    if payment_gateway.kind == "stripe":
        allowed = STRIPE_KEY_PREFIXES.get(payment_gateway.mode, {}).get("secret_key", ())
        if not payment_gateway.secret_key.startswith(allowed or ("\0",)):
            # No key, or a key of the other mode written around validation: never charge.
            raise GatewayNotUsable("The Stripe gateway has no secret key of its mode.")
        if payment_gateway.api_base and payment_gateway.mode != "test":
            raise GatewayNotUsable("A live Stripe gateway talks to Stripe only.")
        return StripeGateway(
            payment_gateway.secret_key,
            api_base=payment_gateway.api_base,
            publishable_key=payment_gateway.publishable_key,
        )
    if payment_gateway.kind != "external":
        raise GatewayNotUsable(f"Unknown gateway kind: {payment_gateway.kind}.")
    return ExternalGateway(
        urls={
            "authorize": payment_gateway.authorize_url,
            "capture": payment_gateway.capture_url,
            "void": payment_gateway.void_url,
            "refund": payment_gateway.refund_url,
            "token": payment_gateway.token_url,
        },
        shared_secret=payment_gateway.shared_secret,
    )
