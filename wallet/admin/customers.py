"""Admin of shop customers and their logins."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wallet import services
from wallet.admin.base import (
    REFERENCE_FIELDS,
    WalletAdminForm,
    WalletModelAdmin,
    WriteOnlyField,
    record_references,
)
from wallet.models import Customer


class CustomerAdminForm(WalletAdminForm):
    """A customer, with an optional password that creates or updates their login."""

    password = WriteOnlyField(
        label=_("Password"),
        help_text=_(
            "Optional. Creates or updates the customer's login. Leave empty to keep it unchanged."
        ),
    )


@admin.register(Customer)
class CustomerAdmin(WalletModelAdmin[Customer]):
    """Shop customers and their logins."""

    form = CustomerAdminForm
    list_display = ("email", "user", "status", "mode", "created_at")
    list_filter = ("mode", "status", "created_at", "updated_at")
    list_select_related = ("user",)
    search_fields = ("email", "reference", "=id")
    raw_id_fields = ("user",)
    add_fields = ("mode", "email", "user", "password", *REFERENCE_FIELDS)
    change_fields = (
        "email",
        "user",
        "user_created_by_wallet",
        "password",
        "status",
        *REFERENCE_FIELDS,
    )
    # The wallet sets a password or email only on a login it created for this customer.
    change_readonly = ("status", "user_created_by_wallet")

    def get_autocomplete_fields(self, request: HttpRequest) -> tuple[str, ...]:
        """Autocomplete the user when the shop's user admin supports search."""
        user_admin = self.admin_site._registry.get(get_user_model())
        if user_admin is not None and user_admin.get_search_fields(request):
            return ("user",)
        return ()

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> Customer:
        """Create through :func:`services.create_customer`."""
        return services.create_customer(
            mode=data["mode"],
            email=data["email"],
            password=data.get("password") or None,
            user=data.get("user"),
            actor=self.actor(request),
            **record_references(data),
        )

    def update_object(
        self, request: HttpRequest, obj: Customer, changes: dict[str, Any]
    ) -> Customer:
        """Update through :func:`services.update_customer` (an empty password is no change)."""
        if not changes.get("password"):
            changes.pop("password", None)
        return services.update_customer(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: Customer) -> None:
        """Delete through :func:`services.delete_customer`."""
        services.delete_customer(obj, actor=self.actor(request))
