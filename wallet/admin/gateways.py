"""Admin of payment gateways; their secrets are write-only and never rendered."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wallet.admin.base import REFERENCE_FIELDS, WalletAdminForm, WalletModelAdmin, WriteOnlyField
from wallet.audit import GATEWAY_FIELDS
from wallet.models import PaymentGateway


class PaymentGatewayAdminForm(WalletAdminForm):
    """A gateway; its shared secret is write-only and an empty one keeps the stored secret."""

    shared_secret = WriteOnlyField(
        label=_("Shared secret"),
        max_length=255,
        help_text=_("Write-only. Leave empty to keep the current secret."),
    )

    # Stripe's secret key and webhook signing secret: write-only too.
    secret_key = WriteOnlyField(
        label=_("Secret key"),
        max_length=255,
        help_text=_("Stripe: sk_test_… or sk_live_…, of the gateway's mode. Write-only."),
    )
    webhook_secret = WriteOnlyField(
        label=_("Webhook signing secret"),
        max_length=255,
        help_text=_("Stripe: whsec_…. Write-only. Leave empty to keep the current secret."),
    )

    def _write_only(self, name: str) -> str:
        """An empty value keeps the stored secret."""
        secret = self.cleaned_data.get(name) or ""
        if not secret and self.instance.pk:
            return getattr(self.instance, name)
        return secret

    def clean_shared_secret(self) -> str:
        """An empty value keeps the stored secret."""
        return self._write_only("shared_secret")

    def clean_secret_key(self) -> str:
        """An empty value keeps the stored key."""
        return self._write_only("secret_key")

    def clean_webhook_secret(self) -> str:
        """An empty value keeps the stored secret."""
        return self._write_only("webhook_secret")


@admin.register(PaymentGateway)
class PaymentGatewayAdmin(WalletModelAdmin[PaymentGateway]):
    """Payment gateways: the built-in test gateway, the shop's external ones and Stripe."""

    form = PaymentGatewayAdminForm
    list_display = ("name", "kind", "mode", "has_shared_secret", "disabled_at", "created_at")
    list_filter = ("mode", "kind", "disabled_at", "created_at", "updated_at")
    search_fields = ("name", "reference", "=id")
    gateway_fields = GATEWAY_FIELDS
    add_fields = ("mode", *gateway_fields, *REFERENCE_FIELDS)
    change_fields = (*gateway_fields, *REFERENCE_FIELDS)
    view_only_swaps = {
        "shared_secret": "has_shared_secret",
        "secret_key": "has_secret_key",
        "webhook_secret": "has_webhook_secret",
        "metadata": "metadata_display",
    }
    readonly_fields = (
        *WalletModelAdmin.readonly_fields,
        "has_shared_secret",
        "has_secret_key",
        "has_webhook_secret",
    )

    @admin.display(description=_("shared secret set"), boolean=True)
    def has_shared_secret(self, obj: PaymentGateway) -> bool:
        """Whether a secret is stored (the secret itself is never shown)."""
        return bool(obj.shared_secret)

    @admin.display(description=_("secret key set"), boolean=True)
    def has_secret_key(self, obj: PaymentGateway) -> bool:
        """Whether a Stripe secret key is stored (never shown)."""
        return bool(obj.secret_key)

    @admin.display(description=_("webhook secret set"), boolean=True)
    def has_webhook_secret(self, obj: PaymentGateway) -> bool:
        """Whether a Stripe webhook signing secret is stored (never shown)."""
        return bool(obj.webhook_secret)
