"""Moving an order's money through its gateway after placing: capture, void, refund.

The functions work on an order already locked by :func:`wallet.services.checkout.change_order`
(or a checkout): each calls the gateway, records a :class:`~wallet.models.Transaction` and
changes the order's payment status; a refusal raises
:class:`~wallet.exceptions.PaymentDeclined` carrying the attempt, recorded after rollback.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wallet.audit import Actor, record_event
from wallet.exceptions import DeclinedAttempt, GatewayDown, PaymentDeclined, PaymentStateConflict
from wallet.gateways import (
    Gateway,
    GatewayNotUsable,
    GatewayResult,
    GatewayUnavailable,
    gateway_for,
)
from wallet.models import AuditEntry, Order, Transaction
from wallet.services.records import update_record


def charging_gateway(order: Order, *, new_charge: bool = True) -> Gateway:
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
    gateway = charging_gateway(locked, new_charge=False)
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


def capture_locked(locked: Order, actor: Actor) -> Transaction:
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


def cancel_locked(locked: Order, actor: Actor) -> Transaction | None:
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


def refund_locked(locked: Order, actor: Actor) -> Transaction:
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
