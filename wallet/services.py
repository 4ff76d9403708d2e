"""Every write of the wallet: create, update, delete, set default, save to wallet, pay.

Each service validates (model validators included), writes inside a transaction, and records one
audit entry per change with who made it. Callers (API, views, admin, commands) hold no business
rules: they translate input, call a service and present its result or its error.
"""

import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wallet.cards import EXPIRED, card_state
from wallet.gateways import GatewayUnavailable, gateway_for
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    Transaction,
)
from wallet.validators import is_card_number

ModelT = TypeVar("ModelT", bound=models.Model)
logger = logging.getLogger("wallet.services")

RESOURCE_TYPES: dict[type[models.Model], str] = {
    Customer: "customers",
    Order: "orders",
    PaymentGateway: "payment_gateways",
    ExternalPayment: "external_payments",
    CustomerPaymentSource: "customer_payment_sources",
}
# Fields whose values never enter the audit log in full.
SECRET_FIELDS = {"shared_secret"}


class WalletError(Exception):
    """A domain rule refused the operation; nothing was changed.

    ``code`` is stable (``locked``, ``declined``, ``not_payable``, ``unavailable``), ``field``
    names the attribute at fault when there is one.
    """

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RecordLocked(WalletError):
    """The record cannot be deleted: payment history depends on it."""

    code = "locked"


class PaymentDeclined(WalletError):
    """The gateway declined the payment; the order stays unpaid."""

    code = "declined"


class OrderNotPayable(WalletError):
    """The order is no longer awaiting a payment."""

    code = "not_payable"


class GatewayDown(WalletError):
    """The gateway could not be reached; nothing was charged."""

    code = "unavailable"


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the API application and the owner acting through it."""

    application_id: str | None = None
    application_kind: str | None = None
    owner_id: str | None = None
    owner_type: str | None = None

    def as_who(self) -> dict[str, Any]:
        """The ``who`` object of audit entries: ``{application: {id, kind}, owner: {id, type}}``."""
        who: dict[str, Any] = {}
        if self.application_id or self.application_kind:
            who["application"] = {"id": self.application_id, "kind": self.application_kind}
        if self.owner_id or self.owner_type:
            who["owner"] = {"id": self.owner_id, "type": self.owner_type}
        return who


SYSTEM = Actor(application_kind="system")


def actor_for_user(user: Any, *, application_kind: str = "admin") -> Actor:
    """The actor for a Django user acting through the admin, a command or the storefront."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(application_kind=application_kind)
    return Actor(application_kind=application_kind, owner_id=str(user.pk), owner_type="user")


def actor_for_customer(customer: Customer, *, application_kind: str = "storefront") -> Actor:
    """The actor for a customer acting for themselves."""
    return Actor(application_kind=application_kind, owner_id=customer.pk, owner_type="customer")


# --- audit ---------------------------------------------------------------------------------


def _audit_value(field: str, value: Any) -> Any:
    if field in SECRET_FIELDS and value:
        return "********"
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def record_event(
    instance: models.Model,
    event: str,
    actor: Actor,
    changes: dict[str, list[Any]] | None = None,
) -> AuditEntry:
    """Append one audit entry for ``instance``."""
    return AuditEntry.objects.create(
        mode=getattr(instance, "mode", "test"),
        resource_type=RESOURCE_TYPES[type(instance)],
        resource_id=str(instance.pk),
        event=event,
        changes=json.loads(json.dumps(changes or {}, default=str)),
        who=actor.as_who(),
    )


def _field_value(instance: models.Model, field: str) -> Any:
    model_field = instance._meta.get_field(field)
    if model_field.is_relation:
        return getattr(instance, model_field.attname)
    return getattr(instance, field)


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: _field_value(instance, field) for field in fields}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    # Union of both sides' fields, so a destroy (``after`` empty) records the old values.
    fields = list(dict.fromkeys([*before, *after]))
    return {
        field: [_audit_value(field, before.get(field)), _audit_value(field, after.get(field))]
        for field in fields
        if before.get(field) != after.get(field)
    }


