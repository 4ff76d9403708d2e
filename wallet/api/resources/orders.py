"""``orders``: orders, their payments, and the triggers that place, capture and refund them."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from wallet import selectors, services
from wallet.api.access import Access
from wallet.api.filters import FilterSpec
from wallet.api.resources.base import (
    COMMON_FILTERS,
    COMMON_SORTS,
    METADATA,
    OPTIONAL,
    REFERENCE_ATTRIBUTES,
    TIMESTAMPS,
    Attribute,
    Relationship,
    Resource,
    audit_relationships,
    reference_kwargs,
)
from wallet.api.resources.customer_payment_sources import (
    CUSTOMER_PAYMENT_SOURCES,
    annotate_source,
)
from wallet.api.resources.transactions import TRANSACTION_TYPES
from wallet.models import Order
from wallet.selectors import Scope


def create_order(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/orders (the service makes a customer's order their own)."""
    return services.create_order(
        mode=access.scope.mode,
        currency_code=values.get("currency_code") or None,
        total_amount_cents=values.get("total_amount_cents"),
        customer=values.get("customer"),
        customer_email=values.get("customer_email", ""),
        payment_method=values.get("payment_method"),
        payment_gateway=values.get("payment_gateway"),
        number=values.get("number") or None,
        actor=access.actor,
        **reference_kwargs(values),
    )


def transactions_of(kind: str) -> Callable[[Scope, list[Any]], QuerySet]:
    """The loader of an order relationship listing its transactions of ``kind``."""
    return lambda scope, keys: selectors.transactions(scope, kind).filter(
        payment__order_id__in=keys
    )


ORDER_TRIGGERS = (
    "_customer_payment_source_id",
    "_save_payment_source_to_customer_wallet",
    "_place",
    "_capture",
    "_cancel",
    "_refund",
)


def update_order(access: Access, order: Order, changes: dict[str, Any]) -> Model:
    """PATCH /api/orders/:id: attributes, relationships and triggers as one service call.

    The saved source a ``_customer_payment_source_id`` names must be in the caller's scope;
    what the caller may change is the service's to say.
    """
    changes = dict(changes)
    triggers = {name: changes.pop(name) for name in ORDER_TRIGGERS if name in changes}
    source = None
    source_id = triggers.get("_customer_payment_source_id")
    if source_id:
        source = CUSTOMER_PAYMENT_SOURCES.queryset(access.scope).filter(pk=source_id).first()
        if source is None:
            raise ValidationError(
                {"_customer_payment_source_id": ValidationError(_("not found"), code="not_found")}
            )
    return services.change_order(
        order,
        changes,
        pay_with_source=source,
        save_to_wallet=triggers.get("_save_payment_source_to_customer_wallet") is True,
        place=triggers.get("_place") is True,
        capture=triggers.get("_capture") is True,
        cancel=triggers.get("_cancel") is True,
        refund=triggers.get("_refund") is True,
        actor=access.actor,
    )


ORDERS = Resource(
    type="orders",
    model=Order,
    selector=selectors.orders,
    attributes=(
        Attribute("number", create=OPTIONAL, update=True, filterable=True, sortable=True),
        Attribute("status", filterable=True, sortable=True),
        Attribute("payment_status", filterable=True, sortable=True),
        Attribute("customer_email", create=OPTIONAL, update=True),
        Attribute("currency_code", create=OPTIONAL, update=True, filterable=True),
        Attribute(
            "total_amount_cents",
            "integer",
            create=OPTIONAL,
            update=True,
            filterable=True,
            sortable=True,
        ),
        Attribute("formatted_total_amount", getter=lambda order: order.total_amount),
        Attribute("placed_at", "datetime", filterable=True, sortable=True),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
        Attribute(
            "_save_payment_source_to_customer_wallet",
            "boolean",
            update=True,
            readable=False,
            trigger=True,
        ),
        Attribute("_customer_payment_source_id", update=True, readable=False, trigger=True),
        Attribute("_place", "boolean", update=True, readable=False, trigger=True),
        Attribute("_capture", "boolean", update=True, readable=False, trigger=True),
        Attribute("_cancel", "boolean", update=True, readable=False, trigger=True),
        Attribute("_refund", "boolean", update=True, readable=False, trigger=True),
    ),
    relationships=(
        Relationship(
            "customer",
            "customers",
            fk="customer_id",
            field="customer",
            create=OPTIONAL,
            update=True,
        ),
        Relationship(
            "payment_method",
            "payment_methods",
            fk="payment_method_id",
            field="payment_method",
            create=OPTIONAL,
            update=True,
        ),
        Relationship(
            "payment_gateway",
            "payment_gateways",
            fk="payment_gateway_id",
            field="payment_gateway",
            create=OPTIONAL,
            update=True,
        ),
        Relationship(
            "payment_source",
            "external_payments",
            fk="payment_source_id",
            field="payment_source",
            update=True,
        ),
        Relationship(
            "external_payments",
            "external_payments",
            many=True,
            load=lambda scope, keys: selectors.external_payments(scope).filter(order_id__in=keys),
            child_key=lambda payment: payment.order_id,
        ),
        Relationship(
            "available_customer_payment_sources",
            "customer_payment_sources",
            many=True,
            load=lambda scope, keys: annotate_source(
                selectors.available_payment_sources(scope, keys)
            ),
            parent_key=lambda order: order.customer_id,
            child_key=lambda source: source.customer_id,
        ),
        *(
            Relationship(
                type_name,
                type_name,
                many=True,
                load=transactions_of(kind),
                child_key=lambda transaction: transaction.order_id,
            )
            for type_name, kind in TRANSACTION_TYPES.items()
        ),
        *audit_relationships("orders"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "customer_id": "customer_id",
            "customer_email": "customer__email",
        },
        json_fields=METADATA,
        sortable={
            **COMMON_SORTS,
            "customer_id": "customer_id",
        },
    ),
    create=create_order,
    update=update_order,
    delete=lambda access, obj: services.delete_order(obj, actor=access.actor),
)
