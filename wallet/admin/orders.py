"""Admin of orders: capture, cancel and refund after a confirmation page."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
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
from wallet.models import Order


@admin.register(Order)
class OrderAdmin(WalletModelAdmin[Order]):
    """Payable orders; status changes happen at checkout, not here."""

    list_display = (
        "number",
        "customer",
        "status",
        "payment_status",
        "total_amount",
        "payment_gateway",
        "mode",
        "created_at",
    )
    list_filter = (
        "mode",
        "status",
        "payment_status",
        "payment_gateway",
        "created_at",
        "updated_at",
    )
    list_select_related = ("customer", "payment_gateway")
    search_fields = ("number", "customer__email", "reference", "=id")
    autocomplete_fields = ("customer", "payment_gateway")
    order_fields = ("number", "customer", "payment_gateway", "currency_code", "total_amount_cents")
    add_fields = ("mode", *order_fields, *REFERENCE_FIELDS)
    change_fields = (*order_fields, "status", "payment_status", "placed_at", *REFERENCE_FIELDS)
    change_readonly = ("status", "payment_status", "placed_at")
    actions = ("capture", "cancel", "refund")

    @admin.action(permissions=["change"], description=_("Capture the payment of selected orders"))
    def capture(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Capture each selected order's authorization, after a confirmation page."""
        return self._payment_action(request, queryset, "capture", services.capture_order)

    @admin.action(permissions=["change"], description=_("Cancel selected orders (void)"))
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Cancel each selected order, voiding its authorization, after a confirmation page."""
        return self._payment_action(request, queryset, "cancel", services.cancel_order)

    @admin.action(permissions=["change"], description=_("Refund selected orders in full"))
    def refund(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Refund each selected paid order in full, after a confirmation page."""
        return self._payment_action(request, queryset, "refund", services.refund_order)

    def _payment_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        action: str,
        service: Callable[..., Any],
    ) -> HttpResponse | None:
        """Ask first (money moves at the gateway), then run ``service`` on each order.

        Each order is its own transaction: one refusal does not undo the others' gateway calls.
        """
        orders = list(queryset.select_related("customer", "payment_gateway"))
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/wallet/order/confirm_payment_action.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Are you sure?"),
                    "opts": self.model._meta,
                    "orders": orders,
                    "action": action,
                    "action_label": self.get_actions(request)[action][2],
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        done = 0
        for order in orders:
            try:
                call_service(service, order, actor=self.actor(request))
            except ServiceRefusal as refusal:
                self.message_user(request, f"#{order.number}: {refusal.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d order done.", "%(count)d orders done.", done) % {"count": done},
                messages.SUCCESS,
            )
        return None

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        """On the add page the number is optional: the service generates one."""
        form_class = super().get_form(request, obj, change, **kwargs)
        if obj is None and "number" in form_class.base_fields:
            form_class.base_fields["number"].required = False
            form_class.base_fields["number"].help_text = _("Generated when left empty.")
        return form_class

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> Order:
        """Create through :func:`services.create_order`."""
        return services.create_order(
            mode=data["mode"],
            number=data.get("number") or None,
            customer=data.get("customer"),
            payment_gateway=data.get("payment_gateway"),
            currency_code=data["currency_code"],
            total_amount_cents=data["total_amount_cents"],
            actor=self.actor(request),
            **record_references(data),
        )

    def update_object(self, request: HttpRequest, obj: Order, changes: dict[str, Any]) -> Order:
        """Update through :func:`services.update_order`."""
        return services.update_order(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: Order) -> None:
        """Delete through :func:`services.delete_order` (locked once it has payments)."""
        services.delete_order(obj, actor=self.actor(request))
