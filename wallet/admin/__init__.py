"""The Django admin of the wallet, for shop staff: one module per admin.

Importing this package registers every admin (``admin.autodiscover`` imports it). Every write
goes through :mod:`wallet.services` with the staff user as the actor (:mod:`.base`), and gateway
tokens are only ever shown masked to their last four characters (:mod:`.masking`); a gateway's
secrets are never rendered.
"""

from wallet.admin.audit import AuditEntryAdmin
from wallet.admin.base import (
    RECORD_FIELDS,
    REFERENCE_FIELDS,
    ReadOnlyAdminMixin,
    ServiceRefusal,
    WalletAdminForm,
    WalletModelAdmin,
    WriteOnlyField,
    add_refusal_to_form,
    call_service,
    delete_selected_through_services,
    record_references,
)
from wallet.admin.credentials import ApiCredentialAdmin, ApiCredentialCreationForm
from wallet.admin.customers import CustomerAdmin, CustomerAdminForm
from wallet.admin.external_payments import ExternalPaymentAdmin
from wallet.admin.gateways import PaymentGatewayAdmin, PaymentGatewayAdminForm
from wallet.admin.masking import (
    MASK,
    MaskedJSONFormField,
    changes_display,
    is_token_key,
    json_display,
    mask_json,
    mask_token,
    unmask_json,
    who_display,
)
from wallet.admin.orders import OrderAdmin
from wallet.admin.payment_methods import PaymentMethodAdmin
from wallet.admin.payment_sources import CustomerPaymentSourceAdmin
from wallet.admin.transactions import TransactionAdmin

__all__ = [
    "MASK",
    "RECORD_FIELDS",
    "REFERENCE_FIELDS",
    "ApiCredentialAdmin",
    "ApiCredentialCreationForm",
    "AuditEntryAdmin",
    "CustomerAdmin",
    "CustomerAdminForm",
    "CustomerPaymentSourceAdmin",
    "ExternalPaymentAdmin",
    "MaskedJSONFormField",
    "OrderAdmin",
    "PaymentGatewayAdmin",
    "PaymentGatewayAdminForm",
    "PaymentMethodAdmin",
    "ReadOnlyAdminMixin",
    "ServiceRefusal",
    "TransactionAdmin",
    "WalletAdminForm",
    "WalletModelAdmin",
    "WriteOnlyField",
    "add_refusal_to_form",
    "call_service",
    "changes_display",
    "delete_selected_through_services",
    "is_token_key",
    "json_display",
    "mask_json",
    "mask_token",
    "record_references",
    "unmask_json",
    "who_display",
]
