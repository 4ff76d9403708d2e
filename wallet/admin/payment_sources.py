"""Admin of customers' saved cards, shown as the storefront shows them."""

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wallet import services
from wallet.admin.base import (
    REFERENCE_FIELDS,
    ServiceRefusal,
    WalletModelAdmin,
    call_service,
    record_references,
)
from wallet.admin.masking import json_display, mask_token
from wallet.instruments import describe_source
from wallet.models import CustomerPaymentSource


@admin.register(CustomerPaymentSource)
class CustomerPaymentSourceAdmin(WalletModelAdmin[CustomerPaymentSource]):
    """Customers' saved cards; the default moves through the services."""

    list_display = (
        "card",
        "is_default",
        "expiry",
        "customer",
        "masked_payment_source_token",
        "masked_customer_token",
        "mode",
        "created_at",
    )
    list_filter = (
        "mode",
        "is_default",
        "payment__payment_gateway",
        "created_at",
        "updated_at",
    )
    list_select_related = ("customer", "payment")
    # Staff find a card by what the customer tells them: its last four digits, its brand
    # ("visa", "amex"), or the customer's email.
    search_fields = (
        "=id",
        "customer__email",
        "reference",
        "=payment_instrument__card_last_digits",
        "=payment_instrument__card_type",
        "payment_source_token__iendswith",
        "customer_token__iendswith",
    )
    autocomplete_fields = ("customer", "payment")
    actions = ("set_as_default",)
    add_fields = (
        "customer",
        "payment",
        "customer_token",
        "payment_source_token",
        "is_default",
        *REFERENCE_FIELDS,
    )
    change_fields = (
        "customer",
        "payment",
        "name_display",
        "instrument_display",
        "masked_customer_token",
        "masked_payment_source_token",
        "is_default",
        "last_used_at",
        *REFERENCE_FIELDS,
    )
    # A saved card's customer never changes: it is saved again for the other customer instead.
    change_readonly = (
        "customer",
        "name_display",
        "instrument_display",
        "masked_customer_token",
        "masked_payment_source_token",
        "last_used_at",
    )
    readonly_fields = (
        *WalletModelAdmin.readonly_fields,
        "name_display",
        "instrument_display",
        "masked_customer_token",
        "masked_payment_source_token",
    )

    @admin.display(description=_("payment source token"))
    def masked_payment_source_token(self, obj: CustomerPaymentSource) -> str:
        """The token, masked to its last 4 characters."""
        return mask_token(obj.payment_source_token)

    @admin.display(description=_("customer token"))
    def masked_customer_token(self, obj: CustomerPaymentSource) -> str:
        """The gateway's customer token, masked to its last 4 characters."""
        return mask_token(obj.customer_token) or "-"

    @admin.display(description=_("card"), ordering="created_at")
    def card(self, obj: CustomerPaymentSource) -> str:
        """As the shopper sees it: ``Visa •••• 4242`` (and its nickname)."""
        card = describe_source(obj)
        return f"{card.label} · {card.nickname}" if card.nickname else card.label

    @admin.display(description=_("expires"))
    def expiry(self, obj: CustomerPaymentSource) -> str:
        """``12/2030``, flagged as the storefront flags it: expired, or expiring soon."""
        card = describe_source(obj)
        if card.is_expired:
            return f"{card.expiry} ({_('expired')})"
        if card.is_expiring_soon:
            return f"{card.expiry} ({_('expires soon')})"
        return card.expiry or "-"

    @admin.display(description=_("name"))
    def name_display(self, obj: CustomerPaymentSource) -> str:
        """The derived name, ``XXXX-XXXX-XXXX-4242``."""
        return obj.name or "-"

    @admin.display(description=_("payment instrument"))
    def instrument_display(self, obj: CustomerPaymentSource) -> SafeString:
        """The instrument copied from the payment source."""
        return json_display(obj.payment_instrument)

    @admin.action(permissions=["change"], description=_("Set as default"))
    def set_as_default(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Make each selected source its customer's default (one per customer)."""
        sources = list(queryset.select_related("customer"))
        per_customer: dict[str, list[CustomerPaymentSource]] = {}
        for source in sources:
            per_customer.setdefault(source.customer_id, []).append(source)
        clashes = [group[0].customer for group in per_customer.values() if len(group) > 1]
        if clashes:
            self.message_user(
                request,
                _("Select one payment source per customer; several were selected for: %(who)s.")
                % {"who": ", ".join(sorted(c.email for c in clashes))},
                messages.ERROR,
            )
            return
        try:
            with transaction.atomic():
                for source in sources:
                    call_service(
                        services.set_default_payment_source, source, actor=self.actor(request)
                    )
        except ServiceRefusal as refusal:  # e.g. an expired card: nothing was changed
            self.message_user(request, refusal.message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d payment source is now its customer's default.",
                "%(count)d payment sources are now their customers' default.",
                len(sources),
            )
            % {"count": len(sources)},
            messages.SUCCESS,
        )

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> CustomerPaymentSource:
        """Create through :func:`services.create_payment_source`."""
        return services.create_payment_source(
            customer=data["customer"],
            payment=data.get("payment"),
            customer_token=data.get("customer_token") or "",
            payment_source_token=data["payment_source_token"],
            is_default=bool(data.get("is_default")),
            actor=self.actor(request),
            **record_references(data),
        )

    def update_object(
        self, request: HttpRequest, obj: CustomerPaymentSource, changes: dict[str, Any]
    ) -> CustomerPaymentSource:
        """Update through :func:`services.update_payment_source` (the default moves there)."""
        return services.update_payment_source(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: CustomerPaymentSource) -> None:
        """Delete through :func:`services.delete_payment_source`, so the default moves."""
        services.delete_payment_source(obj, actor=self.actor(request))
