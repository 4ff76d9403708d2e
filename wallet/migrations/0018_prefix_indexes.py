"""PostgreSQL: prefix indexes for ``_start`` on ``reference_origin`` and through relations.

``_start`` runs as a prefix of ``UPPER(col)`` on every text column, which only the
``text_pattern_ops`` btrees on ``(mode, UPPER(col))`` serve (as a range the planner estimates
from the column's statistics); the trigram indexes no longer do, since a trigram bitmap of a
prefix that most rows share reads most of the index. ``reference_origin`` was the one searched
column of the large tables without such a btree. Other databases keep what the models declare.
"""

from django.db import migrations

SHORT = {
    "wallet_customerpaymentsource": "cps",
    "wallet_customer": "cus",
    "wallet_order": "ord",
    "wallet_externalpayment": "ep",
}


# Columns other lists filter through a relation (``customer_email`` of saved cards and orders,
# ``order_number`` of payments): the mode of such a query is the listing table's, so an index
# led by the related table's ``mode`` is read whole. Their prefix indexes lose ``mode``.
JOINED = {"wallet_customer": "email", "wallet_order": "number"}


def _prefix_index(table: str, column: str, *, mode: bool) -> tuple[str, str]:
    """(index name, CREATE INDEX statement) of the prefix index of ``table.column``."""
    name = f"wallet_{SHORT[table]}_{column[:16]}_prefix"
    columns = f"(UPPER({column}::text)) text_pattern_ops"
    return name, (
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({'mode, ' if mode else ''}{columns})"
    )


def _statements() -> list[tuple[str, str]]:
    """(index name, CREATE INDEX statement) of every index this migration creates."""
    return [_prefix_index(table, "reference_origin", mode=True) for table in SHORT] + [
        _prefix_index(table, column, mode=False) for table, column in JOINED.items()
    ]


def create_indexes(apps, schema_editor):
    """Create the prefix indexes and analyze their tables (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in JOINED.items():
        name, _statement = _prefix_index(table, column, mode=True)
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for _name, statement in _statements():
        schema_editor.execute(statement)
    # The statistics of the new expression come from ANALYZE; until then the planner guesses.
    for table in SHORT:
        schema_editor.execute(f"ANALYZE {table}")


def drop_indexes(apps, schema_editor):
    """Drop the prefix indexes."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _statement in _statements():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for table, column in JOINED.items():
        _name, statement = _prefix_index(table, column, mode=True)
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0017_id_search_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
