"""The row-count triggers become opt-in: kept only where ``WALLET["RECORD_COUNTS"]`` is on.

Databases migrated before had them unconditionally: this removes them unless the setting asks
for them (``wallet.record_counts``; ``manage.py wallet_record_counts`` re-syncs later).
"""

from django.db import migrations


def sync_triggers(apps, schema_editor):
    """Install or remove the triggers as the setting says (PostgreSQL only)."""
    from wallet import record_counts

    record_counts.sync(schema_editor.connection.alias)


def restore_triggers(apps, schema_editor):
    """Going back to a migration that always counted: install them (PostgreSQL only)."""
    from wallet import record_counts

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            record_counts.install(cursor, record_counts.counted_tables())


class Migration(migrations.Migration):
    dependencies = [("wallet", "0014_postgres_search_indexes")]

    operations = [migrations.RunPython(sync_triggers, restore_triggers)]
