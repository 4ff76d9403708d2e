"""``customer_payment_sources``: the cards saved in customers' wallets."""

from typing import Any

from django.db.models import F, Model, QuerySet

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
from wallet.models import CustomerPaymentSource


def annotate_source(queryset: QuerySet) -> QuerySet:
    """Annotate what the API shows of a saved source beyond its columns.

    ``payment_method_id``: the payment method of the order the card was paid on. (``name`` is
    a column of its own, kept by the model, so that it filters and sorts by index.)
    """
    return queryset.annotate(payment_method_id=F("payment__order__payment_method_id"))


def create_payment_source(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/customer_payment_sources."""
    return services.create_payment_source(
        customer=values["customer"],
        payment_source_token=values.get("payment_source_token", ""),
        customer_token=values.get("customer_token", ""),
        payment=values.get("payment"),
        is_default=values.get("is_default", False),
        actor=access.actor,
        **reference_kwargs(values),
    )


CUSTOMER_PAYMENT_SOURCES = Resource(
    type="customer_payment_sources",
    model=CustomerPaymentSource,
    selector=selectors.payment_sources,
    annotate=annotate_source,
    attributes=(
        Attribute("name"),
        Attribute("customer_token", create=OPTIONAL, update=True),
        # Required without a payment_source, whose tokens are copied otherwise (the service).
        Attribute("payment_source_token", create=OPTIONAL, update=True, filterable=True),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
        Attribute(
            "default",
            "boolean",
            source="is_default",
            create=OPTIONAL,
            update=True,
            filterable=True,
            sortable=True,
        ),
    ),
    relationships=(
        Relationship(
            "customer",
            "customers",
            fk="customer_id",
            field="customer",
            create=REQUIRED,
            update=True,
        ),
        Relationship(
            "payment_source",
            "external_payments",
            fk="payment_id",
            field="payment",
            create=OPTIONAL,
            update=True,
        ),
        # The payment method of the order the card was paid on (``annotate_source``).
        Relationship("payment_method", "payment_methods", fk="payment_method_id"),
        *audit_relationships("customer_payment_sources"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "name": "name",
            "customer_id": "customer_id",
            "customer_email": "customer__email",
        },
        json_fields=METADATA,
        sortable={
            **COMMON_SORTS,
            "name": "name",
            "customer": "customer_id",
            "customer_id": "customer_id",
        },
    ),
    subject="payment_source",
    create=create_payment_source,
    update=lambda access, obj, changes: services.update_payment_source(
        obj, changes, actor=access.actor
    ),
    delete=lambda access, obj: services.delete_payment_source(obj, actor=access.actor),
)
