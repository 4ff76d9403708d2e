"""Paying: one order change all or nothing, placing, capturing, voiding, refunding, checkouts."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallet import gateway_customers
from wallet.audit import SYSTEM, Actor, record_event
from wallet.exceptions import (
    AuthenticationRequired,
    DeclinedAttempt,
    GatewayDown,
    OrderNotPayable,
    PaymentDeclined,
    WalletError,
)
from wallet.gateways import (
    GatewayResult,
    GatewayUnavailable,
)
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    Transaction,
)
from wallet.roles import CUSTOMER
from wallet.services.operations import (
    cancel_locked,
    capture_locked,
    charging_gateway,
    refund_locked,
)
from wallet.services.orders import update_order
from wallet.services.payment_sources import card_has_expired, save_payment_to_wallet
from wallet.services.payments import create_external_payment
from wallet.services.records import delete_record, lock_customer, update_record


def save_order_payment_to_wallet(order: Order, *, actor: Actor = SYSTEM) -> CustomerPaymentSource:
    """Save the card of the order's latest payment to its customer's wallet."""
    payment = (
        order.external_payments.select_related("order__customer")
        .order_by("-created_at", "-pk")
        .first()
    )
    if payment is None:
        raise ValidationError(
            {"payment": ValidationError(_("the order has no payment to save"), code="blank")}
        )
    return save_payment_to_wallet(payment, actor=actor)


def pay_order_with_source(
    order: Order, source: CustomerPaymentSource, *, actor: Actor = SYSTEM
) -> ExternalPayment:
    """Make a saved source the order's payment: a new external payment with ``saved_source`` set.

    The order's unauthorized payments are replaced, so choosing twice leaves one payment.
    """
    if order.customer_id is None or order.customer_id != source.customer_id:
        raise ValidationError(
            {
                "customer_payment_source": ValidationError(
                    _("does not belong to the order's customer"), code="invalid"
                )
            }
        )
    _require_payable(order)
    if card_has_expired(source):
        raise ValidationError(
            {"customer_payment_source": ValidationError(_("this card has expired"), code="expired")}
        )
    with transaction.atomic():
        _replace_pending_payments(order, actor)
        payment = create_external_payment(
            order=order,
            payment_source_token=source.payment_source_token,
            options={"customer_token": source.customer_token} if source.customer_token else {},
            saved_source=source,
            actor=actor,
        )
        CustomerPaymentSource.objects.filter(pk=source.pk).update(last_used_at=timezone.now())
    return payment


def _replace_pending_payments(order: Order, actor: Actor) -> None:
    for old in order.external_payments.filter(
        transactions__isnull=True, saved_sources__isnull=True
    ):
        delete_record(old, actor=actor)


def _require_payable(order: Order) -> None:
    if not order.is_payable:
        raise OrderNotPayable(_("This order is not awaiting payment any more."))


def _lock_order(order: Order) -> Order:
    """Lock the order row, then its customer's: the one fixed order every checkout takes."""
    locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if locked.customer_id:
        lock_customer(locked.customer_id)
    return locked


