"""Admin of gateway transactions: read-only, written by the gateway flow only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wallet.admin.base import ReadOnlyAdminMixin
from wallet.admin.masking import mask_token
from wallet.models import Transaction
from wallet.money import format_money


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Gateway operations on payments; written by the gateway flow only."""

    list_display = (
        "id",
        "payment",
        "kind",
        "succeeded",
        "amount",
        "masked_token",
        "mode",
        "created_at",
    )
    list_filter = ("mode", "kind", "succeeded", "payment__payment_gateway", "created_at")
    list_select_related = ("payment",)
    search_fields = ("=id", "=payment__id", "payment__order__number", "token__iendswith")
    fields = (
        "id",
        "mode",
        "payment",
        "kind",
        "succeeded",
        "amount",
        "masked_token",
        "message",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("token"))
    def masked_token(self, obj: Transaction) -> str:
        """The gateway's transaction token, masked to its last 4 characters."""
        return mask_token(obj.token) or "-"

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, obj: Transaction) -> str:
        """``EUR 12.50``."""
        return format_money(obj.amount_cents, obj.currency_code)
