"""The wallet's domain refusals: what a service raises when a rule says no."""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from wallet.models import (
    Transaction,
)


class WalletError(Exception):
    """A domain rule refused the operation; nothing was changed.

    ``code`` is stable (``locked``, ``declined``, ``not_payable``, ``unavailable``), ``field``
    names the attribute at fault when there is one.
    """

    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        # A lazy translation (``gettext_lazy``) is rendered here, in the request's language.
        self.message = str(message)
        super().__init__(self.message)
        self.field = field


class RecordLocked(WalletError):
    """The record cannot be deleted: payment history depends on it."""

    code = "locked"


@dataclass(frozen=True)
class DeclinedAttempt:
    """What a refused gateway operation was tried with: kept after its transaction rolls back."""

    order_id: str
    payment_id: str
    mode: str
    amount_cents: int
    currency_code: str
    token: str
    message: str
    kind: str = Transaction.Kind.AUTHORIZATION


class PaymentDeclined(WalletError):
    """The gateway declined the payment; the order stays unpaid."""

    code = "declined"

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        attempt: DeclinedAttempt | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.attempt = attempt
        # What the gateway said, for clients: ``{"decline_code": "insufficient_funds"}``.
        self.meta = dict(meta or {})


class AuthenticationRequired(PaymentDeclined):
    """The card needs the customer's authentication (3-D Secure) before it is authorized.

    Nothing is charged yet: the order stays pending with its payment awaiting authentication,
    and placing it again once the customer has authenticated completes it. ``meta`` holds what
    a storefront needs to run the challenge (Stripe's ``client_secret``).
    """

    code = "authentication_required"


class OrderNotPayable(WalletError):
    """The order is no longer awaiting a payment."""

    code = "not_payable"


class PaymentStateConflict(WalletError):
    """The order's payment is not in a state that allows the operation (capture, void, refund)."""

    code = "invalid_state"


class GatewayDown(WalletError):
    """The gateway could not be reached; nothing was charged."""

    code = "unavailable"
