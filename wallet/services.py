"""Every write of the wallet: create, update, delete, set default, save to wallet, pay.

Each service validates (model validators included), writes inside a transaction, and records one
audit entry per change with who made it. Callers (API, views, admin, commands) hold no business
rules: they translate input, call a service and present its result or its error.
"""

import datetime
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from wallet import gateway_customers, selectors
from wallet.cards import EXPIRED, card_state
from wallet.conf import wallet_settings
from wallet.crypto import EncryptedTextField
from wallet.gateways import (
    Gateway,
    GatewayNotUsable,
    GatewayResult,
    GatewayUnavailable,
    InstrumentRefused,
    SavedInstrument,
    gateway_for,
)
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
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
    PaymentMethod: "payment_methods",
}
# Fields whose values never enter the audit log in full: every field encrypted at rest.
SECRET_FIELDS = {"shared_secret"} | {
    field.name
    for model in RESOURCE_TYPES
    for field in model._meta.concrete_fields
    if isinstance(field, EncryptedTextField)
}


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


@dataclass(frozen=True)
class DeclinedAttempt:
    """What a refused gateway operation was tried with: kept after its transaction rolls back."""

    order_id: str
    payment_id: str
    mode: str
    amount_cents: int
    currency_code: str
    token: str
    message: str
    kind: str = Transaction.Kind.AUTHORIZATION


class PaymentDeclined(WalletError):
    """The gateway declined the payment; the order stays unpaid."""

    code = "declined"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        attempt: DeclinedAttempt | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.attempt = attempt
        # What the gateway said, for clients: ``{"decline_code": "insufficient_funds"}``.
        self.meta = dict(meta or {})


class OrderNotPayable(WalletError):
    """The order is no longer awaiting a payment."""

    code = "not_payable"


class PaymentStateConflict(WalletError):
    """The order's payment is not in a state that allows the operation (capture, void, refund)."""

    code = "invalid_state"


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


# What a payment method is made of: what creates take, what updates change, what is audited.
PAYMENT_METHOD_FIELDS = (
    "name",
    "payment_source_type",
    "payment_gateway",
    "currency_code",
    "moto",
    "require_capture",
    "auto_place",
    "auto_capture",
    "price_amount_cents",
    "disabled_at",
    "reference",
    "reference_origin",
    "metadata",
)

