"""API credentials: OAuth2 applications with the wallet's kind and mode."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from wallet.models.base import Mode


class ApiCredential(models.Model):
    """An API credential: a django-oauth-toolkit application with a ``kind`` and a ``mode``.

    Integrations act on everything of their mode; sales channels act as guests and let
    customers sign in with the password grant. The secret lives hashed on the application.
    """

    class Kind(models.TextChoices):
        INTEGRATION = "integration", _("Integration")
        SALES_CHANNEL = "sales_channel", _("Sales channel")

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="wallet_credential",
        verbose_name=_("OAuth2 application"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    mode = models.CharField(_("mode"), max_length=4, choices=Mode.choices, default=Mode.TEST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API credential")
        verbose_name_plural = _("API credentials")

    def __str__(self) -> str:
        return f"{self.application.name} ({self.get_kind_display()}, {self.mode})"
