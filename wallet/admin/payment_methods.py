"""Admin of payment methods: the ways to pay offered to shoppers."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wallet import services
from wallet.admin.base import REFERENCE_FIELDS, WalletModelAdmin, record_references
from wallet.audit import PAYMENT_METHOD_FIELDS
from wallet.models import PaymentMethod


@admin.register(PaymentMethod)
class PaymentMethodAdmin(WalletModelAdmin[PaymentMethod]):
    """Ways to pay offered to shoppers: an order's gateway follows its payment method."""

    list_display = ("name", "payment_gateway", "currency_code", "auto_capture", "disabled_at")
    list_filter = ("mode", "payment_gateway", "auto_capture", "disabled_at", "created_at")
    list_select_related = ("payment_gateway",)
    search_fields = ("name", "reference", "=id")
    method_fields = tuple(name for name in PAYMENT_METHOD_FIELDS if name not in REFERENCE_FIELDS)
    add_fields = ("mode", *method_fields, *REFERENCE_FIELDS)
    change_fields = (*method_fields, *REFERENCE_FIELDS)

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> PaymentMethod:
        """Create through :func:`services.create_payment_method`."""
        values = {name: data[name] for name in self.method_fields if name in data}
        return services.create_payment_method(
            mode=data["mode"],
            values={**values, **record_references(data)},
            actor=self.actor(request),
        )

    def update_object(
        self, request: HttpRequest, obj: PaymentMethod, changes: dict[str, Any]
    ) -> PaymentMethod:
        """Update through :func:`services.update_payment_method`."""
        return services.update_payment_method(obj, changes, actor=self.actor(request))
