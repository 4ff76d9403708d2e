"""App configuration of the wallet."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    """Registers the wallet app and its system checks."""

    name = "wallet"
    verbose_name = _("Checkout wallet")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the system checks (the admins register through ``admin.autodiscover``)."""
        from wallet import checks  # noqa: F401
