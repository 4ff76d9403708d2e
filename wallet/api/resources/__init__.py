"""The API's resource types: attributes, relationships, filters and write rules, as data.

``base`` holds the parts (:class:`Attribute`, :class:`Relationship`, :class:`Resource`); one
module per JSON:API type defines it; :data:`RESOURCES` registers them, in the order the routes
and the schema list them. Adding a type is one module plus one line here.
"""

from wallet.api.resources.audit import EVENT_STORES, VERSIONS
from wallet.api.resources.base import (
    NO,
    OPTIONAL,
    REQUIRED,
    Attribute,
    Relationship,
    Resource,
)
from wallet.api.resources.customer_payment_sources import CUSTOMER_PAYMENT_SOURCES
from wallet.api.resources.customers import CUSTOMERS
from wallet.api.resources.external_payments import EXTERNAL_PAYMENTS
from wallet.api.resources.orders import ORDERS
from wallet.api.resources.payment_gateways import PAYMENT_GATEWAYS
from wallet.api.resources.payment_methods import PAYMENT_METHODS
from wallet.api.resources.transactions import TRANSACTION_TYPES, transaction_resource

RESOURCES: dict[str, Resource] = {
    resource.type: resource
    for resource in (
        CUSTOMER_PAYMENT_SOURCES,
        EXTERNAL_PAYMENTS,
        CUSTOMERS,
        ORDERS,
        PAYMENT_METHODS,
        PAYMENT_GATEWAYS,
        VERSIONS,
        EVENT_STORES,
        *(transaction_resource(name, kind) for name, kind in TRANSACTION_TYPES.items()),
    )
}

__all__ = [
    "NO",
    "OPTIONAL",
    "REQUIRED",
    "RESOURCES",
    "TRANSACTION_TYPES",
    "Attribute",
    "Relationship",
    "Resource",
]