def pending_authentication(order: Order) -> Transaction | None:
    """The 3-D Secure challenge the order's current payment awaits, if any.

    A payment awaits authentication while its latest transaction is an ``authentication``
    (a later authorization, successful or not, answers it) and the order is still payable.
    """
    if not order.is_payable or not order.payment_source_id:
        return None
    latest = (
        Transaction.objects.filter(payment_id=order.payment_source_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None or latest.kind != Transaction.Kind.AUTHENTICATION:
        return None
    return latest


def _authorize_and_place(
    locked: Order, actor: Actor, *, authentication_outcome: str = ""
) -> Transaction | None:
    """Authorize the (locked) order's current payment and place the order.

    A zero total is placed without payment (``None``: no authorization).

    The gateway call is the last step of a checkout: everything before it rolls back with the
    transaction, and a decline raises :class:`PaymentDeclined` carrying what was tried. A card
    that needs 3-D Secure records an ``authentication`` transaction and raises
    :class:`AuthenticationRequired` (see :func:`_checkout_transaction`); placing the order again
    completes that challenge instead of authorizing anew (``authentication_outcome`` is what
    the shop's own challenge page reported, for the test gateway).
    """
    _require_payable(locked)
    if locked.total_amount_cents == 0:
        _place_free(locked, actor)
        return None
    payment = locked.payment_source or locked.external_payments.order_by("-created_at").first()
    if payment is None:
        raise ValidationError(
            {
                "external_payments": ValidationError(
                    _("the order has no payment to authorize"), code="blank"
                )
            }
        )
    gateway = charging_gateway(locked)
    # Gateways that keep customers (Stripe) charge a saved card with its customer.
    context: dict[str, Any] = {}
    if gateway.keeps_customers:
        context = gateway_customers.authorization_context(
            payment, on_session=actor.application_kind == "storefront"
        )
    challenge = pending_authentication(locked) if payment.pk == locked.payment_source_id else None
    try:
        if challenge is not None:
            result = gateway.complete_authentication(
                challenge.token,
                locked.total_amount_cents,
                locked.currency_code,
                outcome=authentication_outcome,
            )
        else:
            result = gateway.authorize_payment(
                payment.payment_source_token,
                locked.total_amount_cents,
                locked.currency_code,
                **context,
            )
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc
    if result.requires_authentication:
        _await_authentication(locked, payment, result, challenge)
    if not result.succeeded:
        message = result.message or str(_("The payment was declined."))
        attempt = DeclinedAttempt(
            order_id=locked.pk,
            payment_id=payment.pk,
            mode=locked.mode,
            amount_cents=locked.total_amount_cents,
            currency_code=locked.currency_code,
            token=result.token,
            message=message[:255],
        )
        raise PaymentDeclined(message, attempt=attempt, meta=result.meta)
    authorization = Transaction.objects.create(
        mode=locked.mode,
        payment=payment,
        kind=Transaction.Kind.AUTHORIZATION,
        succeeded=True,
        amount_cents=locked.total_amount_cents,
        currency_code=locked.currency_code,
        token=result.token,
        message=result.message[:255],
    )
    # Placed while the row lock is still held, so a concurrent call sees it not payable.
    _mark_placed(locked, payment, authorization, actor)
    method = locked.payment_method
    if method is not None and method.auto_capture:
        capture_locked(locked, actor)
    return authorization


def _await_authentication(
    locked: Order, payment: ExternalPayment, result: GatewayResult, challenge: Transaction | None
) -> None:
    """Record the challenge the payment now awaits (once) and ask for it to be answered."""
    message = result.message or str(_("The card requires authentication."))
    if challenge is None or challenge.token != result.token:
        Transaction.objects.create(
            mode=locked.mode,
            payment=payment,
            kind=Transaction.Kind.AUTHENTICATION,
            succeeded=False,
            amount_cents=locked.total_amount_cents,
            currency_code=locked.currency_code,
            token=result.token,
            message=message[:255],
        )
    raise AuthenticationRequired(message, meta=result.meta)


def _place_free(locked: Order, actor: Actor) -> None:
    """Place an order whose total is zero: nothing to charge, so no payment and no gateway."""
    update_record(
        locked,
        {"status": Order.Status.PLACED, "payment_status": Order.PaymentStatus.FREE},
        actor=actor,
    )
    Order.objects.filter(pk=locked.pk).update(placed_at=timezone.now())
    record_event(locked, AuditEntry.Event.PLACED, actor)


@contextmanager
def _recording_declines(actor: Actor) -> Iterator[None]:
    """Record a decline after the transaction that tried it rolled back.

    The request changes nothing, but the gateway's answer is a fact worth keeping: a failed
    authorization on the payment when it still exists, and a ``declined`` audit entry.
    """
    try:
        yield
    except PaymentDeclined as exc:
        if exc.attempt is not None:
            _record_decline(exc.attempt, actor)
        raise


def _record_decline(attempt: DeclinedAttempt, actor: Actor) -> None:
    with transaction.atomic():
        payment = ExternalPayment.objects.filter(pk=attempt.payment_id).first()
        if payment is not None:
            Transaction.objects.create(
                mode=attempt.mode,
                payment=payment,
                kind=attempt.kind,
                succeeded=False,
                amount_cents=attempt.amount_cents,
                currency_code=attempt.currency_code,
                token=attempt.token,
                message=attempt.message,
            )
        subject: models.Model | None = payment or Order.objects.filter(pk=attempt.order_id).first()
        if subject is not None:
            record_event(
                subject, AuditEntry.Event.DECLINED, actor, {"message": [None, attempt.message]}
            )


@contextmanager
def _checkout_transaction(actor: Actor) -> Iterator[None]:
    """One checkout's transaction: all or nothing, except when the card needs 3-D Secure.

    A decline rolls everything back (and is recorded after, see :func:`_recording_declines`).
    :class:`AuthenticationRequired` is not a refusal but a step: what the checkout did (the
    payment, a card saved with it, the challenge) is committed, then the exception is raised.
    """
    waiting: list[AuthenticationRequired] = []
    with _recording_declines(actor):
        with transaction.atomic():
            try:
                yield
            except AuthenticationRequired as exc:
                waiting.append(exc)
        if waiting:
            raise waiting[0]


@contextmanager
def _as_trigger(name: str, *keys: str) -> Iterator[None]:
    """Report a step's refusal under the trigger that asked for it (``_place`` …).

    Errors about ``keys`` (the step's own subjects) and errors without a field are the
    trigger's; errors about the order's own relationships keep their names.
    """
    try:
        yield
    except WalletError as exc:
        if exc.field is None:
            exc.field = name
        raise
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise ValidationError({name: exc.error_list}) from exc
        renamed: dict[str, list[ValidationError]] = {}
        for key, errors in exc.error_dict.items():
            renamed.setdefault(name if key in keys else key, []).extend(errors)
        raise ValidationError(renamed) from exc


def place_order(
    order: Order, *, authentication_outcome: str = "", actor: Actor = SYSTEM
) -> Transaction | None:
    """Authorize the order's latest payment through its gateway and place the order.

    Exactly-once: the order row is locked, and an order that is no longer payable is refused,
    so a double submission never authorizes twice. A decline leaves the order unpaid, records
    a failed transaction and raises :class:`PaymentDeclined`; a card that needs 3-D Secure
    raises :class:`AuthenticationRequired`, and placing again once the customer has answered
    the challenge (``authentication_outcome`` from the test gateway's challenge page)
    completes the order.
    """
    with _checkout_transaction(actor):
        authorization = _authorize_and_place(
            _lock_order(order), actor, authentication_outcome=authentication_outcome
        )
    order.refresh_from_db()
    return authorization


def change_order(
    order: Order,
    changes: dict[str, Any],
    *,
    pay_with_source: CustomerPaymentSource | None = None,
    save_to_wallet: bool = False,
    place: bool = False,
    capture: bool = False,
    cancel: bool = False,
    refund: bool = False,
    actor: Actor = SYSTEM,
) -> Order:
    """Apply one change of an order and its triggers, all or nothing.

    In one transaction, under the order's lock then its customer's: the attribute and
    relationship ``changes``, paying with a saved source (``_customer_payment_source_id``),
    saving the payment to the wallet (``_save_payment_source_to_customer_wallet``), then the
    gateway operations, last since they cannot be rolled back: placing (``_place``),
    capturing (``_capture``), cancelling with a void (``_cancel``) and refunding (``_refund``).
    Any refusal leaves the order exactly as it was.
    """
    if actor.owner_type == CUSTOMER:
        _refuse_customer_money_moves(capture=capture, cancel=cancel, refund=refund)
    with _checkout_transaction(actor):
        locked = _lock_order(order)
        if changes:
            update_order(locked, changes, actor=actor)
        if pay_with_source is not None:
            with _as_trigger("_customer_payment_source_id", "customer_payment_source"):
                pay_order_with_source(locked, pay_with_source, actor=actor)
        if save_to_wallet:
            with _as_trigger("_save_payment_source_to_customer_wallet", "payment", "customer"):
                save_order_payment_to_wallet(locked, actor=actor)
        if place:
            with _as_trigger("_place"):
                _authorize_and_place(locked, actor)
        if capture:
            with _as_trigger("_capture"):
                capture_locked(locked, actor)
        if cancel:
            with _as_trigger("_cancel"):
                cancel_locked(locked, actor)
        if refund:
            with _as_trigger("_refund"):
                refund_locked(locked, actor)
    return locked


def _refuse_customer_money_moves(**requested: bool) -> None:
    """Capturing, cancelling and refunding are the shop's operations, never the customer's."""
    for name, wanted in requested.items():
        if wanted:
            raise ValidationError(
                {f"_{name}": ValidationError(_("can't be used by the customer"), code="readonly")}
            )


def capture_order(order: Order, *, actor: Actor = SYSTEM) -> Order:
    """Capture an authorized order's payment through its gateway (the admin's action)."""
    return change_order(order, {}, capture=True, actor=actor)


def cancel_order(order: Order, *, actor: Actor = SYSTEM) -> Order:
    """Cancel an order, voiding its authorization if it has one (the admin's action)."""
    return change_order(order, {}, cancel=True, actor=actor)


def refund_order(order: Order, *, actor: Actor = SYSTEM) -> Order:
    """Refund a paid order in full through its gateway (the admin's action)."""
    return change_order(order, {}, refund=True, actor=actor)


def _mark_placed(
    locked: Order, payment: ExternalPayment, authorization: Transaction, actor: Actor
) -> None:
    """Record the authorization and place the (locked) order."""
    record_event(
        payment, AuditEntry.Event.AUTHORIZED, actor, {"transaction": [None, authorization.pk]}
    )
    update_record(
        locked,
        {"status": Order.Status.PLACED, "payment_status": Order.PaymentStatus.AUTHORIZED},
        actor=actor,
    )
    Order.objects.filter(pk=locked.pk).update(placed_at=timezone.now())
    record_event(locked, AuditEntry.Event.PLACED, actor)
    if locked.customer_id:
        placed = Order.objects.filter(
            customer_id=locked.customer_id, status=Order.Status.PLACED
        ).count()
        status = Customer.Status.REPEAT if placed > 1 else Customer.Status.ACQUIRED
        update_record(Customer.objects.get(pk=locked.customer_id), {"status": status}, actor=actor)


def checkout_with_source(
    order: Order, source: CustomerPaymentSource, *, actor: Actor = SYSTEM
) -> Transaction | None:
    """Pay an order with a saved card and place it, in one transaction: the one-click path."""
    with _checkout_transaction(actor):
        locked = _lock_order(order)
        pay_order_with_source(locked, source, actor=actor)
        authorization = _authorize_and_place(locked, actor)
    order.refresh_from_db()
    return authorization


def checkout_with_token(
    order: Order,
    payment_source_token: str,
    *,
    options: dict[str, Any] | None = None,
    save_to_wallet: bool = False,
    actor: Actor = SYSTEM,
) -> Transaction | None:
    """Pay an order with a new card's gateway token and place it, optionally saving the card.

    One transaction under the order's lock: a concurrent submission waits, then finds the order
    paid; a decline leaves neither a payment nor a saved card behind.
    """
    with _checkout_transaction(actor):
        locked = _lock_order(order)
        _require_payable(locked)
        _replace_pending_payments(locked, actor)
        payment = create_external_payment(
            order=locked, payment_source_token=payment_source_token, options=options, actor=actor
        )
        if save_to_wallet:
            save_payment_to_wallet(payment, actor=actor)
        authorization = _authorize_and_place(locked, actor)
    order.refresh_from_db()
    return authorization
