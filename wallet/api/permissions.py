"""The roles table of DESIGN section 4: which role may do what to which resource.

Actions: ``list``, ``retrieve``, ``create``, ``update``, ``delete``. Related and relationship
routes count as ``list`` (to-many) or ``retrieve`` (to-one) of the *target* resource type.
Scoping (mode, own customer) is done by the selectors; this module answers only whether the role
may act at all, plus the object rules the table states.
"""

from typing import Any

from wallet.api.access import CUSTOMER, INTEGRATION, SALES_CHANNEL, Access
from wallet.api.resources import TRANSACTION_TYPES
from wallet.models import CustomerPaymentSource, ExternalPayment, Order

READ = frozenset({"list", "retrieve"})
CRUD = frozenset({"list", "retrieve", "create", "update", "delete"})

ROLE_ACTIONS: dict[str, dict[str, frozenset[str]]] = {
    INTEGRATION: {
        "customer_payment_sources": CRUD,
        "external_payments": CRUD,
        "customers": CRUD,
        "orders": CRUD,
        "payment_methods": CRUD,
        "payment_gateways": READ,
        "versions": READ,
        "event_stores": READ,
        **dict.fromkeys(TRANSACTION_TYPES, READ),
    },
    SALES_CHANNEL: {
        "external_payments": frozenset({"create", "retrieve", "update", "delete"}),
        "customers": frozenset({"create"}),
        "orders": frozenset({"create"}),
        "payment_methods": READ,
        "payment_gateways": READ,
    },
    CUSTOMER: {
        "customer_payment_sources": CRUD,
        "external_payments": CRUD,
        "customers": frozenset({"list", "retrieve", "update"}),
        "orders": frozenset({"list", "retrieve", "create", "update"}),
        "payment_methods": READ,
        "payment_gateways": READ,
        **dict.fromkeys(TRANSACTION_TYPES, READ),
    },
}


def is_allowed(access: Access, resource_type: str, action: str, obj: Any = None) -> bool:
    """Whether ``access``'s role may perform ``action`` on ``resource_type``.

    ``obj`` is the record acted on (retrieve, update, delete) or, for a customer creating a
    saved source, the external payment it is created from. Without ``obj`` the answer is the
    role's: whether it may act on that type at all (the object rules then wait for the object;
    ``services.create_payment_source`` also refuses a customer's card without their payment).
    """
    if action not in ROLE_ACTIONS.get(access.role, {}).get(resource_type, frozenset()):
        return False
    if access.role == SALES_CHANNEL and resource_type == "external_payments" and obj is not None:
        order = obj.order if isinstance(obj, ExternalPayment) else obj
        return isinstance(order, Order) and order.status in Order.PAYABLE_STATUSES
    if access.role == CUSTOMER and resource_type == "customer_payment_sources":
        if action == "create":
            # A customer saves only a card they paid with on one of their own orders.
            return obj is None or (
                isinstance(obj, ExternalPayment)
                and obj.mode == access.scope.mode
                and obj.order.customer_id == access.scope.customer_id
            )
        if isinstance(obj, CustomerPaymentSource):
            return obj.customer_id == access.scope.customer_id
    return True
