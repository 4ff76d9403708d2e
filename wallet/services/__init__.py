"""Every write of the wallet: create, update, delete, set default, save to wallet, pay.

Each service validates (model validators included), writes inside a transaction, and records one
audit entry per change with who made it. Callers (API, views, admin, commands) hold no business
rules: they translate input, call a service and present its result or its error. The modules
are by subject; every public name is importable from ``wallet.services``.
"""

from wallet.audit import (
    AUDITED_FIELDS,
    PAYMENT_METHOD_FIELDS,
    RESOURCE_TYPES,
    SECRET_FIELDS,
    SYSTEM,
    Actor,
    actor_for_customer,
    actor_for_user,
    record_event,
)
from wallet.exceptions import (
    DeclinedAttempt,
    GatewayDown,
    OrderNotPayable,
    PaymentDeclined,
    PaymentStateConflict,
    RecordLocked,
    WalletError,
)
from wallet.services.checkout import (
    cancel_order,
    capture_order,
    change_order,
    checkout_with_source,
    checkout_with_token,
    pay_order_with_source,
    place_order,
    refund_order,
    save_order_payment_to_wallet,
)
from wallet.services.customers import (
    PROTECTED_ACCOUNT,
    TAKEN_ACCOUNT,
    create_customer,
    customer_for_user,
    delete_customer,
    ensure_customer_for_user,
    update_customer,
)
from wallet.services.gateways import (
    reencrypt_gateway_secrets,
)
from wallet.services.orders import (
    CUSTOMER_READONLY_ORDER_FIELDS,
    create_order,
    create_payment_method,
    default_gateway,
    delete_order,
    delete_payment_method,
    update_order,
    update_payment_method,
)
from wallet.services.payment_sources import (
    create_payment_source,
    delete_payment_source,
    paid_by,
    save_payment_to_wallet,
    set_default_payment_source,
    update_payment_source,
)
from wallet.services.payments import (
    INSTRUMENT_KEYS,
    create_external_payment,
    delete_external_payment,
    update_external_payment,
)
from wallet.services.records import (
    RELATIONS,
    UNIQUE_CONSTRAINT_FIELDS,
    create_record,
    delete_record,
    taken_error,
    update_record,
)
from wallet.services.saved_cards import (
    add_payment_source_from_token,
    purge_removed_payment_sources,
    remove_payment_source,
    rename_payment_source,
    restore_payment_source,
    update_payment_source_card,
)

__all__ = [
    "AUDITED_FIELDS",
    "CUSTOMER_READONLY_ORDER_FIELDS",
    "INSTRUMENT_KEYS",
    "PAYMENT_METHOD_FIELDS",
    "PROTECTED_ACCOUNT",
    "RELATIONS",
    "RESOURCE_TYPES",
    "SECRET_FIELDS",
    "SYSTEM",
    "TAKEN_ACCOUNT",
    "UNIQUE_CONSTRAINT_FIELDS",
    "Actor",
    "DeclinedAttempt",
    "GatewayDown",
    "OrderNotPayable",
    "PaymentDeclined",
    "PaymentStateConflict",
    "RecordLocked",
    "WalletError",
    "actor_for_customer",
    "actor_for_user",
    "add_payment_source_from_token",
    "cancel_order",
    "capture_order",
    "change_order",
    "checkout_with_source",
    "checkout_with_token",
    "create_customer",
    "create_external_payment",
    "create_order",
    "create_payment_method",
    "create_payment_source",
    "create_record",
    "customer_for_user",
    "default_gateway",
    "delete_customer",
    "delete_external_payment",
    "delete_order",
    "delete_payment_method",
    "delete_payment_source",
    "delete_record",
    "ensure_customer_for_user",
    "paid_by",
    "pay_order_with_source",
    "place_order",
    "purge_removed_payment_sources",
    "record_event",
    "reencrypt_gateway_secrets",
    "refund_order",
    "remove_payment_source",
    "rename_payment_source",
    "restore_payment_source",
    "save_order_payment_to_wallet",
    "save_payment_to_wallet",
    "set_default_payment_source",
    "taken_error",
    "update_customer",
    "update_external_payment",
    "update_order",
    "update_payment_method",
    "update_payment_source",
    "update_payment_source_card",
    "update_record",
]
