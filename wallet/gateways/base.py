"""The payment gateway interface every gateway implements."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered nonsense; nothing was charged."""


class InstrumentRefused(Exception):
    """The gateway refused to keep an instrument for a customer (a card check declined it).

    ``code`` is the gateway's reason (Stripe's decline code), ``meta`` what a client may see.
    """

    def __init__(self, message: str, *, code: str = "", meta: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.meta = dict(meta or {})


@dataclass(frozen=True)
class GatewayResult:
    """The outcome of one gateway operation.

    ``token`` is the gateway's opaque transaction reference, ``message`` a human-readable reason,
    ``code`` the gateway's machine reason of a failure (Stripe's decline code) and ``meta`` what
    a client may be shown about it (``{"decline_code": …}``). ``requires_authentication`` marks
    an authorization waiting for the customer's 3-D Secure challenge: ``token`` then names the
    challenge (Stripe's PaymentIntent) and ``meta`` holds what the browser needs to run it.
    """

    succeeded: bool
    token: str = ""
    message: str = ""
    code: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    requires_authentication: bool = False


@dataclass(frozen=True)
class SavedInstrument:
    """Where a gateway keeps an instrument saved for a customer: its two tokens."""

    customer_token: str
    payment_source_token: str


class Gateway(ABC):
    """A payment gateway: turns a browser SDK token into an instrument and moves money.

    ``keeps_customers`` says whether the gateway keeps customers and their saved instruments
    itself (Stripe); the wallet then calls :meth:`save_for_customer`, :meth:`forget` and
    passes the saved customer to :meth:`authorize_payment`.
    """

    keeps_customers: bool = False

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

    # --- optional: 3-D Secure -----------------------------------------------------------------

    def complete_authentication(
        self, challenge_token: str, amount_cents: int, currency_code: str, *, outcome: str = ""
    ) -> GatewayResult:
        """The authorization behind a 3-D Secure challenge, once the customer has answered it.

        ``outcome`` is what the shop's own challenge page reported (the test gateway's
        ``approved`` or ``failed``); a gateway that runs the challenge itself (Stripe) ignores
        it. A challenge still unanswered gives a result that ``requires_authentication`` again.
        By default a gateway never asks for authentication, so there is nothing to complete.
        """
        return GatewayResult(succeeded=False, message="No authentication is pending.")

    def authentication_details(self, challenge_token: str) -> dict[str, Any]:
        """What the browser needs to run a pending challenge (Stripe: the client secret)."""
        return {}

    # --- optional: gateways that keep customers and instruments (Stripe) override these ----

    def authorize_payment(
        self,
        payment_source_token: str,
        amount_cents: int,
        currency_code: str,
        *,
        customer_token: str = "",
        off_session: bool = False,
        metadata: Mapping[str, str] | None = None,
    ) -> GatewayResult:
        """Authorize with what the wallet knows of the payment; by default :meth:`authorize`.

        ``customer_token`` is the gateway's customer when the card came from the wallet,
        ``off_session`` whether the customer is absent (a saved card charged through the API),
        ``metadata`` the wallet's references (order and payment ids) for the gateway's records.
        """
        return self.authorize(payment_source_token, amount_cents, currency_code)

    def save_for_customer(
        self,
        payment_source_token: str,
        *,
        customer_token: str = "",
        customer_email: str = "",
        customer_reference: str = "",
    ) -> SavedInstrument:
        """Keep the instrument for a customer, creating the gateway's customer when none is given.

        By default the gateway keeps nothing and the tokens are returned unchanged. Raises
        :class:`InstrumentRefused` when the gateway refuses the instrument and
        :class:`GatewayUnavailable` when it cannot be reached.
        """
        return SavedInstrument(customer_token, payment_source_token)

    def customer_for(self, email: str, reference: str) -> str:
        """The gateway's customer for a wallet customer, made when needed; by default none."""
        return ""

    def forget(self, payment_source_token: str, *, customer_token: str = "") -> None:
        """Stop keeping a saved instrument for its customer (Stripe: detach); by default nothing."""
        return None
