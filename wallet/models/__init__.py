"""The wallet's domain: customers, orders, gateways, external payments, saved sources, audit log.

Models hold data, constraints and derived read-only properties; every write goes through
``wallet.services``. One module per subject; every public name is importable from here, and
migrations refer to ``wallet.models.generate_public_id`` and ``wallet.models.empty_object``.
"""

from wallet.models.api_credentials import ApiCredential
from wallet.models.audit_log import AuditEntry
from wallet.models.base import (
    BASE62,
    PUBLIC_ID_LENGTH,
    Mode,
    WalletModel,
    empty_object,
    generate_public_id,
    sort_indexes,
    token_field,
)
from wallet.models.customers import Customer
from wallet.models.gateways import (
    STRIPE_KEY_PREFIXES,
    STRIPE_WEBHOOK_SECRET_PREFIX,
    GatewayCustomer,
    GatewayEvent,
    PaymentGateway,
    PaymentMethod,
)
from wallet.models.orders import Order
from wallet.models.payment_sources import (
    CustomerPaymentSource,
    PaymentSourceManager,
)
from wallet.models.payments import (
    TRANSACTION_MODELS,
    Authorization,
    Capture,
    ExternalPayment,
    Refund,
    Transaction,
    Void,
)
from wallet.models.record_counts import RecordCount

__all__ = [
    "BASE62",
    "PUBLIC_ID_LENGTH",
    "STRIPE_KEY_PREFIXES",
    "STRIPE_WEBHOOK_SECRET_PREFIX",
    "TRANSACTION_MODELS",
    "ApiCredential",
    "AuditEntry",
    "Authorization",
    "Capture",
    "Customer",
    "CustomerPaymentSource",
    "ExternalPayment",
    "GatewayCustomer",
    "GatewayEvent",
    "Mode",
    "Order",
    "PaymentGateway",
    "PaymentMethod",
    "PaymentSourceManager",
    "RecordCount",
    "Refund",
    "Transaction",
    "Void",
    "WalletModel",
    "empty_object",
    "generate_public_id",
    "sort_indexes",
    "token_field",
]
