"""Admin of external payments: the token is set once and only ever shown masked."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from wallet import services
from wallet.admin.base import REFERENCE_FIELDS, WalletModelAdmin, record_references
from wallet.admin.masking import json_display, mask_token
from wallet.models import ExternalPayment
from wallet.money import format_money


@admin.register(ExternalPayment)
class ExternalPaymentAdmin(WalletModelAdmin[ExternalPayment]):
    """Payments made through a gateway; the token is set once, on the add page."""

    list_display = (
        "id",
        "order",
        "customer_email",
        "instrument",
        "masked_payment_source_token",
        "payment_gateway",
        "saved_source",
        "mode",
        "created_at",
    )
    list_filter = ("mode", "payment_gateway", "created_at", "updated_at")
    list_select_related = ("order__customer", "payment_gateway", "saved_source")
    search_fields = (
        "=id",
        "order__number",
        "order__customer__email",
        "reference",
        "payment_source_token__iendswith",
    )
    autocomplete_fields = ("order",)
    add_fields = ("order", "payment_source_token", "options", *REFERENCE_FIELDS)
    change_fields = (
        "order",
        "payment_gateway",
        "saved_source",
        "masked_payment_source_token",
        "instrument_display",
        "transactions_display",
        "options",
        *REFERENCE_FIELDS,
    )
    change_readonly = (
        "payment_gateway",
        "saved_source",
        "masked_payment_source_token",
        "instrument_display",
        "transactions_display",
    )
    view_only_swaps = {"options": "options_display", "metadata": "metadata_display"}
    readonly_fields = (
        *WalletModelAdmin.readonly_fields,
        "masked_payment_source_token",
        "instrument_display",
        "transactions_display",
        "options_display",
    )

    @admin.display(description=_("payment source token"))
    def masked_payment_source_token(self, obj: ExternalPayment) -> str:
        """The token, masked to its last 4 characters."""
        return mask_token(obj.payment_source_token)

    @admin.display(description=_("customer"), ordering="order__customer__email")
    def customer_email(self, obj: ExternalPayment) -> str:
        """The order customer's email."""
        customer = obj.order.customer
        return customer.email if customer else "-"

    @admin.display(description=_("instrument"))
    def instrument(self, obj: ExternalPayment) -> str:
        """``Visa •••• 4242``."""
        return obj.instrument_label or "-"

    @admin.display(description=_("payment instrument"))
    def instrument_display(self, obj: ExternalPayment) -> SafeString:
        """The instrument the gateway described."""
        return json_display(obj.payment_instrument)

    @admin.display(description=_("transactions"))
    def transactions_display(self, obj: ExternalPayment) -> SafeString:
        """The gateway operations on this payment, newest first, tokens masked."""
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    item.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    item.get_kind_display(),
                    _("succeeded") if item.succeeded else _("failed"),
                    format_money(item.amount_cents, item.currency_code),
                    mask_token(item.token) or "-",
                    item.message or "-",
                )
                for item in obj.transactions.order_by("-created_at")
            ),
        )
        if not rows:
            return format_html("{}", _("No transactions."))
        return format_html(
            '<table class="wallet-transactions"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("time"),
            _("kind"),
            _("outcome"),
            _("amount"),
            _("token"),
            _("message"),
            rows,
        )

    @admin.display(description=_("options"))
    def options_display(self, obj: ExternalPayment) -> SafeString:
        """The options object, tokens masked."""
        return json_display(obj.options)

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> ExternalPayment:
        """Create through :func:`services.create_external_payment`."""
        return services.create_external_payment(
            order=data["order"],
            payment_source_token=data["payment_source_token"],
            options=data.get("options") or {},
            actor=self.actor(request),
            **record_references(data),
        )

    def update_object(
        self, request: HttpRequest, obj: ExternalPayment, changes: dict[str, Any]
    ) -> ExternalPayment:
        """Update through :func:`services.update_external_payment`."""
        return services.update_external_payment(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: ExternalPayment) -> None:
        """Delete through :func:`services.delete_external_payment` (locked with transactions)."""
        services.delete_external_payment(obj, actor=self.actor(request))
