"""Payment gateways: one interface, the built-in ``test`` gateway and the ``external`` one."""

from typing import Any

from wallet.gateways.base import Gateway, GatewayResult, GatewayUnavailable
from wallet.gateways.external import ExternalGateway
from wallet.gateways.test import TestGateway, make_test_token

__all__ = [
    "ExternalGateway",
    "Gateway",
    "GatewayNotUsable",
    "GatewayResult",
    "GatewayUnavailable",
    "TestGateway",
    "gateway_for",
    "make_test_token",
]


class GatewayNotUsable(Exception):
    """The order has no gateway that may charge it: none, disabled, or a test one in live mode."""


def gateway_for(payment_gateway: Any) -> Gateway:
    """Return the implementation of a ``PaymentGateway`` row.

    There is no fallback: without a gateway, or with the test gateway outside test mode (it
    authorizes any token), :class:`GatewayNotUsable` is raised.
    """
    if payment_gateway is None:
        raise GatewayNotUsable("The order has no payment gateway.")
    if payment_gateway.kind == "test":
        if payment_gateway.mode != "test":
            raise GatewayNotUsable("The test gateway cannot charge outside test mode.")
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
