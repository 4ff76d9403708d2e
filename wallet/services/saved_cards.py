"""The storefront's own wallet writes: add a card, update it, nickname it, remove with undo."""

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallet import gateway_customers, selectors
from wallet.audit import RESOURCE_TYPES, SYSTEM, Actor, record_event
from wallet.conf import wallet_settings
from wallet.exceptions import GatewayDown, RecordLocked, WalletError
from wallet.gateways import (
    GatewayNotUsable,
    GatewayUnavailable,
    gateway_for,
)
from wallet.instruments import is_expired
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    PaymentGateway,
)
from wallet.services.payment_sources import (
    _forget_in_gateway,
    _refuse_saved_twice,
    card_has_expired,
    set_default_payment_source,
    update_payment_source,
)
from wallet.services.records import create_record, delete_record, lock_customer

logger = logging.getLogger("wallet.services")


def _undo_cutoff(now: Any = None) -> Any:
    """The moment before which a removed card can no longer be brought back."""
    seconds = int(wallet_settings.REMOVAL_UNDO_SECONDS)
    return (now or timezone.now()) - datetime.timedelta(seconds=seconds)


def purge_removed_payment_sources(
    *, customer: Customer | None = None, now: Any = None, actor: Actor = SYSTEM
) -> int:
    """Delete for good the removed sources whose undo window is over; return how many.

    Runs at the start of every storefront wallet write of ``customer`` (so a customer's stale
    removals never outlive their next change) and for everyone from ``manage.py
    wallet_purge_removed_cards``. The gateway that keeps a card (Stripe) forgets it now; when it
    cannot be reached the source stays removed and is tried again next time.
    """
    stale = CustomerPaymentSource.all_objects.filter(
        removed_at__isnull=False, removed_at__lt=_undo_cutoff(now)
    )
    if customer is not None:
        stale = stale.filter(customer=customer, mode=customer.mode)
    purged = 0
    for source in stale.order_by("removed_at"):
        try:
            with transaction.atomic():
                _forget_in_gateway(source)
                delete_record(source, actor=actor)
        except (GatewayDown, RecordLocked):
            logger.warning("Purging removed card %s failed; kept for now", source.pk, exc_info=True)
            continue
        purged += 1
    return purged


def _card_for_wallet(token: str, holder_name: str) -> tuple[PaymentGateway, dict[str, Any]]:
    """Describe the card behind a new token with the gateway that saves cards without paying.

    The ``test`` gateway and Stripe (a PaymentMethod from a SetupIntent) can:
    :class:`WalletError` otherwise. An unknown token or an expired card is a
    ``ValidationError`` on ``payment_source_token``.
    """
    row = selectors.card_saving_gateway(wallet_settings.MODE)
    if row is None:
        raise WalletError(_("Cards can only be saved while paying with them in this shop."))
    try:
        gateway = gateway_for(row)
        instrument = gateway.tokenize(token, {"card_holder_name": holder_name})
    except GatewayNotUsable as exc:
        raise WalletError(
            _("Cards can only be saved while paying with them in this shop.")
        ) from exc
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc
    if not instrument.get("card_last_digits"):
        raise ValidationError(
            {
                "payment_source_token": ValidationError(
                    _("The payment service did not recognise this card."), code="invalid"
                )
            }
        )
    if is_expired(instrument):
        raise ValidationError(
            {"payment_source_token": ValidationError(_("This card has expired."), code="expired")}
        )
    return row, dict(instrument)


def _keep_in_gateway(row: PaymentGateway, token: str, customer: Customer) -> str:
    """Have the gateway keep the card (Stripe: attach it to the customer's Customer).

    Returns the gateway's customer token (``""`` for gateways that keep nothing).
    """
    try:
        return gateway_customers.keep_token_for_customer(row, token, customer).customer_token
    except gateway_customers.InstrumentRefused as exc:
        raise ValidationError(
            {"payment_source_token": ValidationError(exc.message, code="declined")}
        ) from exc
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc


def add_payment_source_from_token(
    customer: Customer,
    payment_source_token: str,
    *,
    holder_name: str = "",
    nickname: str = "",
    make_default: bool = False,
    actor: Actor = SYSTEM,
) -> CustomerPaymentSource:
    """Save a new card in a customer's wallet from its gateway token, without a payment.

    The gateway's ``tokenize`` describes the card (brand, last digits, expiry, fingerprint);
    the same card already in the wallet is refused (``taken``). The first card becomes the
    default, as does this one with ``make_default``. A gateway that keeps cards itself
    (Stripe) keeps this one for the customer (attached to their Stripe Customer).
    """
    row, instrument = _card_for_wallet(payment_source_token, holder_name.strip())
    source = CustomerPaymentSource(
        mode=customer.mode,
        customer=customer,
        payment_source_token=payment_source_token,
        payment_instrument=instrument,
        fingerprint=str(instrument.get("fingerprint") or "")[:64],
        nickname=nickname.strip(),
    )
    with transaction.atomic():
        lock_customer(customer.pk)
        purge_removed_payment_sources(customer=customer, actor=actor)
        _refuse_saved_twice(source)
        source.customer_token = _keep_in_gateway(row, payment_source_token, customer)
        has_default = CustomerPaymentSource.objects.filter(
            customer=customer, mode=customer.mode, is_default=True
        ).exists()
        source.is_default = not has_default
        create_record(source, actor=actor)
        if make_default and has_default:
            set_default_payment_source(source, actor=actor)
    return source


