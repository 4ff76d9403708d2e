"""``payment_methods``: how orders may be paid, each on a gateway."""

from typing import Any

from django.db.models import Model
from django.utils import timezone

from wallet import selectors, services
from wallet.api.access import Access
from wallet.api.filters import FilterSpec
from wallet.api.resources.base import (
    COMMON_FILTERS,
    COMMON_SORTS,
    METADATA,
    OPTIONAL,
    REFERENCE_ATTRIBUTES,
    REQUIRED,
    TIMESTAMPS,
    Attribute,
    Relationship,
    Resource,
    audit_relationships,
)
from wallet.models import PaymentMethod


def update_payment_method(access: Access, method: PaymentMethod, changes: dict[str, Any]) -> Model:
    """PATCH /api/payment_methods/:id; ``_disable`` and ``_enable`` set ``disabled_at``."""
    changes = dict(changes)
    disable, enable = changes.pop("_disable", None), changes.pop("_enable", None)
    if disable is True:
        changes["disabled_at"] = timezone.now()
    elif enable is True:
        changes["disabled_at"] = None
    return services.update_payment_method(method, changes, actor=access.actor)


PAYMENT_METHODS = Resource(
    type="payment_methods",
    model=PaymentMethod,
    selector=selectors.payment_methods,
    attributes=(
        Attribute("payment_source_type", create=OPTIONAL, update=True, filterable=True),
        Attribute("name", create=OPTIONAL, update=True, filterable=True, sortable=True),
        Attribute("currency_code", create=OPTIONAL, update=True, filterable=True, sortable=True),
        Attribute("moto", "boolean", create=OPTIONAL, update=True, filterable=True),
        Attribute("require_capture", "boolean", create=OPTIONAL, update=True, filterable=True),
        Attribute("auto_place", "boolean", create=OPTIONAL, update=True, filterable=True),
        Attribute("auto_capture", "boolean", create=OPTIONAL, update=True, filterable=True),
        Attribute(
            "price_amount_cents",
            "integer",
            create=OPTIONAL,
            update=True,
            filterable=True,
            sortable=True,
        ),
        Attribute("disabled_at", "datetime", filterable=True, sortable=True),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
        Attribute("_disable", "boolean", update=True, readable=False, trigger=True),
        Attribute("_enable", "boolean", update=True, readable=False, trigger=True),
    ),
    relationships=(
        Relationship(
            "payment_gateway",
            "payment_gateways",
            fk="payment_gateway_id",
            field="payment_gateway",
            create=REQUIRED,
            update=True,
        ),
        *audit_relationships("payment_methods"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "payment_gateway_id": "payment_gateway_id",
        },
        json_fields=METADATA,
        sortable=COMMON_SORTS,
    ),
    create=lambda access, values: services.create_payment_method(
        mode=access.scope.mode, values=values, actor=access.actor
    ),
    update=update_payment_method,
    delete=lambda access, obj: services.delete_payment_method(obj, actor=access.actor),
    default_ordering=("name", "pk"),
)
