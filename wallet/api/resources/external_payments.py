"""``external_payments``: the payments of orders, by a card token."""

from typing import Any

from django.db.models import Model

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
    reference_kwargs,
)
from wallet.models import ExternalPayment


def create_external_payment(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/external_payments."""
    return services.create_external_payment(
        order=values["order"],
        payment_source_token=values.get("payment_source_token", ""),
        options=values.get("options"),
        actor=access.actor,
        **reference_kwargs(values),
    )


EXTERNAL_PAYMENTS = Resource(
    type="external_payments",
    model=ExternalPayment,
    selector=selectors.external_payments,
    attributes=(
        Attribute("payment_source_token", create=REQUIRED, filterable=True),
        Attribute("options", "object", create=OPTIONAL, update=True),
        Attribute("payment_instrument", "object"),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
    ),
    relationships=(
        Relationship("order", "orders", fk="order_id", field="order", create=REQUIRED, update=True),
        Relationship("payment_gateway", "payment_gateways", fk="payment_gateway_id"),
        Relationship("wallet", "customer_payment_sources", fk="saved_source_id"),
        *audit_relationships("external_payments"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "order_id": "order_id",
            "order_number": "order__number",
        },
        json_fields=METADATA,
        sortable={**COMMON_SORTS, "order": "order_id", "order_id": "order_id"},
    ),
    subject="order",
    create=create_external_payment,
    update=lambda access, obj, changes: services.update_external_payment(
        obj, changes, actor=access.actor
    ),
    delete=lambda access, obj: services.delete_external_payment(obj, actor=access.actor),
)
