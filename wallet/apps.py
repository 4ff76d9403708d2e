"""App configuration of the wallet."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    """Registers the wallet app and its system checks."""

    name = "wallet"
    verbose_name = _("Checkout wallet")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the system checks and the admin of API credentials."""
        from wallet import admin_credentials, checks  # noqa: F401
