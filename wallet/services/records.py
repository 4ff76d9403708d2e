"""Generic writes: validate, insert, update, delete one record, audited; races answer taken."""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from wallet.audit import (
    AUDITED_FIELDS,
    Actor,
    audit_diff,
    audit_snapshot,
    concrete_field,
    record_event,
)
from wallet.exceptions import RecordLocked
from wallet.instruments import CARD_COLUMNS, card_columns
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
    WalletModel,
)

ModelT = TypeVar("ModelT", bound=WalletModel)


def _check_same_mode(instance: WalletModel, relations: Iterable[str]) -> None:
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


RELATIONS: dict[type[WalletModel], tuple[str, ...]] = {
    Customer: (),
    Order: ("customer", "payment_gateway", "payment_method", "payment_source"),
    PaymentGateway: (),
    PaymentMethod: ("payment_gateway",),
    ExternalPayment: ("order", "payment_gateway", "saved_source"),
    CustomerPaymentSource: ("customer", "payment"),
}


def validate_record(instance: WalletModel) -> None:
    """Run the model's validation (fields, validators, constraints) and the same-mode rule."""
    _check_same_mode(instance, RELATIONS[type(instance)])
    # Related rows already loaded need no existence query, and a generated random id no
    # uniqueness query: the database's foreign keys and primary key still guard the write.
    skip = ["id"] if instance._state.adding else []
    for field in instance._meta.concrete_fields:
        # ForeignKey (OneToOneField included): the only concrete relation fields.
        if isinstance(field, models.ForeignKey) and field.is_cached(instance):
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


def _unique_constraints(model: type[models.Model]) -> list[tuple[str, set[str | None], str]]:
    """``(name, columns, field)`` of every unique constraint and unique field of ``model``."""
    table = model._meta.db_table
    found = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            fields = list(constraint.fields)
            columns = {concrete_field(model, name).column for name in fields}
            field = UNIQUE_CONSTRAINT_FIELDS.get(
                constraint.name, next((name for name in fields if name != "mode"), fields[0])
            )
            found.append((constraint.name, columns, field))
    for model_field in model._meta.concrete_fields:
        if model_field.unique:
            suffix = "pkey" if model_field.primary_key else f"{model_field.column}_key"
            found.append((f"{table}_{suffix}", {model_field.column}, model_field.name))
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


def _saved_card_columns(source: CustomerPaymentSource) -> dict[str, Any]:
    """A saved source's card columns, from its payment instrument."""
    return dict(zip(CARD_COLUMNS, card_columns(source.payment_instrument), strict=True))


# The columns a model keeps from its other fields, one function per model; every create and
# update fills them, whichever caller (service, admin) writes.
DERIVED_COLUMNS: dict[type[models.Model], Callable[[Any], dict[str, Any]]] = {
    CustomerPaymentSource: _saved_card_columns,
}


def keep_derived_columns(instance: models.Model) -> None:
    """Fill the columns ``instance`` keeps from its other fields (:data:`DERIVED_COLUMNS`)."""
    derive = DERIVED_COLUMNS.get(type(instance))
    if derive is not None:
        for column, value in derive(instance).items():
            setattr(instance, column, value)


def create_record(instance: ModelT, *, actor: Actor, validated: bool = False) -> ModelT:
    """Validate (unless the caller just did) and insert a new record, and audit its creation.

    The building block of the specific ``create_*`` services; the admin uses it for models
    without richer rules (gateways). A concurrent write that takes a unique value first makes
    this one a ``ValidationError`` (``taken``) naming the field; the insert is rolled back to
    its savepoint, so a caller's transaction stays usable.
    """
    if not validated:
        validate_record(instance)
    fields = AUDITED_FIELDS[type(instance)]
    keep_derived_columns(instance)
    try:
        with transaction.atomic():  # a savepoint inside a caller's transaction
            instance.save(force_insert=True)
            record_event(
                instance,
                AuditEntry.Event.CREATE,
                actor,
                audit_diff({}, audit_snapshot(instance, fields)),
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
        model_field = concrete_field(type(instance), field)
        setattr(instance, model_field.attname, before[field])
        if isinstance(model_field, models.ForeignKey) and model_field.is_cached(instance):
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
    before = audit_snapshot(instance, fields)
    for field, value in changes.items():
        setattr(instance, field, value)
    keep_derived_columns(instance)
    try:
        validate_record(instance)
    except ValidationError:
        _restore(instance, changes, before)
        raise
    diff = audit_diff(before, audit_snapshot(instance, fields))
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
            snapshot = audit_snapshot(instance, AUDITED_FIELDS[type(instance)])
            instance.delete()
            instance.pk = resource_id
            record_event(instance, AuditEntry.Event.DESTROY, actor, audit_diff(snapshot, {}))
    except models.ProtectedError as exc:
        instance.pk = resource_id
        raise RecordLocked(
            _("This record cannot be deleted: payment history depends on it.")
        ) from exc


def lock_customer(customer_id: str) -> None:
    """Serialize wallet writes of one customer (a row lock on PostgreSQL)."""
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))
