"""``manage.py wallet_purge_removed_cards``: delete the removed cards whose undo window is over."""

from typing import Any

from wallet import services
from wallet.management.base import OneLineErrorCommand


class Command(OneLineErrorCommand):
    """Delete for good every saved card removed longer ago than ``REMOVAL_UNDO_SECONDS``.

    A customer's own next wallet write purges their cards anyway; run this from cron so that
    the removed cards of customers who never come back are deleted too.
    """

    help = "Delete the saved cards removed longer ago than the undo window."

    def handle(self, *args: Any, **options: Any) -> None:
        """Purge and say how many."""
        count = services.purge_removed_payment_sources()
        self.stdout.write(f"Deleted {count} removed card(s).")