AUDITED_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Customer: ("email", "user", "status", "reference", "reference_origin", "metadata"),
    Order: (
        "number",
        "customer",
        "payment_gateway",
        "status",
        "payment_status",
        "currency_code",
        "total_amount_cents",
        "reference",
        "reference_origin",
        "metadata",
    ),
    PaymentGateway: (
        "name",
        "kind",
        "authorize_url",
        "capture_url",
        "void_url",
        "refund_url",
        "token_url",
        "shared_secret",
        "disabled_at",
        "reference",
        "reference_origin",
        "metadata",
    ),
    ExternalPayment: (
        "order",
        "payment_gateway",
        "wallet",
        "payment_source_token",
        "options",
        "payment_instrument",
        "reference",
        "reference_origin",
        "metadata",
    ),
    CustomerPaymentSource: (
        "customer",
        "payment_source",
        "customer_token",
        "payment_source_token",
        "is_default",
        "payment_instrument",
        "reference",
        "reference_origin",
        "metadata",
    ),
}


# --- generic create / update / delete ------------------------------------------------------


def _check_same_mode(instance: models.Model, relations: Iterable[str]) -> None:
    """Refuse a relationship to a record of the other mode."""
    errors = {}
    for name in relations:
        related = getattr(instance, name, None)
        if related is not None and related.mode != instance.mode:
            errors[name] = ValidationError(
                _("must belong to the same mode (%(mode)s)"),
                code="mode_mismatch",
                params={"mode": instance.mode},
            )
    if errors:
        raise ValidationError(errors)


RELATIONS: dict[type[models.Model], tuple[str, ...]] = {
    Customer: (),
    Order: ("customer", "payment_gateway"),
    PaymentGateway: (),
    ExternalPayment: ("order", "payment_gateway", "wallet"),
    CustomerPaymentSource: ("customer", "payment_source"),
}


def _validate(instance: models.Model) -> None:
    _check_same_mode(instance, RELATIONS[type(instance)])
    # Related rows already loaded need no existence query, and a generated random id no
    # uniqueness query: the database's foreign keys and primary key still guard the write.
    skip = ["id"] if instance._state.adding else []
    for field in instance._meta.concrete_fields:
        if field.is_relation and field.is_cached(instance):
            related = field.get_cached_value(instance)
            if related is not None and not related._state.adding:
                skip.append(field.name)
    instance.full_clean(exclude=skip, validate_constraints=False)
    instance.validate_constraints()


def create_record(instance: ModelT, *, actor: Actor, validated: bool = False) -> ModelT:
    """Validate (unless the caller just did) and insert a new record, and audit its creation.

    The building block of the specific ``create_*`` services; the admin uses it for models
    without richer rules (gateways).
    """
    if not validated:
        _validate(instance)
    fields = AUDITED_FIELDS[type(instance)]
    with transaction.atomic():
        instance.save(force_insert=True)
        record_event(
            instance, AuditEntry.Event.CREATE, actor, _diff({}, _snapshot(instance, fields))
        )
    return instance


def update_record(instance: ModelT, changes: dict[str, Any], *, actor: Actor) -> ModelT:
    """Apply ``changes`` (field name to value), validate, save and audit what really changed.

    On a validation error the instance is restored and nothing is written.
    """
    fields = AUDITED_FIELDS[type(instance)]
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"Not updatable: {', '.join(sorted(unknown))}")
    before = _snapshot(instance, fields)
    for field, value in changes.items():
        setattr(instance, field, value)
    try:
        _validate(instance)
    except ValidationError:
        for field in changes:
            model_field = instance._meta.get_field(field)
            setattr(instance, model_field.attname, before[field])
            if model_field.is_relation and model_field.is_cached(instance):
                # Drop the cached related object so it is reloaded from the restored id.
                model_field.delete_cached_value(instance)
        raise
    diff = _diff(before, _snapshot(instance, fields))
    if diff:
        with transaction.atomic():
            instance.save()
            record_event(instance, AuditEntry.Event.UPDATE, actor, diff)
    return instance


