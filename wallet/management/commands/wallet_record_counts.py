"""``manage.py wallet_record_counts``: install or remove the row-count triggers as configured."""

from typing import Any

from django.core.management.base import CommandParser

from wallet import record_counts
from wallet.management.base import OneLineErrorCommand


class Command(OneLineErrorCommand):
    """Bring the PostgreSQL row-count triggers in line with ``WALLET["RECORD_COUNTS"]``.

    ``migrate`` does it too; run this after changing the setting on a migrated database.
    """

    help = "Install (RECORD_COUNTS on) or remove (off) the PostgreSQL row-count triggers."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--database``: the database alias (default ``default``)."""
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        """Sync the triggers and say what is kept."""
        kept = record_counts.sync(options["database"])
        tables = ", ".join(record_counts.counted_tables())
        if kept:
            self.stdout.write(f"Row counts kept by triggers on {tables}.")
        else:
            self.stdout.write("No row-count triggers (RECORD_COUNTS off, or not PostgreSQL).")
