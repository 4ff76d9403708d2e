"""The roles of API callers and the table of what each may do: the single home of both.

Three roles: ``integration`` and ``sales_channel`` (the kinds of API credential, so the names
come from :class:`~wallet.models.ApiCredential`) and ``customer`` (a user of a sales channel
signed in with the password grant, or a storefront session). Actions are the JSON:API ones
of the roles table: ``list``, ``retrieve``, ``create``, ``update``, ``delete``. Which *records*
a role reaches is the selectors' business (scopes); which records a role may *change* beyond
this table is the services' (keyed by the actor).
"""

from wallet.models import ApiCredential

INTEGRATION: str = ApiCredential.Kind.INTEGRATION.value
SALES_CHANNEL: str = ApiCredential.Kind.SALES_CHANNEL.value
CUSTOMER = "customer"

LIST, RETRIEVE, CREATE, UPDATE, DELETE = "list", "retrieve", "create", "update", "delete"
READ = frozenset({LIST, RETRIEVE})
CRUD = frozenset({LIST, RETRIEVE, CREATE, UPDATE, DELETE})
# The read-only types of gateway operations (``wallet.api.resources.transactions``).
TRANSACTIONS = ("authorizations", "captures", "voids", "refunds")

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
        **dict.fromkeys(TRANSACTIONS, READ),
    },
    SALES_CHANNEL: {
        "external_payments": frozenset({CREATE, RETRIEVE, UPDATE, DELETE}),
        "customers": frozenset({CREATE}),
        "orders": frozenset({CREATE}),
        "payment_methods": READ,
        "payment_gateways": READ,
    },
    CUSTOMER: {
        "customer_payment_sources": CRUD,
        "external_payments": CRUD,
        "customers": frozenset({LIST, RETRIEVE, UPDATE}),
        "orders": frozenset({LIST, RETRIEVE, CREATE, UPDATE}),
        "payment_methods": READ,
        "payment_gateways": READ,
        **dict.fromkeys(TRANSACTIONS, READ),
    },
}


def role_may(role: str, resource_type: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` on ``resource_type`` at all (the table)."""
    return action in ROLE_ACTIONS.get(role, {}).get(resource_type, frozenset())
