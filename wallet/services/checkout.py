"""Paying: one order change all or nothing, placing, capturing, voiding, refunding, checkouts."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallet import gateway_customers
from wallet.audit import SYSTEM, Actor, record_event
from wallet.exceptions import (
    DeclinedAttempt,
    GatewayDown,
    OrderNotPayable,
    PaymentDeclined,
    PaymentStateConflict,
    WalletError,
)
from wallet.gateways import (
    Gateway,
    GatewayNotUsable,
    GatewayResult,
    GatewayUnavailable,
    gateway_for,
)
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    Transaction,
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
    """Make a saved source the order's payment: a new external payment linked through ``wallet``.

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
            wallet=source,
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


def _charging_gateway(order: Order, *, new_charge: bool = True) -> Gateway:
    """The gateway that may charge ``order``: there is no fallback when it has none.

    A disabled gateway takes no new charge, but still captures, voids and refunds its own.
    """
    gateway = order.payment_gateway
    if gateway is None:
        raise ValidationError(
            {"payment_gateway": ValidationError(_("can't be blank"), code="blank")}
        )
    if gateway.disabled_at and new_charge:
        raise ValidationError(
            {"payment_gateway": ValidationError(_("is disabled"), code="disabled")}
        )
    try:
        return gateway_for(gateway)
    except GatewayNotUsable as exc:
        raise ValidationError(
            {"payment_gateway": ValidationError(_("cannot charge this order"), code="invalid")}
        ) from exc


def _authorize_and_place(locked: Order, actor: Actor) -> Transaction | None:
    """Authorize the (locked) order's current payment and place the order.

    A zero total is placed without payment (``None``: no authorization).

    The gateway call is the last step of a checkout: everything before it rolls back with the
    transaction, and a decline raises :class:`PaymentDeclined` carrying what was tried.
    """
    _require_payable(locked)
    if locked.total_amount_cents == 0:
        return _place_free(locked, actor)
    payment = locked.payment_source or locked.external_payments.order_by("-created_at").first()
    if payment is None:
        raise ValidationError(
            {
                "external_payments": ValidationError(
                    _("the order has no payment to authorize"), code="blank"
                )
            }
        )
    gateway = _charging_gateway(locked)
    # Gateways that keep customers (Stripe) charge a saved card with its customer.
    context: dict[str, Any] = {}
    if gateway.keeps_customers:
        context = gateway_customers.authorization_context(
            payment, on_session=actor.application_kind == "storefront"
        )
    try:
        result = gateway.authorize_payment(
            payment.payment_source_token,
            locked.total_amount_cents,
            locked.currency_code,
            **context,
        )
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc
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
        _capture(locked, actor)
    return authorization


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


def place_order(order: Order, *, actor: Actor = SYSTEM) -> Transaction | None:
    """Authorize the order's latest payment through its gateway and place the order.

    Exactly-once: the order row is locked, and an order that is no longer payable is refused,
    so a double submission never authorizes twice. A decline leaves the order unpaid, records
    a failed transaction and raises :class:`PaymentDeclined`.
    """
    with _recording_declines(actor), transaction.atomic():
        authorization = _authorize_and_place(_lock_order(order), actor)
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
    if actor.owner_type == "customer":
        _refuse_customer_money_moves(capture=capture, cancel=cancel, refund=refund)
    with _recording_declines(actor), transaction.atomic():
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
                _capture(locked, actor)
        if cancel:
            with _as_trigger("_cancel"):
                _cancel(locked, actor)
        if refund:
            with _as_trigger("_refund"):
                _refund(locked, actor)
    return locked


def _refuse_customer_money_moves(**requested: bool) -> None:
    """Capturing, cancelling and refunding are the shop's operations, never the customer's."""
    for name, wanted in requested.items():
        if wanted:
            raise ValidationError(
                {f"_{name}": ValidationError(_("can't be used by the customer"), code="readonly")}
            )


def _last_succeeded(order: Order, kind: str) -> Transaction | None:
    """The order's latest successful transaction of ``kind``."""
    return (
        Transaction.objects.filter(payment__order=order, kind=kind, succeeded=True)
        .select_related("payment")
        .order_by("-created_at")
        .first()
    )


