"""``customers``: the shop's customers, with their wallets and orders."""

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
from wallet.api.resources.customer_payment_sources import CUSTOMER_PAYMENT_SOURCES
from wallet.models import Customer


def create_customer(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/customers."""
    return services.create_customer(
        mode=access.scope.mode,
        email=values.get("email", ""),
        password=values.get("password"),
        actor=access.actor,
        **reference_kwargs(values),
    )


CUSTOMERS = Resource(
    type="customers",
    model=Customer,
    selector=selectors.customers,
    attributes=(
        Attribute("email", create=REQUIRED, update=True, filterable=True, sortable=True),
        Attribute("password", create=OPTIONAL, update=True, readable=False),
        # A customer changing their own password proves the current one (integrations need not).
        Attribute("current_password", update=True, readable=False),
        Attribute("status", filterable=True, sortable=True),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
    ),
    relationships=(
        Relationship(
            "customer_payment_sources",
            "customer_payment_sources",
            many=True,
            load=lambda scope, keys: CUSTOMER_PAYMENT_SOURCES.queryset(scope).filter(
                customer_id__in=keys
            ),
            child_key=lambda source: source.customer_id,
        ),
        Relationship(
            "orders",
            "orders",
            many=True,
            load=lambda scope, keys: selectors.orders(scope).filter(customer_id__in=keys),
            child_key=lambda order: order.customer_id,
        ),
        *audit_relationships("customers"),
    ),
    filters=FilterSpec(
        fields=COMMON_FILTERS,
        json_fields=METADATA,
        sortable=COMMON_SORTS,
    ),
    create=create_customer,
    update=lambda access, obj, changes: services.update_customer(
        obj,
        changes,
        actor=access.actor,
        keep_token_id=access.token_id,
        keep_session_key=access.session_key,
    ),
    delete=lambda access, obj: services.delete_customer(obj, actor=access.actor),
)
