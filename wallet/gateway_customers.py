"""What a gateway keeps for the wallet's customers: its customer, the saved instruments.

The services call these around their own writes (saving a card, deleting one, authorizing a
payment), under the customer's lock; they hold no audit or ownership rules. Gateways that keep
nothing (``test``, ``external``) make them no-ops; Stripe keeps one Customer per wallet
customer and gateway (:class:`~wallet.models.GatewayCustomer`) with the cards attached to it.
"""

from typing import Any

from wallet.gateways import (
    GatewayNotUsable,
    InstrumentRefused,
    SavedInstrument,
    gateway_for,
)
from wallet.models import Customer, CustomerPaymentSource, ExternalPayment, GatewayCustomer

__all__ = ["InstrumentRefused", "authorization_context", "forget_saved", "keep_for_customer"]


def keep_for_customer(payment: ExternalPayment, customer: Customer) -> SavedInstrument:
    """Have the payment's gateway keep its instrument for ``customer`` (Stripe: attach).

    The gateway's customer is made once per wallet customer and gateway and remembered; a
    ``customer_token`` a client put in the payment's options is never trusted for it. Without a
    usable gateway, or with one that keeps nothing, the payment's own tokens are returned.
    Raises :class:`InstrumentRefused` (a card check declined) and
    :class:`~wallet.gateways.GatewayUnavailable`. Call it under the customer's lock.
    """
    given = str((payment.options or {}).get("customer_token") or "")
    row = payment.payment_gateway
    try:
        gateway = gateway_for(row)
    except GatewayNotUsable:
        return SavedInstrument(given, payment.payment_source_token)
    if not gateway.keeps_customers:
        return SavedInstrument(given, payment.payment_source_token)
    known = (
        GatewayCustomer.objects.filter(customer=customer, payment_gateway=row)
        .values_list("token", flat=True)
        .first()
    )
    saved = gateway.save_for_customer(
        payment.payment_source_token,
        customer_token=known or "",
        customer_email=customer.email,
        customer_reference=customer.pk,
    )
    if saved.customer_token and not known:
        GatewayCustomer.objects.create(
            customer=customer, payment_gateway=row, mode=customer.mode, token=saved.customer_token
        )
    return saved


def _gateway_customer(source: CustomerPaymentSource) -> GatewayCustomer | None:
    """The gateway customer a saved source belongs to, when a gateway made it."""
    if not source.customer_token:
        return None
    return (
        GatewayCustomer.objects.select_related("payment_gateway")
        .filter(customer_id=source.customer_id, token=source.customer_token)
        .first()
    )


def forget_saved(source: CustomerPaymentSource, *, payment_source_token: str = "") -> None:
    """Have the gateway that keeps a saved source stop keeping it (Stripe: detach).

    ``payment_source_token`` forgets another token of the source (one it replaced). Sources
    no gateway keeps are left alone; an unreachable gateway raises
    :class:`~wallet.gateways.GatewayUnavailable`, so the caller's delete rolls back.
    """
    owner = _gateway_customer(source)
    if owner is None:
        return
    try:
        gateway = gateway_for(owner.payment_gateway)
    except GatewayNotUsable:
        return
    gateway.forget(payment_source_token or source.payment_source_token, customer_token=owner.token)


def authorization_context(payment: ExternalPayment, *, on_session: bool) -> dict[str, Any]:
    """The keyword arguments of :meth:`Gateway.authorize_payment` for ``payment``.

    The customer comes from the payment's saved source (``wallet``, which only the wallet
    sets), never from the client's ``options``. A card paid from the wallet
    (``_customer_payment_source_id``) is charged with its saved customer, on-session when the
    customer is there (the storefront), off-session otherwise (the API). A new card saved
    during this checkout (the source was made from this payment) is charged with the customer
    it was just attached to, on-session.
    """
    wallet = payment.wallet if payment.wallet_id else None
    same_card = wallet is not None and wallet.payment_source_token == payment.payment_source_token
    customer_token = wallet.customer_token if same_card else ""
    from_wallet = same_card and wallet.payment_source_id != payment.pk
    return {
        "customer_token": customer_token,
        "off_session": bool(customer_token and from_wallet and not on_session),
        "metadata": {"wallet_order_id": payment.order_id, "wallet_payment_id": payment.pk},
    }
