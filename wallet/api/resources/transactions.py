"""``authorizations``, ``captures``, ``voids``, ``refunds``: gateway operations, read-only."""

from wallet import selectors
from wallet.api.filters import FilterSpec
from wallet.api.resources.base import Attribute, Relationship, Resource
from wallet.models import TRANSACTION_MODELS, Transaction

# Commerce Layer's read-only transaction types, by the kind of gateway operation they show.
TRANSACTION_TYPES = {
    "authorizations": Transaction.Kind.AUTHORIZATION,
    "captures": Transaction.Kind.CAPTURE,
    "voids": Transaction.Kind.VOID,
    "refunds": Transaction.Kind.REFUND,
}


def transaction_resource(type_name: str, kind: str) -> Resource:
    """A read-only type of gateway transactions: ``authorizations``, ``captures`` …"""
    return Resource(
        type=type_name,
        model=TRANSACTION_MODELS[kind],
        selector=lambda scope: selectors.transactions(scope, kind),
        actions=frozenset({"list", "retrieve"}),
        attributes=(
            Attribute("currency_code"),
            Attribute("amount_cents", "integer"),
            Attribute("succeeded", "boolean"),
            Attribute("message"),
            Attribute("token"),
            Attribute("created_at", "datetime"),
            Attribute("updated_at", "datetime", getter=lambda record: record.created_at),
        ),
        relationships=(Relationship("order", "orders", fk="order_id"),),
        filters=FilterSpec(
            fields={
                "id": "id",
                "succeeded": "succeeded",
                "amount_cents": "amount_cents",
                "currency_code": "currency_code",
                "order_id": "payment__order_id",
                "created_at": "created_at",
                "updated_at": "created_at",
            },
            sortable={
                "id": "id",
                "amount_cents": "amount_cents",
                "created_at": "created_at",
                "updated_at": "created_at",
            },
        ),
    )
