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
from wallet.models import (
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    GatewayCustomer,
    PaymentGateway,
)

__all__ = [
    "InstrumentRefused",
    "authorization_context",
    "customer_token_for",
    "forget_saved",
    "keep_for_customer",
    "keep_token_for_customer",
]


def keep_for_customer(payment: ExternalPayment, customer: Customer) -> SavedInstrument:
    """Have the payment's gateway keep its instrument for ``customer`` (Stripe: attach).

    The gateway's customer is made once per wallet customer and gateway and remembered; a
    ``customer_token`` a client put in the payment's options is never trusted for it. Without a
    usable gateway, or with one that keeps nothing, the payment's own tokens are returned.
    Raises :class:`InstrumentRefused` (a card check declined) and
    :class:`~wallet.gateways.GatewayUnavailable`. Call it under the customer's lock.
    """
    given = str((payment.options or {}).get("customer_token") or "")
    return keep_token_for_customer(
        payment.payment_gateway, payment.payment_source_token, customer, given_customer_token=given
    )


def keep_token_for_customer(
    row: PaymentGateway | None,
    payment_source_token: str,
    customer: Customer,
    *,
    given_customer_token: str = "",
) -> SavedInstrument:
    """Have gateway ``row`` keep the instrument behind a token for ``customer`` (Stripe: attach).

    As :func:`keep_for_customer`, for a token saved without a payment ("Add card").
    """
    try:
        gateway = gateway_for(row)
    except GatewayNotUsable:
        return SavedInstrument(given_customer_token, payment_source_token)
    if row is None or not gateway.keeps_customers:  # (no row: gateway_for refused it above)
        return SavedInstrument(given_customer_token, payment_source_token)
    known = _known_customer(row, customer)
    saved = gateway.save_for_customer(
        payment_source_token,
        customer_token=known or "",
        customer_email=customer.email,
        customer_reference=customer.pk,
    )
    if saved.customer_token and not known:
        GatewayCustomer.objects.create(
            customer=customer, payment_gateway=row, mode=customer.mode, token=saved.customer_token
        )
    return saved


def customer_token_for(row: PaymentGateway, customer: Customer) -> str:
    """The gateway's customer of ``customer`` (Stripe: ``cus_…``), made and remembered once.

    ``""`` for a gateway that keeps no customers. Raises
    :class:`~wallet.gateways.GatewayUnavailable`. Call it under the customer's lock.
    """
    try:
        gateway = gateway_for(row)
    except GatewayNotUsable:
        return ""
    if not gateway.keeps_customers:
        return ""
    known = _known_customer(row, customer)
    if known:
        return known
    token = gateway.customer_for(customer.email, customer.pk)
    GatewayCustomer.objects.create(
        customer=customer, payment_gateway=row, mode=customer.mode, token=token
    )
    return token


def _known_customer(row: PaymentGateway | None, customer: Customer) -> str:
    return (
        GatewayCustomer.objects.filter(customer=customer, payment_gateway=row)
        .values_list("token", flat=True)
        .first()
        or ""
    )


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

    The customer comes from the payment's saved source (``saved_source``, which only the
    wallet sets), never from the client's ``options``. A card paid from the wallet
    (``_customer_payment_source_id``) is charged with its saved customer, on-session when the
    customer is there (the storefront), off-session otherwise (the API). A new card saved
    during this checkout (the source was made from this payment) is charged with the customer
    it was just attached to, on-session.
    """
    saved = payment.saved_source if payment.saved_source_id else None
    customer_token, from_wallet = "", False
    if saved is not None and saved.payment_source_token == payment.payment_source_token:
        customer_token = saved.customer_token
        from_wallet = saved.payment_id != payment.pk
    return {
        "customer_token": customer_token,
        "off_session": bool(customer_token and from_wallet and not on_session),
        "metadata": {"wallet_order_id": payment.order_id, "wallet_payment_id": payment.pk},
    }
