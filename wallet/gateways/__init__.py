"""Payment gateways: one interface, the built-in ``test`` gateway and the ``external`` one."""

from wallet.gateways.base import Gateway, GatewayResult, GatewayUnavailable
from wallet.gateways.external import ExternalGateway
from wallet.gateways.test import TestGateway, make_test_token

__all__ = [
    "ExternalGateway",
    "Gateway",
    "GatewayResult",
    "GatewayUnavailable",
    "TestGateway",
    "gateway_for",
    "make_test_token",
]


def gateway_for(payment_gateway: object | None) -> Gateway:
    """Return the gateway implementation for a ``PaymentGateway`` row (the test one if none)."""
    if payment_gateway is None or payment_gateway.kind == "test":
        return TestGateway()
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
