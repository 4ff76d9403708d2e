"""PostgreSQL indexes behind the text filters of ids, and ``_matches`` on the text indexes.

Every whitelisted id attribute (the record's own ``id`` and the foreign keys the API filters
on: ``customer_id``, ``order_id``) takes ``_cont``/``_start``/``_end``/``_matches`` as any text
attribute does. On PostgreSQL those run as ``UPPER(col::text) LIKE UPPER(…)`` (``_matches`` too,
since this migration: the filters build it with ``LIKE`` instead of a regular expression), so
the ids get what the other text columns have (migration 0014):

- a ``pg_trgm`` GIN index on ``UPPER(col)`` (``_cont``, ``_end``, ``_matches``, ``_start``);
- a ``text_pattern_ops`` btree on ``(mode, UPPER(col))`` (``_start`` of a short prefix, which
  has no trigram).

The trigram indexes on ``reference`` for regular expressions (``…_reference_regex``) served
the old ``_matches``; nothing uses them now, so they go. Other databases keep what the models
declare. The tables are analyzed at the end, so that the planner has the statistics of the new
expressions at once.
"""

from django.db import migrations

IDS = {
    "wallet_customerpaymentsource": ("id", "customer_id"),
    "wallet_customer": ("id",),
    "wallet_order": ("id", "customer_id"),
    "wallet_externalpayment": ("id", "order_id"),
}
SHORT = {
    "wallet_customerpaymentsource": "cps",
    "wallet_customer": "cus",
    "wallet_order": "ord",
    "wallet_externalpayment": "ep",
}


def _statements() -> list[tuple[str, str]]:
    """(index name, CREATE INDEX statement) of every index of this migration."""
    statements = []
    for table, columns in IDS.items():
        for column in columns:
            name = f"wallet_{SHORT[table]}_{column}_trgm"
            statements.append(
                (
                    name,
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"USING gin ((UPPER({column}::text)) gin_trgm_ops) WITH (fastupdate = off)",
                )
            )
            name = f"wallet_{SHORT[table]}_{column}_prefix"
            statements.append(
                (
                    name,
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"(mode, (UPPER({column}::text)) text_pattern_ops)",
                )
            )
    return statements


def _regex_indexes() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of migration 0014's regex indexes, dropped here."""
    return [
        (
            f"wallet_{short}_reference_regex",
            f"CREATE INDEX IF NOT EXISTS wallet_{short}_reference_regex ON {table} "
            "USING gin (reference gin_trgm_ops) WITH (fastupdate = off)",
        )
        for table, short in SHORT.items()
    ]


def create_indexes(apps, schema_editor):
    """Create the id search indexes; drop the regex ones (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _name, statement in _statements():
        schema_editor.execute(statement)
    for name, _statement in _regex_indexes():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # The planner's statistics of the new expressions (``UPPER(id)``) come from ANALYZE; until
    # then it guesses their selectivity and may walk a whole list for a rare id.
    for table in IDS:
        schema_editor.execute(f"ANALYZE {table}")


def drop_indexes(apps, schema_editor):
    """Drop the id search indexes; recreate the regex ones."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _statement in _statements():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for _name, statement in _regex_indexes():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0016_domain_field_names")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
