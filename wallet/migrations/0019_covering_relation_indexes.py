"""PostgreSQL: the indexes a list joins through carry what its filtered count reads.

A saved-cards or orders list filtered on the customer's email, or a payments list filtered on
the order's number, finds the related rows first and then each one's cards, orders or payments
through ``(customer, …, created_at)`` or ``(order, created_at)``. Counting those matches and
sorting their ids read the listed table's ``mode``, ``id`` (and a card's ``removed_at``) from
the heap: one page per match, 10,000 of them at the count's cap. With those columns in the
index (``INCLUDE``) the join is an index-only scan. The key columns stay those the models
declare; other databases keep the models' indexes as they are (they have no ``INCLUDE``).
"""

from django.db import migrations

# name: (table, key columns, included columns)
INDEXES = {
    "wallet_cps_cus_created": (
        "wallet_customerpaymentsource",
        "customer_id, mode, created_at DESC",
        "removed_at, id",
    ),
    "wallet_ord_customer_created": ("wallet_order", "customer_id, created_at DESC", "mode, id"),
    "wallet_ep_order_created": ("wallet_externalpayment", "order_id, created_at DESC", "mode, id"),
}


def _rebuild(schema_editor, *, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, keys, included) in INDEXES.items():
        include = f" INCLUDE ({included})" if covering else ""
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON {table} ({keys}){include}")


def forwards(apps, schema_editor):
    """Rebuild the three indexes with their included columns (PostgreSQL only)."""
    _rebuild(schema_editor, covering=True)


def backwards(apps, schema_editor):
    """Rebuild them as the models declare them."""
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0018_prefix_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