def delete_record(instance: models.Model, *, actor: Actor) -> None:
    """Delete a record and audit it; refuse with :class:`RecordLocked` if history depends on it."""
    resource_id = instance.pk
    try:
        with transaction.atomic():
            snapshot = _snapshot(instance, AUDITED_FIELDS[type(instance)])
            instance.delete()
            instance.pk = resource_id
            record_event(instance, AuditEntry.Event.DESTROY, actor, _diff(snapshot, {}))
    except models.ProtectedError as exc:
        instance.pk = resource_id
        raise RecordLocked(
            _("This record cannot be deleted: payment history depends on it.")
        ) from exc


# --- customers -----------------------------------------------------------------------------


def _sync_user(customer: Customer, password: str | None) -> None:
    """Create or update the Django user behind a customer so they can log in."""
    if not password:
        return
    user_model = get_user_model()
    user = customer.user
    if user is None and user_model._default_manager.filter(email__iexact=customer.email).exists():
        # Never set the password of an account this customer is not linked to (takeover).
        raise ValidationError(
            {
                "email": ValidationError(
                    _("an account with this email already exists; sign in instead"), code="taken"
                )
            }
        )
    if user is None:
        user = user_model(email=customer.email)
        username_field = user_model.USERNAME_FIELD
        if username_field != "email":
            setattr(user, username_field, customer.email)
    user.set_password(password)
    user.save()
    customer.user = user