def _gateway_operation(
    locked: Order,
    kind: str,
    of: Transaction,
    call: Callable[[Gateway], GatewayResult],
) -> Transaction:
    """Run one gateway operation following transaction ``of`` and record its success.

    A refusal raises :class:`PaymentDeclined` carrying the attempt, recorded after rollback.
    """
    gateway = _charging_gateway(locked, new_charge=False)
    try:
        result = call(gateway)
    except GatewayUnavailable as exc:
        raise GatewayDown(str(exc)) from exc
    if not result.succeeded:
        message = result.message or str(_("The payment gateway refused the operation."))
        raise PaymentDeclined(
            message,
            attempt=DeclinedAttempt(
                order_id=locked.pk,
                payment_id=of.payment_id,
                mode=locked.mode,
                amount_cents=of.amount_cents,
                currency_code=of.currency_code,
                token=result.token,
                message=message[:255],
                kind=kind,
            ),
        )
    return Transaction.objects.create(
        mode=locked.mode,
        payment=of.payment,
        kind=kind,
        succeeded=True,
        amount_cents=of.amount_cents,
        currency_code=of.currency_code,
        token=result.token,
        message=result.message[:255],
    )


def _set_payment_state(
    locked: Order, changes: dict[str, Any], event: str, done: Transaction, actor: Actor
) -> None:
    update_record(locked, changes, actor=actor)
    record_event(locked, event, actor, {"transaction": [None, done.pk]})


def _capture(locked: Order, actor: Actor) -> Transaction:
    """Capture the (locked) order's authorization: authorized → paid."""
    authorization = _last_succeeded(locked, Transaction.Kind.AUTHORIZATION)
    if locked.payment_status != Order.PaymentStatus.AUTHORIZED or authorization is None:
        raise PaymentStateConflict(_("Only an authorized payment can be captured."))
    capture = _gateway_operation(
        locked,
        Transaction.Kind.CAPTURE,
        authorization,
        lambda gateway: gateway.capture(authorization.token, authorization.amount_cents),
    )
    _set_payment_state(
        locked,
        {"payment_status": Order.PaymentStatus.PAID},
        AuditEntry.Event.CAPTURED,
        capture,
        actor,
    )
    return capture


def _cancel(locked: Order, actor: Actor) -> Transaction | None:
    """Cancel the (locked) order, voiding its authorization when it has one.

    A paid order must be refunded instead; an unpaid one is simply cancelled.
    """
    if locked.status == Order.Status.CANCELLED:
        raise PaymentStateConflict(_("The order is already cancelled."))
    if locked.payment_status in (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUNDED):
        raise PaymentStateConflict(_("A paid order cannot be cancelled; refund it instead."))
    void = None
    changes: dict[str, Any] = {"status": Order.Status.CANCELLED}
    if locked.payment_status == Order.PaymentStatus.AUTHORIZED:
        authorization = _last_succeeded(locked, Transaction.Kind.AUTHORIZATION)
        if authorization is None:
            raise PaymentStateConflict(_("The order has no authorization to void."))
        void = _gateway_operation(
            locked,
            Transaction.Kind.VOID,
            authorization,
            lambda gateway: gateway.void(authorization.token),
        )
        changes["payment_status"] = Order.PaymentStatus.VOIDED
    update_record(locked, changes, actor=actor)
    record_event(
        locked,
        AuditEntry.Event.CANCELLED,
        actor,
        {"transaction": [None, void.pk]} if void else {},
    )
    return void


def _refund(locked: Order, actor: Actor) -> Transaction:
    """Refund the (locked) order's capture in full: paid → refunded."""
    capture = _last_succeeded(locked, Transaction.Kind.CAPTURE)
    if locked.payment_status != Order.PaymentStatus.PAID or capture is None:
        raise PaymentStateConflict(_("Only a paid order can be refunded."))
    refund = _gateway_operation(
        locked,
        Transaction.Kind.REFUND,
        capture,
        lambda gateway: gateway.refund(capture.token, capture.amount_cents),
    )
    _set_payment_state(
        locked,
        {"payment_status": Order.PaymentStatus.REFUNDED},
        AuditEntry.Event.REFUNDED,
        refund,
        actor,
    )
    return refund


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
    with _recording_declines(actor), transaction.atomic():
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
    with _recording_declines(actor), transaction.atomic():
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
