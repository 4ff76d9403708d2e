"""Row counts per mode kept by PostgreSQL triggers: optional, and the single home of that rule.

Off by default. A shop whose lists grow large sets ``WALLET["RECORD_COUNTS"] = True`` and runs
``manage.py migrate`` (or ``manage.py wallet_record_counts`` when the setting changes later):
statement-level triggers then add and subtract the rows each INSERT, DELETE, UPDATE of ``mode``
and TRUNCATE touches on the :data:`COUNTED_MODELS`' tables, spread over a few ``slot`` rows of
``wallet_recordcount`` so concurrent writers rarely wait on one another. An unfiltered mode-wide
list then reads its ``meta.record_count`` there instead of counting rows.

The counts answer only a queryset whose conditions are exactly its mode's (:func:`known_total`):
a selector or a filter that adds any condition gets ``None``, and the caller counts.
"""

from typing import Any

from django.db import connections, models
from django.db.models import Count, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from wallet.conf import wallet_settings
from wallet.models import (
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Mode,
    Order,
    RecordCount,
)

# The models whose unfiltered mode-wide lists read trigger-kept counts.
COUNTED_MODELS: tuple[type[models.Model], ...] = (
    Customer,
    Order,
    ExternalPayment,
    CustomerPaymentSource,
)
FUNCTIONS = ("inserted", "deleted", "moved", "truncated")

# Each statement adds to one of 8 slots at random (``floor(random() * 8)``).
FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION wallet_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO wallet_recordcount (table_name, mode, slot, count)
  SELECT TG_TABLE_NAME, mode, floor(random() * 8)::int, count(*) FROM new_rows GROUP BY mode
  ON CONFLICT (table_name, mode, slot)
  DO UPDATE SET count = wallet_recordcount.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wallet_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO wallet_recordcount (table_name, mode, slot, count)
  SELECT TG_TABLE_NAME, mode, floor(random() * 8)::int, -count(*) FROM old_rows GROUP BY mode
  ON CONFLICT (table_name, mode, slot)
  DO UPDATE SET count = wallet_recordcount.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wallet_count_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO wallet_recordcount (table_name, mode, slot, count)
  SELECT TG_TABLE_NAME, mode, floor(random() * 8)::int, sum(delta) FROM (
    SELECT mode, 1 AS delta FROM new_rows UNION ALL SELECT mode, -1 AS delta FROM old_rows
  ) AS moved GROUP BY mode HAVING sum(delta) <> 0
  ON CONFLICT (table_name, mode, slot)
  DO UPDATE SET count = wallet_recordcount.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wallet_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM wallet_recordcount WHERE table_name = TG_TABLE_NAME;
  RETURN NULL;
END $$;
"""

TRIGGERS_SQL = """
CREATE TRIGGER {table}_count_ins AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wallet_count_inserted();
CREATE TRIGGER {table}_count_del AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wallet_count_deleted();
CREATE TRIGGER {table}_count_upd AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION wallet_count_moved();
CREATE TRIGGER {table}_count_trunc AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION wallet_count_truncated();
DELETE FROM wallet_recordcount WHERE table_name = '{table}';
INSERT INTO wallet_recordcount (table_name, mode, slot, count)
  SELECT '{table}', mode, 0, count(*) FROM {table} GROUP BY mode;
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS {table}_count_ins ON {table};
DROP TRIGGER IF EXISTS {table}_count_del ON {table};
DROP TRIGGER IF EXISTS {table}_count_upd ON {table};
DROP TRIGGER IF EXISTS {table}_count_trunc ON {table};
DELETE FROM wallet_recordcount WHERE table_name = '{table}';
"""


def counted_tables() -> tuple[str, ...]:
    """The tables whose rows the triggers count."""
    return tuple(model._meta.db_table for model in COUNTED_MODELS)


def wanted(vendor: str) -> bool:
    """Whether counts are to be kept: the setting is on and the database is PostgreSQL."""
    return bool(wallet_settings.RECORD_COUNTS) and vendor == "postgresql"


def install(cursor: Any, tables: tuple[str, ...]) -> None:
    """Create (or replace) the counting functions and triggers, and count each table once."""
    cursor.execute(FUNCTIONS_SQL)
    for table in tables:
        cursor.execute(DROP_SQL.format(table=table))
        cursor.execute(TRIGGERS_SQL.format(table=table))


def remove(cursor: Any, tables: tuple[str, ...]) -> None:
    """Drop the counting triggers, functions and counts."""
    for table in tables:
        cursor.execute(DROP_SQL.format(table=table))
    for name in FUNCTIONS:
        cursor.execute(f"DROP FUNCTION IF EXISTS wallet_count_{name}()")


def sync(using: str = "default") -> bool:
    """Install or remove the triggers of database ``using`` as the setting says; return whether
    counts are kept. Nothing happens on other databases than PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    keep = wanted(connection.vendor)
    with connection.cursor() as cursor:
        (install if keep else remove)(cursor, counted_tables())
    return keep


def installed(using: str = "default") -> bool:
    """Whether database ``using`` has the counting triggers (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)",
            [[f"{table}_count_ins" for table in counted_tables()]],
        )
        return cursor.fetchone()[0] == len(COUNTED_MODELS)


def mode_total(model: type[models.Model], mode: str, using: str = "default") -> int | None:
    """All rows of ``model`` in ``mode`` (removed saved cards left out) from the counts.

    ``None`` where no counts are kept (setting off, another database, another model).
    """
    if not wanted(connections[using].vendor) or model not in COUNTED_MODELS:
        return None
    counts = RecordCount.objects.using(using).filter(table_name=model._meta.db_table, mode=mode)
    if model is CustomerPaymentSource:
        # Removed cards awaiting undo still have their rows: left out, in the same query.
        removed = (
            CustomerPaymentSource.all_objects.filter(mode=mode, removed_at__isnull=False)
            .order_by()
            .values("mode")
            .annotate(n=Count("pk"))
            .values("n")
        )
        rows = list(
            counts.annotate(removed=Coalesce(Subquery(removed), 0)).values_list("count", "removed")
        )
        return sum(count for count, _removed in rows) - (rows[0][1] if rows else 0)
    total = counts.aggregate(total=Sum("count"))["total"]
    return total or 0


def _where(queryset: QuerySet) -> tuple[str, tuple[Any, ...]]:
    query = queryset.query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.compile(query.where)
    return sql, tuple(params)


def known_total(queryset: QuerySet) -> int | None:
    """The row count of ``queryset`` from the kept counts, when its only condition is a mode.

    Any other condition (a customer, a filter, a kind), a ``DISTINCT`` or a slice gives
    ``None``: such a list is counted, so its count stays exact.
    """
    model = queryset.model
    if model not in COUNTED_MODELS or not wanted(connections[queryset.db].vendor):
        return None
    query = queryset.query
    if query.is_sliced or query.distinct or query.combinator or query.is_empty():
        return None
    where = _where(queryset)
    for mode in Mode.values:
        if where == _where(model._default_manager.using(queryset.db).filter(mode=mode)):
            return mode_total(model, mode, using=queryset.db)
    return None