def create_customer(
    *,
    mode: str,
    email: str,
    password: str | None = None,
    user: Any = None,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> Customer:
    """Create a customer; with ``password``, also the user account they log in with."""
    customer = Customer(
        mode=mode,
        email=(email or "").strip().lower(),
        user=user,
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    _validate_password(password)
    with transaction.atomic():
        _validate(customer)
        _sync_user(customer, password)
        return create_record(customer, actor=actor)


def _validate_password(password: str | None) -> None:
    if password is not None and len(password) < 8:
        raise ValidationError(
            {"password": ValidationError(_("must be at least 8 characters"), code="too_short")}
        )


def update_customer(
    customer: Customer, changes: dict[str, Any], *, actor: Actor = SYSTEM
) -> Customer:
    """Update a customer; a ``password`` change updates the linked user account."""
    changes = dict(changes)
    password = changes.pop("password", None)
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    _validate_password(password)
    with transaction.atomic():
        update_record(customer, changes, actor=actor)
        if "email" in changes and customer.user_id:
            _sync_user_email(customer)
        if password:
            previous_user_id = customer.user_id
            _sync_user(customer, password)
            if customer.user_id != previous_user_id:
                Customer.objects.filter(pk=customer.pk).update(user=customer.user)
                record_event(
                    customer,
                    AuditEntry.Event.UPDATE,
                    actor,
                    {"user": [previous_user_id, customer.user_id]},
                )
    return customer


def _sync_user_email(customer: Customer) -> None:
    """Keep the linked user's login email (and an email-shaped username) equal to the customer's."""
    user = customer.user
    if user.email.lower() == customer.email:
        return
    user_model = type(user)
    if (
        user_model._default_manager.filter(email__iexact=customer.email)
        .exclude(pk=user.pk)
        .exists()
    ):
        raise ValidationError(
            {"email": ValidationError(_("is already used by another account"), code="taken")}
        )
    previous = user.email
    user.email = customer.email
    fields = ["email"]
    username_field = user_model.USERNAME_FIELD
    if username_field != "email" and getattr(user, username_field) == previous:
        setattr(user, username_field, customer.email)
        fields.append(username_field)
    user.save(update_fields=fields)


def delete_customer(customer: Customer, *, actor: Actor = SYSTEM) -> None:
    """Delete a customer without orders; their saved sources go with them."""
    with transaction.atomic():
        if customer.orders.exists():
            raise RecordLocked(_("This customer has orders and cannot be deleted."))
        for source in customer.customer_payment_sources.all():
            delete_record(source, actor=actor)
        delete_record(customer, actor=actor)


def customer_for_user(user: Any, mode: str, *, create: bool = True) -> Customer | None:
    """The wallet customer of a Django user in ``mode``, created from their email if missing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    customer = Customer.objects.filter(user=user, mode=mode).first()
    if customer or not create:
        return customer
    existing = Customer.objects.filter(email__iexact=user.email, mode=mode, user=None).first()
    if existing:
        return update_record(existing, {"user": user}, actor=actor_for_user(user))
    try:
        return create_customer(mode=mode, email=user.email, user=user, actor=actor_for_user(user))
    except IntegrityError:  # a concurrent request created it
        return Customer.objects.get(user=user, mode=mode)


# --- orders --------------------------------------------------------------------------------


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
    currency_code: str,
    total_amount_cents: int,
    customer: Customer | None = None,
    payment_gateway: PaymentGateway | None = None,
    number: str | None = None,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> Order:
    """Create a draft order awaiting payment; without a gateway it takes the mode's default."""
    order = Order(
        mode=mode,
        number=number or _next_order_number(mode),
        currency_code=(currency_code or "").upper(),
        total_amount_cents=total_amount_cents,
        customer=customer,
        payment_gateway=payment_gateway or default_gateway(mode),
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    return create_record(order, actor=actor)


def update_order(order: Order, changes: dict[str, Any], *, actor: Actor = SYSTEM) -> Order:
    """Update an order's editable fields.

    A customer acting for themselves may not reprice their order: the amount and currency are
    the shop's (an integration's) to set.
    """
    if actor.owner_type == "customer":
        for field in ("total_amount_cents", "currency_code"):
            if field in changes and changes[field] != getattr(order, field):
                raise ValidationError(
                    {field: _("can't be changed by the customer")}, code="readonly"
                )
    if changes.get("currency_code"):
        changes = {**changes, "currency_code": changes["currency_code"].upper()}
    return update_record(order, changes, actor=actor)


def delete_order(order: Order, *, actor: Actor = SYSTEM) -> None:
    """Delete an order that has no payments."""
    delete_record(order, actor=actor)


# --- external payments ---------------------------------------------------------------------


def create_external_payment(
    *,
    order: Order,
    payment_source_token: str,
    options: dict[str, Any] | None = None,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    wallet: CustomerPaymentSource | None = None,
    actor: Actor = SYSTEM,
) -> ExternalPayment:
    """Create an external payment on ``order``; the order's gateway describes the instrument."""
    payment = ExternalPayment(
        mode=order.mode,
        order=order,
        payment_gateway=order.payment_gateway,
        wallet=wallet,
        payment_source_token=payment_source_token,
        options=options if options is not None else {},
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    _validate(payment)
    payment.payment_instrument = _describe(payment) or (
        dict(wallet.payment_instrument or {}) if wallet is not None else {}
    )
    return create_record(payment, actor=actor, validated=True)


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


# --- customer payment sources --------------------------------------------------------------


def _lock_customer(customer_id: str) -> None:
    """Serialize wallet writes of one customer (a row lock on PostgreSQL)."""
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))


def create_payment_source(
    *,
    customer: Customer,
    payment_source_token: str,
    customer_token: str = "",
    payment_source: ExternalPayment | None = None,
    is_default: bool = False,
    reference: str = "",
    reference_origin: str = "",
    metadata: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> CustomerPaymentSource:
    """Save a payment source in a customer's wallet; the first one becomes the default.

    A customer acting for themselves (``actor.owner_type == "customer"``) saves only a card they
    paid with: ``payment_source`` is required and must be a payment on one of their orders.
    """
    if actor.owner_type == "customer":
        _require_own_payment(customer, payment_source, actor)
    source = CustomerPaymentSource(
        mode=customer.mode,
        customer=customer,
        payment_source=payment_source,
        customer_token=customer_token,
        payment_source_token=payment_source_token,
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    if payment_source is not None:
        source.payment_instrument = dict(payment_source.payment_instrument or {})
        source.fingerprint = str(source.payment_instrument.get("fingerprint") or "")[:64]
    with transaction.atomic():
        _lock_customer(customer.pk)
        if source.fingerprint:
            duplicate = CustomerPaymentSource.objects.filter(
                customer=customer, mode=customer.mode, fingerprint=source.fingerprint
            ).first()
            if duplicate:
                raise ValidationError(
                    {
                        "payment_source": ValidationError(
                            _("this card is already saved in the wallet"), code="taken"
                        )
                    }
                )
        has_default = CustomerPaymentSource.objects.filter(
            customer=customer, mode=customer.mode, is_default=True
        ).exists()
        source.is_default = not has_default
        create_record(source, actor=actor)
        if is_default and has_default:
            # Moves the default through the audited path, so the old default's change is logged.
            set_default_payment_source(source, actor=actor)
        return source


def _require_own_payment(
    customer: Customer, payment_source: ExternalPayment | None, actor: Actor
) -> None:
    if customer.pk != actor.owner_id:
        raise ValidationError({"customer": ValidationError(_("must be yourself"), code="invalid")})
    if payment_source is None:
        raise ValidationError(
            {"payment_source": ValidationError(_("can't be blank"), code="blank")}
        )
    if payment_source.order.customer_id != actor.owner_id or payment_source.mode != customer.mode:
        raise ValidationError(
            {
                "payment_source": ValidationError(
                    _("must be a payment on one of your orders"), code="invalid"
                )
            }
        )


def update_payment_source(
    source: CustomerPaymentSource, changes: dict[str, Any], *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Update a saved source; ``is_default=True`` moves the default to it atomically."""
    changes = dict(changes)
    make_default = changes.pop("is_default", None)
    if "payment_source" in changes:
        new_source = changes["payment_source"]
        instrument = dict(new_source.payment_instrument or {}) if new_source else {}
        changes["payment_instrument"] = instrument
    with transaction.atomic():
        if "payment_instrument" in changes:
            _lock_customer(source.customer_id)
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
                    {"payment_source": _("this card is already saved in the wallet")},
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


def _is_expired(source: CustomerPaymentSource) -> bool:
    instrument = source.payment_instrument or {}
    state = card_state(
        instrument.get("card_expiry_month"),
        instrument.get("card_expiry_year"),
        today=timezone.now().date(),
    )
    return state == EXPIRED


def set_default_payment_source(
    source: CustomerPaymentSource, *, actor: Actor = SYSTEM
) -> CustomerPaymentSource:
    """Make ``source`` its customer's only default, atomically and safe under concurrency.

    An expired card cannot become the default.
    """
    if _is_expired(source):
        raise ValidationError(
            {
                "is_default": ValidationError(
                    _("an expired card cannot be the default"), code="expired"
                )
            }
        )
    with transaction.atomic():
        _lock_customer(source.customer_id)
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


def delete_payment_source(source: CustomerPaymentSource, *, actor: Actor = SYSTEM) -> None:
    """Remove a saved source; if it was the default, the most recently used remaining one is."""
    with transaction.atomic():
        _lock_customer(source.customer_id)
        was_default = CustomerPaymentSource.objects.filter(pk=source.pk, is_default=True).exists()
        delete_record(source, actor=actor)
        if was_default:
            remaining = CustomerPaymentSource.objects.filter(
                customer_id=source.customer_id, mode=source.mode
            ).order_by(F("last_used_at").desc(nulls_last=True), "-created_at")
            successor = next((card for card in remaining if not _is_expired(card)), None)
            if successor:
                set_default_payment_source(successor, actor=actor)


def save_payment_to_wallet(
    payment: ExternalPayment, *, actor: Actor = SYSTEM, make_default: bool = False
) -> CustomerPaymentSource:
    """Save an external payment's card to its order customer's wallet.

    Creates a source from the payment (tokens and instrument copied, ``payment.wallet`` linked).
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
        _lock_customer(customer.pk)
        existing = None
        if fingerprint:
            existing = CustomerPaymentSource.objects.filter(
                customer=customer, mode=customer.mode, fingerprint=fingerprint
            ).first()
        if existing is None and payment.wallet_id:
            existing = CustomerPaymentSource.objects.filter(pk=payment.wallet_id).first()
        if existing is not None:
            source = update_record(
                existing,
                {
                    "payment_source": payment,
                    "payment_source_token": payment.payment_source_token,
                    "payment_instrument": instrument,
                },
                actor=actor,
            )
        else:
            has_default = CustomerPaymentSource.objects.filter(
                customer=customer, mode=customer.mode, is_default=True
            ).exists()
            source = CustomerPaymentSource(
                mode=customer.mode,
                customer=customer,
                payment_source=payment,
                payment_source_token=payment.payment_source_token,
                customer_token=str(payment.options.get("customer_token") or ""),
                payment_instrument=instrument,
                fingerprint=fingerprint,
                is_default=not has_default,
            )
            create_record(source, actor=actor)
        if make_default and not source.is_default:
            set_default_payment_source(source, actor=actor)
        if payment.wallet_id != source.pk:
            update_record(payment, {"wallet": source}, actor=actor)
        record_event(
            source, AuditEntry.Event.SAVED_TO_WALLET, actor, {"payment": [None, payment.pk]}
        )
    return source


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
    if _is_expired(source):
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


def place_order(order: Order, *, actor: Actor = SYSTEM) -> Transaction:
    """Authorize the order's latest payment through its gateway and place the order.

    Exactly-once: the order row is locked, and an order that is no longer payable is refused,
    so a double submission never authorizes twice. A decline records a failed transaction,
    leaves the order unpaid and raises :class:`PaymentDeclined`.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _require_payable(locked)
        payment = locked.external_payments.order_by("-created_at").first()
        if payment is None:
            raise ValidationError(
                {
                    "external_payments": ValidationError(
                        _("the order has no payment to authorize"), code="blank"
                    )
                }
            )
        if locked.payment_gateway is not None and locked.payment_gateway.disabled_at:
            raise ValidationError(
                {"payment_gateway": ValidationError(_("is disabled"), code="disabled")}
            )
        try:
            result = gateway_for(locked.payment_gateway).authorize(
                payment.payment_source_token, locked.total_amount_cents, locked.currency_code
            )
        except GatewayUnavailable as exc:
            raise GatewayDown(str(exc)) from exc
        authorization = Transaction.objects.create(
            mode=locked.mode,
            payment=payment,
            kind=Transaction.Kind.AUTHORIZATION,
            succeeded=result.succeeded,
            amount_cents=locked.total_amount_cents,
            currency_code=locked.currency_code,
            token=result.token,
            message=result.message[:255],
        )
        if not result.succeeded:
            record_event(
                payment, AuditEntry.Event.DECLINED, actor, {"message": [None, result.message]}
            )
        else:
            # Placed while the row lock is still held, so a concurrent call sees it not payable.
            _mark_placed(locked, payment, authorization, actor)
    if not result.succeeded:
        raise PaymentDeclined(result.message or str(_("The payment was declined.")))
    order.refresh_from_db()
    return authorization


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
) -> Transaction:
    """Pay an order with a saved card and place it: the storefront's one-click path."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _require_payable(locked)
        pay_order_with_source(locked, source, actor=actor)
    return place_order(order, actor=actor)


def checkout_with_token(
    order: Order,
    payment_source_token: str,
    *,
    options: dict[str, Any] | None = None,
    save_to_wallet: bool = False,
    actor: Actor = SYSTEM,
) -> Transaction:
    """Pay an order with a new card's gateway token; save it after a successful authorization."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _require_payable(locked)
        _replace_pending_payments(locked, actor)
        payment = create_external_payment(
            order=locked, payment_source_token=payment_source_token, options=options, actor=actor
        )
    authorization = place_order(order, actor=actor)
    if save_to_wallet:
        payment.refresh_from_db()
        save_payment_to_wallet(payment, actor=actor)
    return authorization
