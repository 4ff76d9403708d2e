"""Orders and payment methods: create, update, delete; who may change what is charged."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallet.audit import PAYMENT_METHOD_FIELDS, SYSTEM, Actor, field_value
from wallet.conf import wallet_settings
from wallet.models import (
    Customer,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
)
from wallet.roles import CUSTOMER
from wallet.services.records import create_record, delete_record, update_record
from wallet.validators import is_card_number


def _next_order_number(mode: str) -> str:
    while True:
        number = f"{timezone.now():%y%m%d}-{secrets.randbelow(10**6):06d}"
        if not is_card_number(number):  # 12 digits: one in ten would pass the Luhn check
            return number


def default_gateway(mode: str) -> PaymentGateway | None:
    """The first enabled gateway of ``mode``: orders without one pay through it."""
    return (
        PaymentGateway.objects.filter(mode=mode, disabled_at__isnull=True).order_by("name").first()
    )


def create_order(
    *,
    mode: str,
    currency_code: str | None = None,
    total_amount_cents: int | None = None,
    customer: Customer | None = None,
    customer_email: str = "",
    payment_method: PaymentMethod | None = None,
    payment_gateway: PaymentGateway | None = None,
    number: str | None = None,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> Order:
    """Create a draft order awaiting payment.

    The currency defaults to ``WALLET["DEFAULT_CURRENCY"]`` and the total to 0 (the shop sets it
    before payment). The gateway follows the payment method; without either it is the mode's
    default. A customer's order carries the customer's email. A customer acting for themselves
    always creates their own order, and sets neither its total nor its gateway: what is
    charged is the shop's to set.
    """
    if actor.owner_type == CUSTOMER:
        # A customer's order is their own, whoever the request named.
        customer = Customer.objects.get(pk=actor.owner_id)
        if total_amount_cents:
            raise _readonly_for_customer("total_amount_cents")
        if payment_gateway is not None:
            raise _readonly_for_customer("payment_gateway")
    order = Order(
        mode=mode,
        number=number or _next_order_number(mode),
        currency_code=(currency_code or wallet_settings.DEFAULT_CURRENCY).upper(),
        total_amount_cents=total_amount_cents if total_amount_cents is not None else 0,
        customer=customer,
        customer_email=(customer.email if customer else (customer_email or "").strip().lower()),
        payment_method=payment_method,
        payment_gateway=(
            payment_method.payment_gateway
            if payment_method is not None
            else payment_gateway or default_gateway(mode)
        ),
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    if payment_method is not None:
        _check_payment_method(order, payment_method)
    return create_record(order, actor=actor)


def _check_payment_method(
    order: Order, method: PaymentMethod, currency_code: str | None = None
) -> None:
    """Refuse a disabled method, or one for another currency than the order's."""
    currency_code = (currency_code or order.currency_code).upper()
    if method.disabled_at:
        raise ValidationError(
            {"payment_method": ValidationError(_("is disabled"), code="disabled")}
        )
    if method.currency_code and method.currency_code != currency_code:
        raise ValidationError(
            {
                "payment_method": ValidationError(
                    _("is for %(currency)s orders only"),
                    code="invalid",
                    params={"currency": method.currency_code},
                )
            }
        )


def _order_payment_source(order: Order, payment: ExternalPayment | None) -> None:
    """Refuse a ``payment_source`` that is not one of the order's own payments."""
    if payment is not None and payment.order_id != order.pk:
        raise ValidationError(
            {
                "payment_source": ValidationError(
                    _("must be a payment of this order"), code="invalid"
                )
            }
        )


# What is charged and who charges it: the shop's (an integration's) to set, never the customer's.
CUSTOMER_READONLY_ORDER_FIELDS = (
    "payment_gateway",
    "currency_code",
    "total_amount_cents",
    "status",
    "payment_status",
)


def _readonly_for_customer(field: str) -> ValidationError:
    return ValidationError(
        {field: ValidationError(_("can't be changed by the customer"), code="readonly")}
    )


def _refuse_customer_handover(changes: dict[str, Any], actor: Actor) -> None:
    """A customer's order stays theirs: they hand it to nobody (and to nobody else)."""
    if "customer" not in changes:
        return
    new = changes["customer"]
    if getattr(new, "pk", new) != actor.owner_id:
        raise ValidationError({"customer": ValidationError(_("cannot be changed"), code="invalid")})


def _refuse_customer_repricing(order: Order, changes: dict[str, Any]) -> None:
    """Refuse a customer's change of the amount, currency, gateway or status of their order."""
    for field in CUSTOMER_READONLY_ORDER_FIELDS:
        if field not in changes:
            continue
        new = changes[field]
        if field == "currency_code" and isinstance(new, str):
            new = new.upper()
        if isinstance(new, models.Model):
            new = new.pk
        if new != field_value(order, field):
            raise _readonly_for_customer(field)


def update_order(order: Order, changes: dict[str, Any], *, actor: Actor = SYSTEM) -> Order:
    """Update an order's editable fields.

    A customer acting for themselves changes neither what is charged nor who charges it
    (:data:`CUSTOMER_READONLY_ORDER_FIELDS`).
    """
    changes = dict(changes)
    if actor.owner_type == CUSTOMER:
        _refuse_customer_handover(changes, actor)
        _refuse_customer_repricing(order, changes)
    if "payment_source" in changes:
        _order_payment_source(order, changes["payment_source"])
    method = changes.get("payment_method")
    if method is not None:
        _check_payment_method(order, method, changes.get("currency_code"))
        # The gateway follows the method: choosing one of the shop's methods is the customer's.
        changes["payment_gateway"] = method.payment_gateway
    if "customer_email" in changes:
        changes["customer_email"] = (changes["customer_email"] or "").strip().lower()
    if changes.get("currency_code"):
        changes["currency_code"] = changes["currency_code"].upper()
    return update_record(order, changes, actor=actor)


def create_payment_method(
    *, mode: str, values: dict[str, Any], actor: Actor = SYSTEM
) -> PaymentMethod:
    """Offer a gateway as a way to pay (``values``: any of :data:`PAYMENT_METHOD_FIELDS`)."""
    unknown = set(values) - set(PAYMENT_METHOD_FIELDS)
    if unknown:
        raise ValueError(f"Not a payment method field: {', '.join(sorted(unknown))}")
    values = dict(values)
    if values.get("currency_code"):
        values["currency_code"] = values["currency_code"].upper()
    method = PaymentMethod(mode=mode, **values)
    return create_record(method, actor=actor)


def update_payment_method(
    method: PaymentMethod, changes: dict[str, Any], *, actor: Actor = SYSTEM
) -> PaymentMethod:
    """Change a payment method; orders already using it keep the gateway they have."""
    changes = dict(changes)
    if changes.get("currency_code"):
        changes["currency_code"] = changes["currency_code"].upper()
    return update_record(method, changes, actor=actor)


def delete_payment_method(method: PaymentMethod, *, actor: Actor = SYSTEM) -> None:
    """Delete a payment method no order uses (``locked`` otherwise: disable it instead)."""
    delete_record(method, actor=actor)


def delete_order(order: Order, *, actor: Actor = SYSTEM) -> None:
    """Delete an order that has no payments."""
    delete_record(order, actor=actor)
