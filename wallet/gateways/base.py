"""The payment gateway interface every gateway implements."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered nonsense; nothing was charged."""


@dataclass(frozen=True)
class GatewayResult:
    """The outcome of one gateway operation.

    ``token`` is the gateway's opaque transaction reference, ``message`` a human-readable reason.
    """

    succeeded: bool
    token: str = ""
    message: str = ""


class Gateway(ABC):
    """A payment gateway: turns a browser SDK token into an instrument and moves money."""

    @abstractmethod
    def tokenize(self, payment_source_token: str, options: dict[str, Any]) -> dict[str, Any]:
        """Describe the instrument behind a token as a ``payment_instrument`` object.

        Keys: ``issuer_type``, ``card_type``, ``card_last_digits``, ``card_expiry_month``,
        ``card_expiry_year``, ``card_holder_name``, ``fingerprint``; unknown ones are left out.
        """

    @abstractmethod
    def authorize(
        self, payment_source_token: str, amount_cents: int, currency_code: str
    ) -> GatewayResult:
        """Authorize an amount on the instrument behind the token."""

    @abstractmethod
    def capture(self, authorization_token: str, amount_cents: int) -> GatewayResult:
        """Capture a previous authorization."""

    @abstractmethod
    def void(self, authorization_token: str) -> GatewayResult:
        """Cancel a previous authorization."""

    @abstractmethod
    def refund(self, capture_token: str, amount_cents: int) -> GatewayResult:
        """Refund a previous capture."""
