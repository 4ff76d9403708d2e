"""External payments: create, describe through the gateway, update, delete."""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from wallet.audit import SYSTEM, Actor
from wallet.exceptions import GatewayDown
from wallet.gateways import (
    GatewayNotUsable,
    GatewayUnavailable,
    gateway_for,
)
from wallet.models import (
    CustomerPaymentSource,
    ExternalPayment,
    Order,
)
from wallet.services.records import create_record, delete_record, update_record, validate_record
from wallet.validators import is_card_number

logger = logging.getLogger("wallet.services")


def create_external_payment(
    *,
    order: Order,
    payment_source_token: str,
    options: dict[str, Any] | None = None,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    saved_source: CustomerPaymentSource | None = None,
    actor: Actor = SYSTEM,
) -> ExternalPayment:
    """Create an external payment on ``order``; the order's gateway describes the instrument."""
    payment = ExternalPayment(
        mode=order.mode,
        order=order,
        payment_gateway=order.payment_gateway,
        saved_source=saved_source,
        payment_source_token=payment_source_token,
        options=options if options is not None else {},
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    validate_record(payment)
    payment.payment_instrument = _describe(payment) or (
        dict(saved_source.payment_instrument or {}) if saved_source is not None else {}
    )
    with transaction.atomic():
        create_record(payment, actor=actor, validated=True)
        # The newest payment is the order's current one (Commerce Layer's ``payment_source``).
        Order.objects.filter(pk=order.pk).update(payment_source=payment)
        order.payment_source = payment
    return payment


INSTRUMENT_KEYS = (
    "issuer_type",
    "card_type",
    "card_last_digits",
    "card_expiry_month",
    "card_expiry_year",
    "card_holder_name",
    "fingerprint",
)


def _describe(payment: ExternalPayment) -> dict[str, Any]:
    """The gateway's description of the payment's instrument, keeping only the documented keys.

    A value the gateway should never have sent (a card number) is dropped, not stored.
    """
    try:
        described = gateway_for(payment.payment_gateway).tokenize(
            payment.payment_source_token, payment.options
        )
    except GatewayNotUsable:
        return {}  # nothing describes the token; placing the order will refuse the gateway
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc
    instrument = {}
    for key in INSTRUMENT_KEYS:
        value = described.get(key)
        if value is None or isinstance(value, dict | list):
            continue
        text = str(value)[:255]
        if key != "fingerprint" and is_card_number(text):  # a fingerprint is a hash
            logger.warning("The gateway described an instrument with a card number in %s", key)
            continue
        instrument[key] = text
    return instrument


def update_external_payment(
    payment: ExternalPayment, changes: dict[str, Any], *, actor: Actor = SYSTEM
) -> ExternalPayment:
    """Update a payment; its token is immutable, and a new order brings the order's gateway."""
    if "payment_source_token" in changes and (
        changes["payment_source_token"] != payment.payment_source_token
    ):
        raise ValidationError(
            {
                "payment_source_token": ValidationError(
                    _("cannot be changed after creation"), code="immutable"
                )
            }
        )
    changes = {k: v for k, v in changes.items() if k != "payment_source_token"}
    if "order" in changes and changes["order"] is not None:
        changes["payment_gateway"] = changes["order"].payment_gateway
    return update_record(payment, changes, actor=actor)


def delete_external_payment(payment: ExternalPayment, *, actor: Actor = SYSTEM) -> None:
    """Delete a payment that has no gateway transactions."""
    delete_record(payment, actor=actor)
