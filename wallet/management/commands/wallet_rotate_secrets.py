"""``manage.py wallet_rotate_secrets``: re-encrypt gateway secrets with the newest key."""

from typing import Any

from wallet import services
from wallet.management.base import OneLineErrorCommand


class Command(OneLineErrorCommand):
    """Re-encrypt every gateway secret with the first key of ``WALLET["SECRET_KEYS"]``.

    Rotation: put a new key first in ``SECRET_KEYS`` (keeping the old ones), deploy, run this
    command, then remove the old keys.
    """

    help = 'Re-encrypt every gateway secret with the first key of WALLET["SECRET_KEYS"].'

    def handle(self, *args: Any, **options: Any) -> None:
        """Rewrite the secrets and say how many."""
        count = services.reencrypt_gateway_secrets()
        self.stdout.write(f"Re-encrypted {count} gateway secret(s).")