AUDITED_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    PaymentMethod: PAYMENT_METHOD_FIELDS,
    Customer: ("email", "user", "status", "reference", "reference_origin", "metadata"),
    Order: (
        "number",
        "customer",
        "customer_email",
        "payment_method",
        "payment_gateway",
        "payment_source",
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
        "secret_key",
        "publishable_key",
        "webhook_secret",
        "api_base",
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
    Order: ("customer", "payment_gateway", "payment_method", "payment_source"),
    PaymentGateway: (),
    PaymentMethod: ("payment_gateway",),
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


# Unique constraints whose ``taken`` error names another field than their first non-mode one.
UNIQUE_CONSTRAINT_FIELDS = {
    "wallet_cps_one_default_per_customer": "is_default",
    "wallet_cps_one_per_card": "payment_source_token",
}
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def _unique_constraints(model: type[models.Model]) -> list[tuple[str, set[str], str]]:
    """``(name, columns, field)`` of every unique constraint and unique field of ``model``."""
    table = model._meta.db_table
    found = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            fields = list(constraint.fields)
            columns = {model._meta.get_field(name).column for name in fields}
            field = UNIQUE_CONSTRAINT_FIELDS.get(
                constraint.name, next((name for name in fields if name != "mode"), fields[0])
            )
            found.append((constraint.name, columns, field))
    for field in model._meta.concrete_fields:
        if field.unique:
            suffix = "pkey" if field.primary_key else f"{field.column}_key"
            found.append((f"{table}_{suffix}", {field.column}, field.name))
    return found


def taken_error(instance: models.Model, exc: IntegrityError) -> ValidationError | None:
    """The ``taken`` validation error of a unique constraint ``exc`` broke, naming its field.

    A concurrent write can pass validation and still hit the constraint; it is the client's
    error (422 ``taken``), not the server's. ``None`` when ``exc`` is another integrity error.
    The constraint is read from PostgreSQL's diagnostics or SQLite's message.
    """
    model = type(instance)
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    message = str(exc)
    columns: set[str] = set()
    if name is None and message.startswith(_SQLITE_UNIQUE):
        detail = message[len(_SQLITE_UNIQUE) :].strip()
        if detail.startswith("index "):
            name = detail[len("index ") :].strip("'\"")
        else:
            columns = {part.strip().rpartition(".")[2] for part in detail.split(",")}
    for constraint, constraint_columns, field in _unique_constraints(model):
        if (name is not None and name == constraint) or (columns and columns == constraint_columns):
            return ValidationError(
                {field: ValidationError(_("has already been taken"), code="taken")}
            )
    return None


def create_record(instance: ModelT, *, actor: Actor, validated: bool = False) -> ModelT:
    """Validate (unless the caller just did) and insert a new record, and audit its creation.

    The building block of the specific ``create_*`` services; the admin uses it for models
    without richer rules (gateways). A concurrent write that takes a unique value first makes
    this one a ``ValidationError`` (``taken``) naming the field; the insert is rolled back to
    its savepoint, so a caller's transaction stays usable.
    """
    if not validated:
        _validate(instance)
    fields = AUDITED_FIELDS[type(instance)]
    try:
        with transaction.atomic():  # a savepoint inside a caller's transaction
            instance.save(force_insert=True)
            record_event(
                instance, AuditEntry.Event.CREATE, actor, _diff({}, _snapshot(instance, fields))
            )
    except IntegrityError as exc:
        taken = taken_error(instance, exc)
        if taken is None:
            raise
        raise taken from exc
    return instance


def _restore(instance: models.Model, changes: dict[str, Any], before: dict[str, Any]) -> None:
    """Put back the values ``changes`` overwrote on ``instance`` (nothing was written)."""
    for field in changes:
        model_field = instance._meta.get_field(field)
        setattr(instance, model_field.attname, before[field])
        if model_field.is_relation and model_field.is_cached(instance):
            # Drop the cached related object so it is reloaded from the restored id.
            model_field.delete_cached_value(instance)


def update_record(instance: ModelT, changes: dict[str, Any], *, actor: Actor) -> ModelT:
    """Apply ``changes`` (field name to value), validate, save and audit what really changed.

    On a validation error the instance is restored and nothing is written; a unique value a
    concurrent write took first is such an error (``taken``), as in :func:`create_record`.
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
        _restore(instance, changes, before)
        raise
    diff = _diff(before, _snapshot(instance, fields))
    if diff:
        try:
            with transaction.atomic():  # a savepoint inside a caller's transaction
                instance.save()
                record_event(instance, AuditEntry.Event.UPDATE, actor, diff)
        except IntegrityError as exc:
            taken = taken_error(instance, exc)
            if taken is None:
                raise
            _restore(instance, changes, before)
            raise taken from exc
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

TAKEN_ACCOUNT = _("an account with this email already exists; sign in instead")
PROTECTED_ACCOUNT = _(
    "can't be changed through the wallet: the wallet did not create this account for this customer"
)


def _new_user(email: str, password: str) -> Any:
    """Create the login of a new customer; ``taken`` if the email already has an account.

    The insert runs in a savepoint: a concurrent signup with the same email that wins the race
    (the username's unique index) is a validation error, never a server error.
    """
    user_model = get_user_model()
    taken = ValidationError({"email": ValidationError(TAKEN_ACCOUNT, code="taken")})
    if user_model._default_manager.filter(email__iexact=email).exists():
        # Never set the password of an account this customer is not linked to (takeover).
        raise taken
    user = user_model(email=email)
    username_field = user_model.USERNAME_FIELD
    if username_field != "email":
        setattr(user, username_field, email)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise taken from exc
    return user


def _check_account_writable(customer: Customer, attribute: str) -> None:
    """Refuse to change the login of a customer unless the wallet created it for them.

    Django users are shared by both modes and by the shop itself: the wallet never changes the
    password or email of a staff or superuser account, of a user linked to another customer
    (the other mode's), or of a user it did not create for this very customer.
    """
    user = customer.user
    if user is None:
        return
    linked_elsewhere = Customer.objects.filter(user_id=user.pk).exclude(pk=customer.pk).exists()
    if (
        user.is_staff
        or user.is_superuser
        or not customer.user_created_by_wallet
        or linked_elsewhere
    ):
        raise ValidationError({attribute: ValidationError(PROTECTED_ACCOUNT, code="protected")})


def _check_current_password(customer: Customer, current_password: str | None) -> None:
    """A customer changes their own password only with proof of the current one."""
    if not current_password:
        raise ValidationError(
            {"current_password": ValidationError(_("can't be blank"), code="blank")}
        )
    if customer.user is None or not customer.user.check_password(current_password):
        raise ValidationError(
            {"current_password": ValidationError(_("is incorrect"), code="invalid")}
        )


def _revoke_other_credentials(
    user: Any, *, keep_token_id: int | None = None, keep_session_key: str | None = None
) -> None:
    """After a password change: delete the user's other API tokens, keep the current session.

    Other sessions die by themselves: Django checks each session's password hash on every
    request, and the new password changed it. The session that made the change (if any) gets
    the new hash so it stays signed in.
    """
    refresh_tokens = get_refresh_token_model().objects.filter(user=user)
    access_tokens = get_access_token_model().objects.filter(user=user)
    if keep_token_id is not None:
        refresh_tokens = refresh_tokens.exclude(access_token_id=keep_token_id)
        access_tokens = access_tokens.exclude(pk=keep_token_id)
    refresh_tokens.delete()
    access_tokens.delete()
    if keep_session_key:
        session = import_module(settings.SESSION_ENGINE).SessionStore(keep_session_key)
        if session.get(SESSION_KEY) == user._meta.pk.value_to_string(user):
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()


def _sync_user(customer: Customer, password: str | None) -> bool:
    """Create or update the Django user behind a customer so they can log in.

    Returns whether a new user was created (and linked to ``customer``, unsaved).
    """
    if not password:
        return False
    if customer.user is None:
        customer.user = _new_user(customer.email, password)
        customer.user_created_by_wallet = True
        return True
    _check_account_writable(customer, "password")
    customer.user.set_password(password)
    customer.user.save(update_fields=["password"])
    return False


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
    """Create a customer; with ``password``, also the user account they log in with.

    A password is only ever set on a user the wallet creates here: with ``user`` given (an
    account the shop already has), a password is refused. Concurrent creations with one email
    end in one customer and ``taken`` errors, never a server error.
    """
    customer = Customer(
        mode=mode,
        email=(email or "").strip().lower(),
        user=user,
        reference=reference,
        reference_origin=reference_origin,
        metadata=metadata if metadata is not None else {},
    )
    _validate_password(password)
    try:
        with transaction.atomic():
            _validate(customer)
            _sync_user(customer, password)
            return create_record(customer, actor=actor)
    except IntegrityError as exc:  # a concurrent creation won the race for this email or user
        raise ValidationError(
            {"email": ValidationError(_("has already been taken"), code="taken")}
        ) from exc


def _validate_password(password: str | None) -> None:
    if password is not None and len(password) < 8:
        raise ValidationError(
            {"password": ValidationError(_("must be at least 8 characters"), code="too_short")}
        )


def update_customer(
    customer: Customer,
    changes: dict[str, Any],
    *,
    actor: Actor = SYSTEM,
    keep_token_id: int | None = None,
    keep_session_key: str | None = None,
) -> Customer:
    """Update a customer; a ``password`` change updates the linked user account.

    Only a login the wallet created for this customer has its password or email changed
    (``protected`` otherwise). A customer acting for themselves must give ``current_password``.
    A password change revokes the user's API tokens and sessions except the caller's own
    (``keep_token_id``, ``keep_session_key``).
    """
    changes = dict(changes)
    password = changes.pop("password", None)
    current_password = changes.pop("current_password", None)
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    _validate_password(password)
    if password and actor.owner_type == "customer":
        _check_current_password(customer, current_password)
    previous_user_id = customer.user_id
    with transaction.atomic():
        update_record(customer, changes, actor=actor)
        if customer.user_id != previous_user_id and customer.user_created_by_wallet:
            # Linked to another account: the wallet did not create that one.
            customer.user_created_by_wallet = False
            Customer.objects.filter(pk=customer.pk).update(user_created_by_wallet=False)
        if "email" in changes and customer.user_id:
            _sync_user_email(customer)
        if password:
            linked_user_id = customer.user_id
            if _sync_user(customer, password):
                Customer.objects.filter(pk=customer.pk).update(
                    user=customer.user, user_created_by_wallet=True
                )
                record_event(
                    customer,
                    AuditEntry.Event.UPDATE,
                    actor,
                    {"user": [linked_user_id, customer.user_id]},
                )
            else:
                _revoke_other_credentials(
                    customer.user, keep_token_id=keep_token_id, keep_session_key=keep_session_key
                )
    return customer


def _sync_user_email(customer: Customer) -> None:
    """Keep the linked user's login email (and an email-shaped username) equal to the customer's."""
    user = customer.user
    if user.email.lower() == customer.email:
        return
    _check_account_writable(customer, "email")
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
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
    except IntegrityError as exc:  # a concurrent signup took the email
        raise ValidationError(
            {"email": ValidationError(_("is already used by another account"), code="taken")}
        ) from exc


def delete_customer(customer: Customer, *, actor: Actor = SYSTEM) -> None:
    """Delete a customer without orders; their saved sources go with them."""
    with transaction.atomic():
        if customer.orders.exists():
            raise RecordLocked(_("This customer has orders and cannot be deleted."))
        for source in customer.customer_payment_sources.all():
            delete_record(source, actor=actor)
        delete_record(customer, actor=actor)


def _may_link_by_email(user: Any) -> bool:
    """Whether the shop's ``LINK_CUSTOMERS_BY_VERIFIED_EMAIL`` hook vouches for the user's email."""
    hook = wallet_settings.LINK_CUSTOMERS_BY_VERIFIED_EMAIL
    if not hook:
        return False
    if isinstance(hook, str):
        hook = import_string(hook)
    return bool(hook(user))


def ensure_customer_for_user(user: Any, mode: str) -> Customer:
    """The wallet customer of a logged-in user in ``mode``, created on their first write.

    Write paths only (paying, saving a card, an API session's write); reads use
    :func:`wallet.selectors.customer_of_user`, which never writes. A user is never linked to an
    existing customer by email, unless the shop's ``LINK_CUSTOMERS_BY_VERIFIED_EMAIL`` hook
    says the user's email is verified: otherwise a new customer is created with the user's
    email (``taken`` when another customer already has it).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        raise ValueError("ensure_customer_for_user needs a logged-in user")
    customer = Customer.objects.filter(user=user, mode=mode).first()
    if customer is not None:
        return customer
    actor = actor_for_user(user)
    with transaction.atomic():
        if user.email and _may_link_by_email(user):
            existing = (
                Customer.objects.select_for_update()
                .filter(email__iexact=user.email, mode=mode, user=None)
                .first()
            )
            if existing is not None:
                return update_record(existing, {"user": user}, actor=actor)
    try:
        return create_customer(mode=mode, email=user.email, user=user, actor=actor)
    except ValidationError:
        # A concurrent request created it; anything else (email taken) is the caller's error.
        customer = Customer.objects.filter(user=user, mode=mode).first()
        if customer is None:
            raise
        return customer


def customer_for_user(user: Any, mode: str, *, create: bool = True) -> Customer | None:
    """The wallet customer of a user: created (a write) with ``create``, else read only.

    Kept for callers of earlier versions; new code calls
    :func:`wallet.selectors.customer_of_user` on reads and :func:`ensure_customer_for_user` on
    writes.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not create:
        return Customer.objects.filter(user=user, mode=mode).first()
    return ensure_customer_for_user(user, mode)


# --- gateway secrets -----------------------------------------------------------------------


def reencrypt_gateway_secrets() -> int:
    """Re-encrypt every stored gateway secret with the first of ``WALLET["SECRET_KEYS"]``.

    The step of a key rotation between adding the new key first and dropping the old one.
    The secrets themselves do not change, so nothing is audited. Returns how many were rewritten.
    """
    count = 0
    encrypted = [
        field.name
        for field in PaymentGateway._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
    with transaction.atomic():
        rows = PaymentGateway.objects.select_for_update().values_list("pk", *encrypted)
        for pk, *values in rows:
            for name, secret in zip(encrypted, values, strict=True):
                if secret:
                    PaymentGateway.objects.filter(pk=pk).update(**{name: secret})
                    count += 1
    return count


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
    default. A customer's order carries the customer's email. A customer creating their own
    order sets neither its total nor its gateway: what is charged is the shop's to set.
    """
    if actor.owner_type == "customer":
        _refuse_customer_repricing(
            Order(total_amount_cents=0, payment_gateway=None),
            {"total_amount_cents": total_amount_cents or 0, "payment_gateway": payment_gateway},
        )
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
        if new != _field_value(order, field):
            raise ValidationError(
                {field: ValidationError(_("can't be changed by the customer"), code="readonly")}
            )


def update_order(order: Order, changes: dict[str, Any], *, actor: Actor = SYSTEM) -> Order:
    """Update an order's editable fields.

    A customer acting for themselves changes neither what is charged nor who charges it
    (:data:`CUSTOMER_READONLY_ORDER_FIELDS`).
    """
    changes = dict(changes)
    if actor.owner_type == "customer":
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
        changes = {**changes, "currency_code": changes["currency_code"].upper()}
    return update_record(order, changes, actor=actor)


# --- payment methods -----------------------------------------------------------------------


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
    Made from a payment (Commerce Layer's call: ``customer`` and ``payment_source``, no
    attributes), a token not given is the payment's; without a payment it is required.
    """
    if actor.owner_type == "customer":
        _require_own_payment(customer, payment_source, actor)
    if payment_source is not None and not payment_source_token:
        payment_source_token = payment_source.payment_source_token
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
        _refuse_saved_twice(source)
        if payment_source is not None:
            # Stripe: the card is attached to the customer's Stripe Customer (made once).
            kept = _keep_in_gateway(payment_source, customer)
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
                "payment_source": ValidationError(
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


def delete_payment_source(
    source: CustomerPaymentSource, *, actor: Actor = SYSTEM, forget: bool = True
) -> None:
    """Remove a saved source; if it was the default, the most recently used remaining one is.

    The gateway that keeps the card stops keeping it (Stripe: the PaymentMethod is detached),
    unless ``forget`` is false (the gateway told us it already did).
    """
    with transaction.atomic():
        _lock_customer(source.customer_id)
        was_default = CustomerPaymentSource.objects.filter(pk=source.pk, is_default=True).exists()
        delete_record(source, actor=actor)
        if forget:
            _forget_in_gateway(source)  # Stripe: detach; unreachable rolls the delete back
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
        kept = _keep_in_gateway(payment, customer)  # Stripe: Customer made once, card attached
        existing = None
        if fingerprint:
            existing = CustomerPaymentSource.objects.filter(
                customer=customer, mode=customer.mode, fingerprint=fingerprint
            ).first()
        if existing is None and payment.wallet_id:
            existing = CustomerPaymentSource.objects.filter(pk=payment.wallet_id).first()
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
                    "payment_source": payment,
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
                payment_source=payment,
                payment_source_token=payment.payment_source_token,
                customer_token=kept.customer_token,
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


# --- the storefront's own wallet writes: add, update, nickname, remove with undo -------------


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

    Only the ``test`` gateway can (Stripe needs a SetupIntent, which it does not offer yet):
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
    state = card_state(
        instrument.get("card_expiry_month"),
        instrument.get("card_expiry_year"),
        today=timezone.now().date(),
    )
    if state == EXPIRED:
        raise ValidationError(
            {"payment_source_token": ValidationError(_("This card has expired."), code="expired")}
        )
    return row, dict(instrument)


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
    default, as does this one with ``make_default``.
    """
    _row, instrument = _card_for_wallet(payment_source_token, holder_name.strip())
    source = CustomerPaymentSource(
        mode=customer.mode,
        customer=customer,
        payment_source_token=payment_source_token,
        payment_instrument=instrument,
        fingerprint=str(instrument.get("fingerprint") or "")[:64],
        nickname=nickname.strip(),
    )
    with transaction.atomic():
        _lock_customer(customer.pk)
        purge_removed_payment_sources(customer=customer, actor=actor)
        _refuse_saved_twice(source)
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
        _lock_customer(source.customer_id)
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
            successor = next((card for card in remaining if not _is_expired(card)), None)
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
        _lock_customer(source.customer_id)
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
        if (make_default or not has_default) and not _is_expired(source):
            set_default_payment_source(source, actor=actor)
    return source


# --- gateways that keep customers (Stripe): the hooks of saving and deleting ---------------


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


def _lock_order(order: Order) -> Order:
    """Lock the order row, then its customer's: the one fixed order every checkout takes."""
    locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if locked.customer_id:
        _lock_customer(locked.customer_id)
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
