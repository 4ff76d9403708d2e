"""``payment_gateways``: the configured gateways, read-only through the API."""

from wallet import selectors
from wallet.api.filters import FilterSpec
from wallet.api.resources.base import (
    COMMON_FILTERS,
    COMMON_SORTS,
    METADATA,
    REFERENCE_ATTRIBUTES,
    TIMESTAMPS,
    Attribute,
    Resource,
    audit_relationships,
)
from wallet.models import PaymentGateway

PAYMENT_GATEWAYS = Resource(
    type="payment_gateways",
    model=PaymentGateway,
    selector=selectors.payment_gateways,
    actions=frozenset({"list", "retrieve"}),
    attributes=(
        Attribute("name", filterable=True, sortable=True),
        Attribute("kind", filterable=True),
        Attribute("disabled_at", "datetime", filterable=True, sortable=True),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
    ),
    relationships=audit_relationships("payment_gateways"),
    filters=FilterSpec(
        fields=COMMON_FILTERS,
        json_fields=METADATA,
        sortable=COMMON_SORTS,
    ),
    default_ordering=("name", "pk"),
)
