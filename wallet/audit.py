"""Who changes what: actors, and the append-only audit log every service write records."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from wallet.crypto import EncryptedTextField
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
)
from wallet.roles import CUSTOMER

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
    return Actor(application_kind=application_kind, owner_id=customer.pk, owner_type=CUSTOMER)


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


def concrete_field(model: type[models.Model], name: str) -> "models.Field[Any, Any]":
    """The model field ``name`` of ``model``: audited fields are concrete, never reverse ones."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a reverse relation, not a model field")
    return field


def field_value(instance: models.Model, field: str) -> Any:
    """The audited value of ``field``: a relation's id, else the attribute itself."""
    model_field = concrete_field(type(instance), field)
    if model_field.is_relation:
        return getattr(instance, model_field.attname)
    return getattr(instance, field)


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited values of ``fields``, taken before and after a change, by recorded name."""
    model = type(instance)
    return {
        RECORDED_NAMES.get((model, field), field): field_value(instance, field) for field in fields
    }


def audit_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` of what changed between two snapshots (secrets masked)."""
    # Union of both sides' fields, so a destroy (``after`` empty) records the old values.
    fields = list(dict.fromkeys([*before, *after]))
    return {
        field: [_audit_value(field, before.get(field)), _audit_value(field, after.get(field))]
        for field in fields
        if before.get(field) != after.get(field)
    }


# What a gateway is configured with (the admin's form lists the same fields).
GATEWAY_FIELDS = (
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
)

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

# Fields whose audit entries (the API's ``versions``) keep the wire name: the log speaks the
# API's language, and entries written before the model fields were renamed stay consistent.
RECORDED_NAMES: dict[tuple[type[models.Model], str], str] = {
    (ExternalPayment, "saved_source"): "wallet",
    (CustomerPaymentSource, "payment"): "payment_source",
}

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
    PaymentGateway: (*GATEWAY_FIELDS, "reference", "reference_origin", "metadata"),
    ExternalPayment: (
        "order",
        "payment_gateway",
        "saved_source",
        "payment_source_token",
        "options",
        "payment_instrument",
        "reference",
        "reference_origin",
        "metadata",
    ),
    CustomerPaymentSource: (
        "customer",
        "payment",
        "customer_token",
        "payment_source_token",
        "is_default",
        "payment_instrument",
        "reference",
        "reference_origin",
        "metadata",
    ),
}
