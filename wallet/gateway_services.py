"""Gateway writes outside a checkout: configuring gateways, and Stripe's webhook events.

Every write goes through :mod:`wallet.services` (validation, audit); this module adds the rules
of configuring a gateway by name and of what each Stripe event changes.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from wallet import gateway_customers, selectors, services
from wallet.gateways import GatewayNotUsable, GatewayUnavailable, StripeGateway, gateway_for
from wallet.gateways.stripe import WebhookRefused, describe_payment_method, verify_webhook
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    GatewayCustomer,
    GatewayEvent,
    Mode,
    Order,
    PaymentGateway,
    Transaction,
)
from wallet.services.checkout import pending_authentication
from wallet.services.records import lock_customer

logger = logging.getLogger("wallet.webhooks")

__all__ = [
    "WebhookRefused",
    "authentication_challenge",
    "browser_gateway",
    "card_saving_browser_gateway",
    "configure_gateway",
    "handle_stripe_webhook",
    "setup_intent_secret",
    "wallet_setup_intent_secret",
]

# The options of :func:`configure_gateway` that are gateway fields; ``None`` leaves one as is.
GATEWAY_SETTINGS = (
    "secret_key",
    "publishable_key",
    "webhook_secret",
    "api_base",
    "authorize_url",
    "capture_url",
    "void_url",
    "refund_url",
    "token_url",
    "shared_secret",
)


def configure_gateway(
    *,
    name: str,
    mode: str,
    kind: str,
    actor: services.Actor = services.SYSTEM,
    **settings: str | None,
) -> tuple[PaymentGateway, bool]:
    """Create the gateway named ``name`` in ``mode``, or update it: ``(gateway, created)``.

    ``settings`` are the gateway's fields (:data:`GATEWAY_SETTINGS`); one left ``None`` keeps
    its stored value (a secret is never needed again to change something else). The model's
    rules apply: a Stripe gateway takes keys of its mode only, and the built-in test gateway
    exists only in test mode. Refusals are :class:`~django.core.exceptions.ValidationError`.
    """
    unknown = set(settings) - set(GATEWAY_SETTINGS)
    if unknown:
        raise ValueError(f"Unknown gateway settings: {', '.join(sorted(unknown))}")
    name = (name or "").strip()
    errors: dict[str, ValidationError] = {}
    if not name:
        errors["name"] = ValidationError(_("can't be blank"), code="blank")
    if mode not in Mode.values:
        errors["mode"] = ValidationError(
            _("must be one of %(values)s"), code="inclusion", params={"values": Mode.values}
        )
    if kind not in PaymentGateway.Kind.values:
        errors["kind"] = ValidationError(
            _("must be one of %(values)s"),
            code="inclusion",
            params={"values": PaymentGateway.Kind.values},
        )
    elif kind == PaymentGateway.Kind.TEST and mode != Mode.TEST:
        errors["kind"] = ValidationError(
            _("the test gateway exists only in test mode"), code="invalid"
        )
    if errors:
        raise ValidationError(errors)
    values = {field: value for field, value in settings.items() if value is not None}
    with transaction.atomic():
        gateway = PaymentGateway.objects.select_for_update().filter(name=name, mode=mode).first()
        if gateway is None:
            created = PaymentGateway(name=name, mode=mode, kind=kind, **values)
            return services.create_record(created, actor=actor), True
        changes: dict[str, Any] = {"kind": kind, **values}
        return services.update_record(gateway, changes, actor=actor), False


# --- the browser's side of a gateway: Stripe.js, 3-D Secure challenges -----------------------


def browser_gateway(order: Order) -> dict[str, str] | None:
    """What the storefront's page needs to load the order's gateway in the browser.

    For a Stripe order: ``{"kind": "stripe", "publishable_key", "js_url"}`` (Stripe.js from
    js.stripe.com, or from the local Stripe the gateway's API base names); ``None`` for a
    gateway without a browser SDK of its own (the test gateway's script is the wallet's).
    """
    row = order.payment_gateway
    if row is None or row.kind != PaymentGateway.Kind.STRIPE or not row.publishable_key:
        return None
    try:
        gateway = gateway_for(row)
    except GatewayNotUsable:
        return None
    if not isinstance(gateway, StripeGateway):
        return None
    return {"kind": "stripe", "publishable_key": row.publishable_key, "js_url": gateway.js_url}


def authentication_challenge(order: Order) -> dict[str, Any] | None:
    """The 3-D Secure challenge the order's payment awaits, as the challenge page needs it.

    ``{"kind": gateway kind, "token": challenge, **the gateway's details}`` (Stripe's
    ``client_secret``), or ``None`` when nothing awaits authentication. Raises
    :class:`~wallet.exceptions.GatewayDown` when the gateway cannot be reached.
    """
    pending = pending_authentication(order)
    if pending is None or order.payment_gateway is None:
        return None
    try:
        gateway = gateway_for(order.payment_gateway)
        details = gateway.authentication_details(pending.token)
    except GatewayNotUsable:
        return None
    except GatewayUnavailable as exc:
        raise services.GatewayDown(str(exc)) from exc
    return {"kind": order.payment_gateway.kind, "token": pending.token, **details}


def setup_intent_secret(order: Order) -> str:
    """A Stripe SetupIntent's client secret, for Stripe.js to make a new card's PaymentMethod.

    The storefront falls back on it where Stripe.js cannot make the PaymentMethod directly.
    Raises :class:`~django.core.exceptions.ValidationError` for an order that is not payable
    through Stripe and :class:`~wallet.exceptions.GatewayDown` when Stripe is out of reach.
    """
    gateway = None
    if order.is_payable and order.payment_gateway is not None:
        try:
            gateway = gateway_for(order.payment_gateway)
        except GatewayNotUsable:
            gateway = None
    if not isinstance(gateway, StripeGateway):
        raise ValidationError(
            {"payment_gateway": ValidationError(_("cannot save cards"), code="invalid")}
        )
    try:
        return gateway.create_setup_intent()
    except GatewayUnavailable as exc:
        raise services.GatewayDown(str(exc)) from exc


def card_saving_browser_gateway(mode: str) -> dict[str, str] | None:
    """What the "Add card" page needs to load the saving gateway's browser SDK (Stripe.js).

    ``None`` when the gateway that saves cards is the test gateway (the wallet's own script).
    """
    row = selectors.card_saving_gateway(mode)
    if row is None or row.kind != PaymentGateway.Kind.STRIPE:
        return None
    try:
        gateway = gateway_for(row)
    except GatewayNotUsable:
        return None
    if not isinstance(gateway, StripeGateway):
        return None
    return {"kind": "stripe", "publishable_key": row.publishable_key, "js_url": gateway.js_url}


def wallet_setup_intent_secret(customer: Customer) -> str:
    """A SetupIntent's client secret for saving a card with Stripe without paying ("Add card").

    The SetupIntent belongs to the customer's Stripe Customer, made (once) if needed, under
    the customer's lock. Raises :class:`~django.core.exceptions.ValidationError` when Stripe
    does not save this shop's cards and :class:`~wallet.exceptions.GatewayDown` when Stripe is
    out of reach.
    """
    row = selectors.card_saving_gateway(customer.mode)
    gateway = None
    if row is not None:
        try:
            gateway = gateway_for(row)
        except GatewayNotUsable:
            gateway = None
    if row is None or not isinstance(gateway, StripeGateway):
        raise ValidationError(
            {"payment_gateway": ValidationError(_("cannot save cards"), code="invalid")}
        )
    try:
        with transaction.atomic():
            lock_customer(customer.pk)
            customer_token = gateway_customers.customer_token_for(row, customer)
        return gateway.create_setup_intent(customer_token=customer_token)
    except GatewayUnavailable as exc:
        raise services.GatewayDown(str(exc)) from exc


# --- Stripe webhooks --------------------------------------------------------------------------


def webhook_actor(gateway: PaymentGateway) -> services.Actor:
    """Who makes the changes a gateway's webhook asks for: the gateway itself."""
    return services.Actor(application_id=gateway.pk, application_kind="stripe_webhook")


def handle_stripe_webhook(gateway: PaymentGateway, payload: bytes, signature: str) -> str:
    """Verify one Stripe webhook request and apply its event once; returns the outcome.

    The signature is checked with the gateway's webhook signing secret (a bad one raises
    :class:`WebhookRefused` and nothing is written). Each event id is handled once per gateway
    (stored in :class:`~wallet.models.GatewayEvent`, a unique row, so a concurrent delivery of
    the same event waits and then finds it): ``"duplicate"`` when seen before, ``"ignored"``
    for events of another mode or types the wallet does not follow, ``"refused"`` when a
    wallet rule refuses the change (logged; Stripe is not asked to retry), else ``"handled"``.
    """
    event = verify_webhook(payload, signature, gateway.webhook_secret)
    with transaction.atomic():
        try:
            with transaction.atomic():
                GatewayEvent.objects.create(
                    payment_gateway=gateway, event_id=event["id"], event_type=event["type"][:100]
                )
        except IntegrityError:
            return "duplicate"
        handler = STRIPE_HANDLERS.get(event["type"])
        livemode = bool(event.get("livemode", False))
        if handler is None or livemode != (gateway.mode == Mode.LIVE):
            return "ignored"
        try:
            with transaction.atomic():
                return handler(gateway, event["data"]["object"], webhook_actor(gateway))
        except (ValidationError, services.WalletError) as exc:
            logger.warning("Stripe event %s (%s) refused: %s", event["id"], event["type"], exc)
            return "refused"


def _authorization(gateway: PaymentGateway, intent_id: Any) -> Transaction | None:
    """The wallet's successful authorization of a PaymentIntent on this gateway."""
    if not isinstance(intent_id, str) or not intent_id:
        return None
    return (
        Transaction.objects.select_related("payment")
        .filter(
            kind=Transaction.Kind.AUTHORIZATION,
            succeeded=True,
            token=intent_id,
            payment__payment_gateway=gateway,
        )
        .first()
    )


def _locked_order(authorization: Transaction) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=authorization.payment.order_id)


def _record(
    order: Order,
    authorization: Transaction,
    kind: str,
    token: str,
    message: str,
    *,
    amount_cents: int | None = None,
) -> Transaction:
    return Transaction.objects.create(
        mode=order.mode,
        payment=authorization.payment,
        kind=kind,
        succeeded=True,
        amount_cents=authorization.amount_cents if amount_cents is None else amount_cents,
        currency_code=authorization.currency_code,
        token=token[:255],
        message=message,
    )


def _change_order(
    order: Order,
    changes: dict[str, Any],
    event: str,
    done: Transaction,
    actor: services.Actor,
) -> None:
    services.update_record(order, changes, actor=actor)
    services.record_event(order, event, actor, {"transaction": [None, done.pk]})


def _authenticated(gateway: PaymentGateway, intent: dict[str, Any], actor: services.Actor) -> str:
    """The customer answered a 3-D Secure challenge: the order it awaits is placed.

    ``"ignored"`` when no payable order of this gateway awaits this PaymentIntent (the
    storefront already placed it, say). Placing reads the PaymentIntent back from Stripe.
    """
    intent_id = intent.get("id")
    if not isinstance(intent_id, str) or not intent_id:
        return "ignored"
    challenge = (
        Transaction.objects.select_related("payment__order")
        .filter(
            kind=Transaction.Kind.AUTHENTICATION,
            token=intent_id,
            payment__payment_gateway=gateway,
        )
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        return "ignored"
    order = challenge.payment.order
    pending = pending_authentication(order)
    if pending is None or pending.token != intent_id:
        return "ignored"
    services.place_order(order, actor=actor)
    return "handled"


def _intent_succeeded(
    gateway: PaymentGateway, intent: dict[str, Any], actor: services.Actor
) -> str:
    """Captured at Stripe (the dashboard, or our own capture): an authorized order is paid.

    A PaymentIntent that a 3-D Secure challenge held back places its order first.
    """
    authorization = _authorization(gateway, intent.get("id"))
    if authorization is None:
        return _authenticated(gateway, intent, actor)
    order = _locked_order(authorization)
    if order.payment_status != Order.PaymentStatus.AUTHORIZED:
        return "ignored"  # already paid (our own capture) or no longer awaiting it
    received = intent.get("amount_received")
    capture = _record(
        order,
        authorization,
        Transaction.Kind.CAPTURE,
        intent["id"],
        "Captured at Stripe.",
        amount_cents=received if isinstance(received, int) and received > 0 else None,
    )
    _change_order(
        order,
        {"payment_status": Order.PaymentStatus.PAID},
        AuditEntry.Event.CAPTURED,
        capture,
        actor,
    )
    return "handled"


def _intent_canceled(gateway: PaymentGateway, intent: dict[str, Any], actor: services.Actor) -> str:
    """Cancelled at Stripe: an authorized order is voided and cancelled (as ``_cancel`` does)."""
    authorization = _authorization(gateway, intent.get("id"))
    if authorization is None:
        return "ignored"
    order = _locked_order(authorization)
    if order.payment_status != Order.PaymentStatus.AUTHORIZED:
        return "ignored"
    void = _record(order, authorization, Transaction.Kind.VOID, intent["id"], "Voided at Stripe.")
    _change_order(
        order,
        {"status": Order.Status.CANCELLED, "payment_status": Order.PaymentStatus.VOIDED},
        AuditEntry.Event.CANCELLED,
        void,
        actor,
    )
    return "handled"


def _intent_failed(gateway: PaymentGateway, intent: dict[str, Any], actor: services.Actor) -> str:
    """A failed attempt: recorded on its payment (once); the order stays unpaid."""
    metadata = intent.get("metadata") or {}
    payment = ExternalPayment.objects.filter(
        pk=str(metadata.get("wallet_payment_id") or ""), payment_gateway=gateway
    ).first()
    intent_id = str(intent.get("id") or "")
    if payment is None or not intent_id:
        return "ignored"
    if Transaction.objects.filter(payment=payment, token=intent_id, succeeded=False).exists():
        return "ignored"  # the wallet recorded this decline when it happened
    error = intent.get("last_payment_error") or {}
    message = str(error.get("message") or _("The payment was declined."))[:255]
    amount = intent.get("amount")
    Transaction.objects.create(
        mode=payment.mode,
        payment=payment,
        kind=Transaction.Kind.AUTHORIZATION,
        succeeded=False,
        amount_cents=amount if isinstance(amount, int) and amount >= 0 else 0,
        currency_code=str(intent.get("currency") or payment.order.currency_code).upper()[:3],
        token=intent_id,
        message=message,
    )
    services.record_event(payment, AuditEntry.Event.DECLINED, actor, {"message": [None, message]})
    return "handled"


def _charge_refunded(gateway: PaymentGateway, charge: dict[str, Any], actor: services.Actor) -> str:
    """Refunded in full at Stripe: a paid order is refunded (a partial refund is not followed)."""
    authorization = _authorization(gateway, charge.get("payment_intent"))
    if authorization is None or charge.get("refunded") is not True:
        return "ignored"
    order = _locked_order(authorization)
    if order.payment_status != Order.PaymentStatus.PAID:
        return "ignored"  # already refunded (our own refund) or never paid
    refunds = (charge.get("refunds") or {}).get("data") or []
    token = str((refunds[0] or {}).get("id") or "") if refunds else ""
    refund = _record(
        order,
        authorization,
        Transaction.Kind.REFUND,
        token or str(charge.get("id") or ""),
        "Refunded at Stripe.",
    )
    _change_order(
        order,
        {"payment_status": Order.PaymentStatus.REFUNDED},
        AuditEntry.Event.REFUNDED,
        refund,
        actor,
    )
    return "handled"


def _saved_sources(gateway: PaymentGateway, method_id: Any) -> list[CustomerPaymentSource]:
    """The saved sources holding a PaymentMethod of this gateway's Stripe customers."""
    if not isinstance(method_id, str) or not method_id:
        return []
    customers = GatewayCustomer.objects.filter(payment_gateway=gateway).values("token")
    return list(
        CustomerPaymentSource.objects.filter(
            mode=gateway.mode, payment_source_token=method_id, customer_token__in=customers
        )
    )


def _method_updated(gateway: PaymentGateway, method: dict[str, Any], actor: services.Actor) -> str:
    """Stripe's card updater: the saved card's expiry (and last four, hence its name) change."""
    sources = _saved_sources(gateway, method.get("id"))
    if not sources:
        return "ignored"
    described = describe_payment_method(method)
    for source in sources:
        instrument = {**(source.payment_instrument or {}), **described}
        if instrument != source.payment_instrument:
            services.update_payment_source(source, {"payment_instrument": instrument}, actor=actor)
    return "handled"


def _method_detached(gateway: PaymentGateway, method: dict[str, Any], actor: services.Actor) -> str:
    """Detached at Stripe: the card leaves the wallet (Stripe is not asked to detach again)."""
    sources = _saved_sources(gateway, method.get("id"))
    for source in sources:
        services.delete_payment_source(source, actor=actor, forget=False)
    return "handled" if sources else "ignored"


STRIPE_HANDLERS: dict[str, Callable[[PaymentGateway, dict[str, Any], services.Actor], str]] = {
    "payment_intent.succeeded": _intent_succeeded,
    # An uncaptured PaymentIntent is authorized: the event a 3-D Secure challenge ends with.
    "payment_intent.amount_capturable_updated": _authenticated,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.canceled": _intent_canceled,
    "charge.refunded": _charge_refunded,
    "payment_method.updated": _method_updated,
    "payment_method.detached": _method_detached,
}
