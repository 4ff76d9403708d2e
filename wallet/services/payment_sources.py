"""Saved payment sources: create, update, default, delete, save a payment to the wallet."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallet import gateway_customers
from wallet.audit import SYSTEM, Actor, record_event
from wallet.exceptions import GatewayDown, PaymentDeclined
from wallet.gateways import (
    GatewayUnavailable,
    InstrumentRefused,
    SavedInstrument,
)
from wallet.instruments import is_expired
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
)
from wallet.roles import CUSTOMER
from wallet.services.records import create_record, delete_record, lock_customer, update_record


def create_payment_source(
    *,
    customer: Customer,
    payment_source_token: str,
    customer_token: str = "",
    payment: ExternalPayment | None = None,
    is_default: bool = False,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> CustomerPaymentSource:
    """Save a payment source in a customer's wallet; the first one becomes the default.

    A customer acting for themselves (``actor.owner_type == "customer"``) saves only a card they
    paid with: ``payment`` is required and must be a payment on one of their orders.
    Made from a payment (Commerce Layer's call: ``customer`` and ``payment_source``, no
    attributes), a token not given is the payment's; without a payment it is required.
    """
    if actor.owner_type == CUSTOMER:
        _require_own_payment(customer, payment, actor)
    if payment is not None and not payment_source_token:
        payment_source_token = payment.payment_source_token
    source = CustomerPaymentSource(
        mode=customer.mode,
        customer=customer,
        payment=payment,
        customer_token=customer_token,
        payment_source_token=payment_source_token,
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    if payment is not None:
        source.payment_instrument = dict(payment.payment_instrument or {})
        source.fingerprint = str(source.payment_instrument.get("fingerprint") or "")[:64]
    with transaction.atomic():
        lock_customer(customer.pk)
        _refuse_saved_twice(source)
        if payment is not None:
            # Stripe: the card is attached to the customer's Stripe Customer (made once).
            kept = _keep_in_gateway(payment, customer)
            source.customer_token = kept.customer_token or source.customer_token
        has_default = CustomerPaymentSource.objects.filter(
            customer=customer, mode=customer.mode, is_default=True
        ).exists()
        source.is_default = not has_default
        create_record(source, actor=actor)
        if is_default and has_default:
            # Moves the default through the audited path, so the old default's change is logged.
            set_default_payment_source(source, actor=actor)
        return source


def _refuse_saved_twice(source: CustomerPaymentSource) -> None:
    """Refuse a second source for a card (same fingerprint) or token already in the wallet.

    Called under the customer's lock, so concurrent saves of one card leave one source.
    """
    saved = CustomerPaymentSource.objects.filter(
        customer_id=source.customer_id, mode=source.mode
    ).exclude(pk=source.pk)
    if source.fingerprint and saved.filter(fingerprint=source.fingerprint).exists():
        raise ValidationError(
            {
                "payment": ValidationError(
                    _("this card is already saved in the wallet"), code="taken"
                )
            }
        )
    token = source.payment_source_token
    if token and saved.filter(payment_source_token=token).exists():
        raise ValidationError(
            {
                "payment_source_token": ValidationError(
                    _("this token is already saved in the wallet"), code="taken"
                )
            }
        )


def paid_by(actor: Actor, payment: ExternalPayment) -> bool:
    """Whether ``payment`` was made on an order of the customer ``actor`` acts for.

    The only payments whose card a customer may save in their wallet (the API's object rule
    and :func:`create_payment_source` both ask this).
    """
    return actor.owner_id is not None and payment.order.customer_id == actor.owner_id


def _require_own_payment(customer: Customer, payment: ExternalPayment | None, actor: Actor) -> None:
    if customer.pk != actor.owner_id:
        raise ValidationError({"customer": ValidationError(_("must be yourself"), code="invalid")})
    if payment is None:
        raise ValidationError({"payment": ValidationError(_("can't be blank"), code="blank")})
    if not paid_by(actor, payment) or payment.mode != customer.mode:
        raise ValidationError(
            {
                "payment": ValidationError(
                    _("must be a payment on one of your orders"), code="invalid"
                )
            }
        )


def update_payment_source(
    source: CustomerPaymentSource, changes: dict[str, Any], *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Update a saved source; ``is_default=True`` moves the default to it atomically.

    Its customer never changes: the card is saved again for the other customer instead.
    """
    changes = dict(changes)
    new_customer = changes.pop("customer", source.customer)
    if getattr(new_customer, "pk", new_customer) != source.customer_id:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("customer can't be changed; save the card again for the other customer"),
                    code="readonly",
                )
            }
        )
    make_default = changes.pop("is_default", None)
    if "payment" in changes:
        new_payment = changes["payment"]
        instrument = dict(new_payment.payment_instrument or {}) if new_payment else {}
        changes["payment_instrument"] = instrument
    with transaction.atomic():
        if "payment_instrument" in changes:
            lock_customer(source.customer_id)
            fingerprint = str((changes["payment_instrument"] or {}).get("fingerprint") or "")[:64]
            # Refuse here: the one-source-per-card constraint would otherwise fail in the database.
            if (
                fingerprint
                and CustomerPaymentSource.objects.filter(
                    customer_id=source.customer_id, mode=source.mode, fingerprint=fingerprint
                )
                .exclude(pk=source.pk)
                .exists()
            ):
                raise ValidationError(
                    {"payment": _("this card is already saved in the wallet")},
                    code="taken",
                )
        update_record(source, changes, actor=actor)
        if "payment_instrument" in changes:
            source.fingerprint = str(changes["payment_instrument"].get("fingerprint") or "")[:64]
            CustomerPaymentSource.objects.filter(pk=source.pk).update(
                fingerprint=source.fingerprint
            )
        if make_default is True and not source.is_default:
            set_default_payment_source(source, actor=actor)
        elif make_default is False and source.is_default:
            CustomerPaymentSource.objects.filter(pk=source.pk).update(is_default=False)
            source.is_default = False
            record_event(source, AuditEntry.Event.UPDATE, actor, {"is_default": [True, False]})
    return source