def update_payment_source_card(
    source: CustomerPaymentSource,
    payment_source_token: str,
    *,
    holder_name: str = "",
    actor: Actor = SYSTEM,
) -> CustomerPaymentSource:
    """Give a saved card its new expiry and holder name, from a new token for the same card.

    The token must describe the same brand and last digits (another card is added instead);
    the source keeps its id, default and nickname. Gateways that keep cards themselves
    (Stripe) cannot be updated this way.
    """
    if selectors.is_kept_by_gateway(source):
        raise WalletError(_("This card cannot be updated here. Add it again instead."))
    _row, instrument = _card_for_wallet(payment_source_token, holder_name.strip())
    saved = source.payment_instrument or {}
    same_card = str(instrument.get("card_type")) == str(saved.get("card_type")) and str(
        instrument.get("card_last_digits")
    ) == str(saved.get("card_last_digits"))
    if not same_card:
        raise ValidationError(
            {
                "payment_source_token": ValidationError(
                    _("These are the details of another card. Add it as a new card instead."),
                    code="other_card",
                )
            }
        )
    with transaction.atomic():
        purge_removed_payment_sources(customer=source.customer, actor=actor)
        return update_payment_source(
            source,
            {"payment_source_token": payment_source_token, "payment_instrument": instrument},
            actor=actor,
        )


def rename_payment_source(
    source: CustomerPaymentSource, nickname: str, *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Set (or, with an empty string, clear) a saved card's nickname, like "Work card"."""
    nickname = " ".join(str(nickname or "").split())
    old = source.nickname
    source.nickname = nickname
    try:
        source.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError:
        source.nickname = old
        raise
    if nickname == old:
        return source
    with transaction.atomic():
        purge_removed_payment_sources(customer=source.customer, actor=actor)
        source.save(update_fields=["nickname", "updated_at"])
        record_event(source, AuditEntry.Event.UPDATE, actor, {"nickname": [old, nickname]})
    return source


def remove_payment_source(
    source: CustomerPaymentSource, *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Remove a saved card so that it can be brought back for a while (storefront "Undo").

    The card disappears at once from everything (checkout, API, admin) and stops being the
    default (the most recently used usable card becomes it); the gateway keeps it until the
    undo window is over and :func:`purge_removed_payment_sources` deletes it.
    """
    with transaction.atomic():
        lock_customer(source.customer_id)
        purge_removed_payment_sources(customer=source.customer, actor=actor)
        current = CustomerPaymentSource.objects.filter(pk=source.pk).first()
        if current is None:  # removed meanwhile: nothing more to do
            return source
        now = timezone.now()
        was_default = current.is_default
        CustomerPaymentSource.all_objects.filter(pk=source.pk).update(
            removed_at=now, is_default=False, fingerprint="", updated_at=now
        )
        source.removed_at, source.is_default, source.fingerprint = now, False, ""
        changes: dict[str, list[Any]] = {"removed_at": [None, now.isoformat()]}
        if was_default:
            changes["is_default"] = [True, False]
        record_event(source, AuditEntry.Event.UPDATE, actor, changes)
        if was_default:
            remaining = CustomerPaymentSource.objects.filter(
                customer_id=source.customer_id, mode=source.mode
            ).order_by(F("last_used_at").desc(nulls_last=True), "-created_at")
            successor = next((card for card in remaining if not card_has_expired(card)), None)
            if successor:
                set_default_payment_source(successor, actor=actor)
    return source


def _was_default_when_removed(source: CustomerPaymentSource) -> bool:
    """Whether the card was the default when it was removed (its removal's audit entry says)."""
    removal = (
        AuditEntry.objects.filter(
            resource_type=RESOURCE_TYPES[CustomerPaymentSource],
            resource_id=source.pk,
            event=AuditEntry.Event.UPDATE,
        )
        .order_by("-created_at")
        .first()
    )
    changes = removal.changes if removal is not None else {}
    return "removed_at" in changes and changes.get("is_default") == [True, False]


def restore_payment_source(
    source: CustomerPaymentSource, *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Bring a removed card back ("Undo") while its undo window lasts.

    It becomes the default again if it was the default when removed, or when the wallet has
    none, unless it has expired. Too late, or the same card saved again meanwhile:
    :class:`WalletError` (the removed copy is purged with a later write).
    """
    instrument = source.payment_instrument or {}
    fingerprint = str(instrument.get("fingerprint") or "")[:64]
    with transaction.atomic():
        lock_customer(source.customer_id)
        removed = (
            CustomerPaymentSource.all_objects.filter(
                pk=source.pk, removed_at__isnull=False, removed_at__gte=_undo_cutoff()
            )
            .select_for_update()
            .first()
        )
        if removed is None:
            raise WalletError(_("It is too late to undo: the card was removed for good."))
        live = CustomerPaymentSource.objects.filter(
            customer_id=source.customer_id, mode=source.mode
        )
        saved_again = live.filter(payment_source_token=source.payment_source_token).exists() or (
            fingerprint and live.filter(fingerprint=fingerprint).exists()
        )
        if saved_again:
            raise WalletError(_("This card is already back in your wallet."))
        removed_at = removed.removed_at
        assert removed_at is not None  # the query above asked for removed_at__isnull=False
        make_default = _was_default_when_removed(source)  # before this undo is audited
        now = timezone.now()
        CustomerPaymentSource.all_objects.filter(pk=source.pk).update(
            removed_at=None, fingerprint=fingerprint, updated_at=now
        )
        source.removed_at, source.fingerprint, source.updated_at = None, fingerprint, now
        record_event(
            source, AuditEntry.Event.UPDATE, actor, {"removed_at": [removed_at.isoformat(), None]}
        )
        has_default = live.filter(is_default=True).exists()
        if (make_default or not has_default) and not card_has_expired(source):
            set_default_payment_source(source, actor=actor)
    return source
