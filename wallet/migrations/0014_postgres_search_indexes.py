"""PostgreSQL indexes behind the API's text and JSON filters, and no unused ``_like`` copies.

On PostgreSQL the API's ``_cont``/``_end`` (and ``_start``) filters run as
``UPPER(col::text) LIKE UPPER(…)``, ``_matches`` as ``col ~* …`` and ``_jcont`` as
``metadata @> …``. They get:

- a ``pg_trgm`` GIN index on ``UPPER(col)`` (``_cont``, ``_end``, ``_start``);
- a ``text_pattern_ops`` btree on ``(mode, UPPER(col))`` for the prefix filters of key-like
  columns (``_start``: a range scan, not a bitmap);
- a ``pg_trgm`` GIN index on the column itself where ``_matches`` is common (``reference``);
- a ``jsonb_path_ops`` GIN index on ``metadata``;
- statistics on ``UPPER(col)`` of the columns of a few values (statuses, currencies).

The GIN indexes are built without a pending list (``fastupdate = off``): a write updates them at
once, so that the planner keeps choosing them between two vacuums (a long pending list makes
it read the whole table instead).

Equality filters and sorts use the ``(mode, column, id)`` btrees of the models. Django adds a
``varchar_pattern_ops`` copy (``…_like``) of the index of every character primary key and
foreign key; no query of the wallet uses them (ids are compared with ``=`` and ``IN``), so they
go. Other databases keep what the models declare. ``pg_trgm`` needs a role that may create
extensions (or the extension created beforehand by one).
"""

from django.db import migrations

TRIGRAM = {
    "wallet_customerpaymentsource": (
        "reference",
        "reference_origin",
        "payment_source_token",
        "name",
    ),
    "wallet_customer": ("reference", "reference_origin", "email"),
    "wallet_order": ("reference", "reference_origin", "number"),
    "wallet_externalpayment": ("reference", "reference_origin", "payment_source_token"),
}
PREFIX = {
    "wallet_customerpaymentsource": ("reference", "payment_source_token", "name"),
    "wallet_customer": ("reference", "email"),
    "wallet_order": ("reference", "number"),
    "wallet_externalpayment": ("reference", "payment_source_token"),
}
REGEX = {table: ("reference",) for table in TRIGRAM}
# Columns of a few values (statuses, currencies): no index helps ``_cont`` on them, but the
# planner needs the statistics of ``UPPER(col)`` to see that such a filter matches many rows
# and walk the list's own index, instead of sorting every match.
STATISTICS = {
    "wallet_customer": ("status",),
    "wallet_order": ("status", "payment_status", "currency_code"),
}
JSON = tuple(TRIGRAM)
SHORT = {
    "wallet_customerpaymentsource": "cps",
    "wallet_customer": "cus",
    "wallet_order": "ord",
    "wallet_externalpayment": "ep",
}


def _statements() -> list[tuple[str, str]]:
    """(index name, CREATE INDEX statement) of every index of this migration."""
    statements = []
    for table, columns in TRIGRAM.items():
        for column in columns:
            name = f"wallet_{SHORT[table]}_{column[:16]}_trgm"
            statements.append(
                (
                    name,
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"USING gin ((UPPER({column}::text)) gin_trgm_ops) WITH (fastupdate = off)",
                )
            )
    for table, columns in PREFIX.items():
        for column in columns:
            name = f"wallet_{SHORT[table]}_{column[:16]}_prefix"
            statements.append(
                (
                    name,
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"(mode, (UPPER({column}::text)) text_pattern_ops)",
                )
            )
    for table, columns in REGEX.items():
        for column in columns:
            name = f"wallet_{SHORT[table]}_{column[:16]}_regex"
            statements.append(
                (
                    name,
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"USING gin ({column} gin_trgm_ops) WITH (fastupdate = off)",
                )
            )
    for table in JSON:
        name = f"wallet_{SHORT[table]}_metadata_gin"
        statements.append(
            (
                name,
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                "USING gin (metadata jsonb_path_ops) WITH (fastupdate = off)",
            )
        )
    for table, columns in STATISTICS.items():
        for column in columns:
            name = f"wallet_{SHORT[table]}_{column[:16]}_upper"
            statements.append(
                (
                    name,
                    f"CREATE STATISTICS IF NOT EXISTS {name} ON (UPPER({column}::text)) "
                    f"FROM {table}",
                )
            )
    return statements


UNUSED_LIKE = """
SELECT indexname FROM pg_indexes
WHERE schemaname = current_schema() AND tablename LIKE 'wallet\\_%' AND indexname LIKE '%\\_like'
"""


def create_indexes(apps, schema_editor):
    """Create the search indexes and drop the unused ``_like`` copies (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _name, statement in _statements():
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(UNUSED_LIKE)
        unused = [row[0] for row in cursor.fetchall()]
    for name in unused:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def drop_indexes(apps, schema_editor):
    """Drop the search indexes (the ``_like`` copies are not recreated)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, statement in _statements():
        kind = "STATISTICS" if statement.startswith("CREATE STATISTICS") else "INDEX"
        schema_editor.execute(f"DROP {kind} IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("wallet", "0013_card_columns_and_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