def _clear_default(customer: Customer) -> None:
    CustomerPaymentSource.objects.filter(
        customer=customer, mode=customer.mode, is_default=True
    ).update(is_default=False, updated_at=timezone.now())


def card_has_expired(source: CustomerPaymentSource) -> bool:
    """Whether the saved card is past its expiry (the rule of :mod:`wallet.instruments`)."""
    return is_expired(source.payment_instrument)


def set_default_payment_source(
    source: CustomerPaymentSource, *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Make ``source`` its customer's only default, atomically and safe under concurrency.

    An expired card cannot become the default.
    """
    if card_has_expired(source):
        raise ValidationError(
            {
                "is_default": ValidationError(
                    _("an expired card cannot be the default"), code="expired"
                )
            }
        )
    with transaction.atomic():
        lock_customer(source.customer_id)
        previous = list(
            CustomerPaymentSource.objects.filter(
                customer_id=source.customer_id, mode=source.mode, is_default=True
            ).exclude(pk=source.pk)
        )
        now = timezone.now()
        CustomerPaymentSource.objects.filter(pk__in=[p.pk for p in previous]).update(
            is_default=False, updated_at=now
        )
        updated = CustomerPaymentSource.objects.filter(pk=source.pk, is_default=False).update(
            is_default=True, updated_at=now
        )
        for old in previous:
            record_event(old, AuditEntry.Event.UPDATE, actor, {"is_default": [True, False]})
        if updated:
            record_event(source, AuditEntry.Event.UPDATE, actor, {"is_default": [False, True]})
            record_event(source, AuditEntry.Event.DEFAULT_SET, actor)
        source.is_default = True
        source.updated_at = now
    return source


def delete_payment_source(
    source: CustomerPaymentSource, *, actor: Actor = SYSTEM, forget: bool = True
) -> None:
    """Remove a saved source; if it was the default, the most recently used remaining one is.

    The gateway that keeps the card stops keeping it (Stripe: the PaymentMethod is detached),
    unless ``forget`` is false (the gateway told us it already did).
    """
    with transaction.atomic():
        lock_customer(source.customer_id)
        was_default = CustomerPaymentSource.objects.filter(pk=source.pk, is_default=True).exists()
        delete_record(source, actor=actor)
        if forget:
            _forget_in_gateway(source)  # Stripe: detach; unreachable rolls the delete back
        if was_default:
            remaining = CustomerPaymentSource.objects.filter(
                customer_id=source.customer_id, mode=source.mode
            ).order_by(F("last_used_at").desc(nulls_last=True), "-created_at")
            successor = next((card for card in remaining if not card_has_expired(card)), None)
            if successor:
                set_default_payment_source(successor, actor=actor)


def save_payment_to_wallet(
    payment: ExternalPayment, *, actor: Actor = SYSTEM, make_default: bool = False
) -> CustomerPaymentSource:
    """Save an external payment's card to its order customer's wallet.

    Creates a source from the payment (tokens and instrument copied, ``payment.saved_source``
    linked).
    The same card (same gateway fingerprint) for the same customer updates the existing source
    instead of adding a duplicate.
    """
    order = payment.order
    customer = order.customer
    if customer is None:
        raise ValidationError(
            {
                "customer": ValidationError(
                    _("a guest order cannot save a card to a wallet"), code="blank"
                )
            }
        )
    instrument = dict(payment.payment_instrument or {})
    fingerprint = str(instrument.get("fingerprint") or "")[:64]
    with transaction.atomic():
        lock_customer(customer.pk)
        kept = _keep_in_gateway(payment, customer)  # Stripe: Customer made once, card attached
        existing = None
        if fingerprint:
            existing = CustomerPaymentSource.objects.filter(
                customer=customer, mode=customer.mode, fingerprint=fingerprint
            ).first()
        if existing is None and payment.saved_source_id:
            existing = CustomerPaymentSource.objects.filter(pk=payment.saved_source_id).first()
        if existing is None:
            existing = CustomerPaymentSource.objects.filter(
                customer=customer,
                mode=customer.mode,
                payment_source_token=payment.payment_source_token,
            ).first()
        if existing is not None:
            replaced = existing.payment_source_token
            source = update_record(
                existing,
                {
                    "payment": payment,
                    "payment_source_token": payment.payment_source_token,
                    "payment_instrument": instrument,
                    "customer_token": kept.customer_token or existing.customer_token,
                },
                actor=actor,
            )
            if kept.customer_token and replaced != payment.payment_source_token:
                _forget_in_gateway(source, payment_source_token=replaced)  # the card's old token
        else:
            has_default = CustomerPaymentSource.objects.filter(
                customer=customer, mode=customer.mode, is_default=True
            ).exists()
            source = CustomerPaymentSource(
                mode=customer.mode,
                customer=customer,
                payment=payment,
                payment_source_token=payment.payment_source_token,
                customer_token=kept.customer_token,
                payment_instrument=instrument,
                fingerprint=fingerprint,
                is_default=not has_default,
            )
            create_record(source, actor=actor)
        if make_default and not source.is_default:
            set_default_payment_source(source, actor=actor)
        if payment.saved_source_id != source.pk:
            update_record(payment, {"saved_source": source}, actor=actor)
        record_event(
            source, AuditEntry.Event.SAVED_TO_WALLET, actor, {"payment": [None, payment.pk]}
        )
    return source


def _keep_in_gateway(payment: ExternalPayment, customer: Customer) -> SavedInstrument:
    """Have the payment's gateway keep its card for the customer; its refusal is a decline."""
    try:
        return gateway_customers.keep_for_customer(payment, customer)
    except InstrumentRefused as exc:
        raise PaymentDeclined(exc.message, meta=exc.meta) from exc
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc


def _forget_in_gateway(source: CustomerPaymentSource, *, payment_source_token: str = "") -> None:
    """Have the gateway that keeps a saved card stop keeping it (or one token it replaced)."""
    try:
        gateway_customers.forget_saved(source, payment_source_token=payment_source_token)
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc
