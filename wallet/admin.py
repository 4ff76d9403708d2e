"""The Django admin of the wallet, for shop staff.

Every write goes through :mod:`wallet.services` with the staff user as the actor, so the admin
applies the same rules and leaves the same audit trail as the API and the storefront. A refusal
from a service (a validation error, a locked record) becomes an error message on the page, never
a server error, and nothing is saved.

Gateway tokens are only ever shown masked to their last four characters (``••••1230``), and a
gateway's shared secret is never rendered.
"""

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wallet import services
from wallet.audit import GATEWAY_FIELDS, PAYMENT_METHOD_FIELDS
from wallet.cards import describe_source
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
    Transaction,
)
from wallet.money import format_money

MASK = "••••"
# Model fields holding gateway tokens: never rendered in full.
TOKEN_FIELDS = ("payment_source_token", "customer_token")
# Record fields shown on every change page of a wallet resource.
RECORD_FIELDS = ("id", "mode", "created_at", "updated_at")
REFERENCE_FIELDS = ("reference", "reference_origin", "metadata")


# --- masking -------------------------------------------------------------------------------


def mask_token(value: Any) -> str:
    """Mask a token to its last 4 characters: ``tok_test_visa_4242_1230`` → ``••••1230``."""
    text = str(value or "")
    if not text:
        return ""
    return MASK + text[-4:] if len(text) > 4 else MASK


def is_token_key(key: Any) -> bool:
    """Whether a JSON key names a token (``customer_token``, ``token``, …)."""
    return str(key).lower().endswith("token")


def mask_json(value: Any, key: Any = None) -> Any:
    """Return ``value`` with every string under a token-like key masked, at any depth.

    A list under a token key (like an audit change ``[old, new]``) has each item masked.
    """
    if isinstance(value, dict):
        return {k: mask_json(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_json(item, key) for item in value]
    if isinstance(value, str) and key is not None and is_token_key(key):
        return mask_token(value)
    return value


def unmask_json(new: Any, old: Any) -> Any:
    """Put back the real tokens where a submitted JSON value still holds their masked form."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    restored = {}
    for key, value in new.items():
        original = old.get(key)
        if (
            is_token_key(key)
            and isinstance(value, str)
            and isinstance(original, str)
            and value == mask_token(original)
        ):
            restored[key] = original
        elif isinstance(value, dict):
            restored[key] = unmask_json(value, original)
        else:
            restored[key] = value
    return restored


def json_display(value: Any) -> SafeString:
    """Render a JSON value, tokens masked, as preformatted text."""
    if value in (None, {}, []):
        return format_html("{}", "-")
    text = json.dumps(mask_json(value), indent=2, ensure_ascii=False, sort_keys=True)
    return format_html('<pre class="wallet-json">{}</pre>', text)


class MaskedJSONFormField(forms.JSONField):
    """A JSON form field that shows token-like keys masked.

    The form puts the real token back when the masked value comes back unchanged
    (:func:`unmask_json`), so editing other keys never destroys a token.
    """

    def prepare_value(self, value: Any) -> Any:
        """Mask tokens before rendering (bound invalid input is left as typed)."""
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return super().prepare_value(mask_json(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Compare with the masked initial value: an untouched masked token is no change."""
        return super().has_changed(mask_json(initial), data)


# --- service refusals ----------------------------------------------------------------------


class ServiceRefusal(Exception):
    """A service refused an admin write; carries the error to show. Rolls the request back."""

    def __init__(self, error: ValidationError | services.WalletError) -> None:
        super().__init__(str(error))
        self.error = error

    @property
    def message(self) -> str:
        """One line naming the field(s) at fault."""
        error = self.error
        if isinstance(error, services.WalletError):
            return str(error.message)
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(str(m) for m in ValidationError(errors).messages)}"
                for field, errors in error.error_dict.items()
            )
        return " ".join(str(m) for m in error.messages)


def add_refusal_to_form(form: forms.BaseForm, error: ValidationError | Exception) -> None:
    """Attach a service's error to the form fields it names (the rest as non-field errors)."""
    if isinstance(error, services.WalletError):
        form.add_error(None, str(error.message))
        return
    if not isinstance(error, ValidationError):
        form.add_error(None, str(error))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field in form.fields and field != "__all__":
            form.add_error(field, errors)
        else:
            for message in ValidationError(errors).messages:
                form.add_error(None, f"{field}: {message}" if field != "__all__" else message)


def call_service(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a service; turn its refusal into :class:`ServiceRefusal`."""
    try:
        return function(*args, **kwargs)
    except (ValidationError, services.WalletError) as exc:
        raise ServiceRefusal(exc) from exc


# --- base admin ----------------------------------------------------------------------------


class WriteOnlyField(forms.CharField):
    """A password-style field whose value is never rendered; empty means "no change"."""

    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Changed only when something was typed."""
        return bool(data)


class WalletAdminForm(forms.ModelForm):
    """Base form: real tokens are restored in JSON fields displayed masked."""

    def clean(self) -> dict[str, Any]:
        """Restore masked tokens in ``metadata``/``options`` before the model validates them."""
        cleaned = super().clean()
        if self.instance.pk:
            for name in ("metadata", "options"):
                if name in cleaned and hasattr(self.instance, name):
                    cleaned[name] = unmask_json(cleaned[name], getattr(self.instance, name))
        return cleaned


class WalletModelAdmin(admin.ModelAdmin):
    """Common behaviour of the wallet's admins: service writes, masking, audit history.

    Subclasses describe their pages with ``add_fields`` (the add page), ``change_fields`` (the
    change page, where ``change_readonly`` ones are shown read-only) and ``view_only_swaps``
    (fields replaced by a safe display for staff who may only view). They implement
    ``create_object`` / ``update_object`` / ``delete_object`` by calling services.
    """

    form = WalletAdminForm
    add_fields: tuple[str, ...] = ()
    change_fields: tuple[str, ...] = ()
    change_readonly: tuple[str, ...] = ()
    view_only_swaps: dict[str, str] = {"metadata": "metadata_display"}
    show_audit_history = True
    save_as = False
    readonly_fields = (*RECORD_FIELDS, "audit_history", "metadata_display")

    # --- pages ---

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, dict]]:
        """Add page: the writable fields; change page: those plus record data and history."""
        if obj is None:
            main = [f for f in self.add_fields if f not in REFERENCE_FIELDS]
            references = [f for f in REFERENCE_FIELDS if f in self.add_fields]
            return [(None, {"fields": main}), (_("References"), {"fields": references})]
        main = [f for f in self.change_fields if f not in REFERENCE_FIELDS]
        references = list(REFERENCE_FIELDS)
        if not self.has_change_permission(request, obj):
            main = [self.view_only_swaps.get(f, f) for f in main if f != "password"]
            references = [self.view_only_swaps.get(f, f) for f in references]
        fieldsets: list[tuple[Any, dict]] = [
            (None, {"fields": main}),
            (_("References"), {"fields": references}),
            (_("Record"), {"fields": list(RECORD_FIELDS)}),
        ]
        if self.show_audit_history:
            fieldsets.append((_("History"), {"fields": ["audit_history"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        """Record data, history and the ``change_readonly`` fields on the change page."""
        if obj is None:
            return ()
        return (*self.change_readonly, *RECORD_FIELDS, "audit_history")

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        """Tokens inside JSON objects are shown masked."""
        if isinstance(db_field, models.JSONField) and db_field.name in ("metadata", "options"):
            kwargs["form_class"] = MaskedJSONFormField
        elif isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and field is not None:
            # The admin's split widget labels only its first input: name both for screen readers.
            widgets = getattr(field.widget, "widgets", ())
            for widget, part in zip(widgets, (_("date"), _("time")), strict=False):
                widget.attrs["aria-label"] = f"{db_field.verbose_name}: {part}"
        return field

    class Media:
        # Names for the autocomplete widgets' comboboxes (axe); admin.css comes with base_site.
        js = ("wallet/admin.js",)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        """The form; after a service refusal, one that shows the refusal as form errors."""
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_wallet_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):  # type: ignore[valid-type, misc]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                add_refusal_to_form(self, refusal)
                return cleaned

        return RefusedForm

    # --- writes through services ---

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        """Create the record from the form's cleaned data through :func:`services.create_record`.

        Admins of models with richer rules override this with their specific service.
        """
        names = {field.name for field in self.model._meta.concrete_fields}
        values = {name: value for name, value in data.items() if name in names}
        record = self.model(**{**values, **_references(data)})
        return services.create_record(record, actor=self.actor(request))

    def update_object(
        self, request: HttpRequest, obj: models.Model, changes: dict[str, Any]
    ) -> models.Model:
        """Apply ``changes`` (changed form fields) through :func:`services.update_record`."""
        return services.update_record(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        """Delete ``obj`` through :func:`services.delete_record` (locked while history needs it)."""
        services.delete_record(obj, actor=self.actor(request))

    def actor(self, request: HttpRequest) -> services.Actor:
        """The audit actor: the staff user, through the admin."""
        return services.actor_for_user(request.user)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        """Create or update through the services instead of ``obj.save()``."""
        if not change:
            created = call_service(self.create_object, request, form.cleaned_data)
            for field in self.model._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            obj._state.db = created._state.db
            return
        audited = services.AUDITED_FIELDS[self.model]
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in audited or name == "password"
        }
        # The form already copied its values onto ``obj``; the service needs the stored record.
        stored = self.model._default_manager.filter(pk=obj.pk).first()
        if stored is None:
            raise ServiceRefusal(services.WalletError(str(_("This record no longer exists."))))
        call_service(self.update_object, request, stored, changes)
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        """Delete through the services."""
        call_service(self.delete_object, request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Delete each selected record through the services, all or nothing."""
        with transaction.atomic():
            for obj in queryset:
                call_service(self.delete_object, request, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """On a service refusal, show the form again with the error; nothing was saved.

        The first attempt ran inside the admin's transaction, which the refusal rolled back;
        the second pass validates the same data and shows the refusal as form errors.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            request._wallet_refusal = refusal.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """On a refused delete, go back to the record with the reason; nothing was deleted."""
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                )
            )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Replace the built-in bulk delete with one that deletes through the services."""
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                delete_selected_through_services,
                "delete_selected",
                actions["delete_selected"][2],
            )
        return actions

    # --- read-only displays ---

    @admin.display(description=_("history"))
    def audit_history(self, obj: Any) -> SafeString:
        """The record's audit entries, newest first: time, event, changes, who."""
        if obj is None or not obj.pk:
            return format_html("{}", "-")
        entries = AuditEntry.objects.filter(
            resource_type=services.RESOURCE_TYPES[type(obj)], resource_id=obj.pk
        ).order_by("-created_at", "-pk")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    entry.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    entry.get_event_display(),
                    changes_display(entry.changes),
                    who_display(entry.who),
                )
                for entry in entries
            ),
        )
        if not rows:
            return format_html("{}", _("No history yet."))
        return format_html(
            '<table class="wallet-audit"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("time"),
            _("event"),
            _("changes"),
            _("who"),
            rows,
        )

    @admin.display(description=_("metadata"))
    def metadata_display(self, obj: Any) -> SafeString:
        """The metadata object, tokens masked."""
        return json_display(obj.metadata)


def changes_display(changes: dict[str, Any]) -> SafeString:
    """Render audit changes ``{attr: [old, new]}`` as lines ``attr: old → new``, tokens masked."""
    masked = mask_json(changes or {})
    if not masked:
        return format_html("{}", "-")

    def show(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for field, change in masked.items():
        if isinstance(change, list) and len(change) == 2:
            lines.append((field, show(change[0]), show(change[1])))
        else:
            lines.append((field, "", show(change)))
    return format_html_join(
        "", "<div><code>{}</code>: {} &rarr; {}</div>", ((f, a, b) for f, a, b in lines)
    )


def who_display(who: dict[str, Any]) -> str:
    """Describe an audit ``who``: ``admin · user 3``."""
    who = who or {}
    parts = []
    application = who.get("application") or {}
    if application.get("kind"):
        parts.append(str(application["kind"]))
    owner = who.get("owner") or {}
    if owner.get("type"):
        parts.append(f"{owner['type']} {owner.get('id') or ''}".strip())
    return " · ".join(parts) or "-"


@admin.action(permissions=["delete"], description=_("Delete selected %(verbose_name_plural)s"))
def delete_selected_through_services(
    modeladmin: WalletModelAdmin, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """Django's bulk delete (same confirmation page), deleting through the services."""
    if not request.POST.get("post"):
        return django_delete_selected(modeladmin, request, queryset)
    if not modeladmin.has_delete_permission(request):
        raise PermissionDenied
    objects = list(queryset)
    try:
        with transaction.atomic():
            modeladmin.log_deletions(request, objects)
            modeladmin.delete_queryset(request, queryset)
    except ServiceRefusal as refusal:
        modeladmin.message_user(request, refusal.message, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        ngettext("Deleted %(count)d record.", "Deleted %(count)d records.", len(objects))
        % {"count": len(objects)},
        messages.SUCCESS,
    )
    return None


def _references(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": data.get("reference") or "",
        "reference_origin": data.get("reference_origin") or "",
        "metadata": data.get("metadata") or {},
    }


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes these records in the admin; staff may view them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Never."""
        return False


# --- customers -----------------------------------------------------------------------------


class CustomerAdminForm(WalletAdminForm):
    """A customer, with an optional password that creates or updates their login."""

    password = WriteOnlyField(
        label=_("Password"),
        help_text=_(
            "Optional. Creates or updates the customer's login. Leave empty to keep it unchanged."
        ),
    )


@admin.register(Customer)
class CustomerAdmin(WalletModelAdmin):
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
            **_references(data),
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


# --- gateways ------------------------------------------------------------------------------


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
class PaymentGatewayAdmin(WalletModelAdmin):
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


# --- payment methods -----------------------------------------------------------------------


@admin.register(PaymentMethod)
class PaymentMethodAdmin(WalletModelAdmin):
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
            mode=data["mode"], values={**values, **_references(data)}, actor=self.actor(request)
        )

    def update_object(
        self, request: HttpRequest, obj: PaymentMethod, changes: dict[str, Any]
    ) -> PaymentMethod:
        """Update through :func:`services.update_payment_method`."""
        return services.update_payment_method(obj, changes, actor=self.actor(request))


# --- orders --------------------------------------------------------------------------------


@admin.register(Order)
class OrderAdmin(WalletModelAdmin):
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
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
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
            **_references(data),
        )

    def update_object(self, request: HttpRequest, obj: Order, changes: dict[str, Any]) -> Order:
        """Update through :func:`services.update_order`."""
        return services.update_order(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: Order) -> None:
        """Delete through :func:`services.delete_order` (locked once it has payments)."""
        services.delete_order(obj, actor=self.actor(request))


# --- external payments ---------------------------------------------------------------------


@admin.register(ExternalPayment)
class ExternalPaymentAdmin(WalletModelAdmin):
    """Payments made through a gateway; the token is set once, on the add page."""

    list_display = (
        "id",
        "order",
        "customer_email",
        "instrument",
        "masked_payment_source_token",
        "payment_gateway",
        "wallet",
        "mode",
        "created_at",
    )
    list_filter = ("mode", "payment_gateway", "created_at", "updated_at")
    list_select_related = ("order__customer", "payment_gateway", "wallet")
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
        "wallet",
        "masked_payment_source_token",
        "instrument_display",
        "transactions_display",
        "options",
        *REFERENCE_FIELDS,
    )
    change_readonly = (
        "payment_gateway",
        "wallet",
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
            **_references(data),
        )

    def update_object(
        self, request: HttpRequest, obj: ExternalPayment, changes: dict[str, Any]
    ) -> ExternalPayment:
        """Update through :func:`services.update_external_payment`."""
        return services.update_external_payment(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: ExternalPayment) -> None:
        """Delete through :func:`services.delete_external_payment` (locked with transactions)."""
        services.delete_external_payment(obj, actor=self.actor(request))


# --- customer payment sources --------------------------------------------------------------


@admin.register(CustomerPaymentSource)
class CustomerPaymentSourceAdmin(WalletModelAdmin):
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
        "payment_source__payment_gateway",
        "created_at",
        "updated_at",
    )
    list_select_related = ("customer", "payment_source")
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
    autocomplete_fields = ("customer", "payment_source")
    actions = ("set_as_default",)
    add_fields = (
        "customer",
        "payment_source",
        "customer_token",
        "payment_source_token",
        "is_default",
        *REFERENCE_FIELDS,
    )
    change_fields = (
        "customer",
        "payment_source",
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
        card = describe_source(obj, today=timezone.localdate())
        return f"{card.label} · {card.nickname}" if card.nickname else card.label

    @admin.display(description=_("expires"))
    def expiry(self, obj: CustomerPaymentSource) -> str:
        """``12/2030``, flagged as the storefront flags it: expired, or expiring soon."""
        card = describe_source(obj, today=timezone.localdate())
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
            payment_source=data.get("payment_source"),
            customer_token=data.get("customer_token") or "",
            payment_source_token=data["payment_source_token"],
            is_default=bool(data.get("is_default")),
            actor=self.actor(request),
            **_references(data),
        )

    def update_object(
        self, request: HttpRequest, obj: CustomerPaymentSource, changes: dict[str, Any]
    ) -> CustomerPaymentSource:
        """Update through :func:`services.update_payment_source` (the default moves there)."""
        return services.update_payment_source(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: CustomerPaymentSource) -> None:
        """Delete through :func:`services.delete_payment_source`, so the default moves."""
        services.delete_payment_source(obj, actor=self.actor(request))


# --- read-only records ---------------------------------------------------------------------


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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only audit log: nobody adds, changes or deletes an entry."""

    list_display = ("created_at", "resource_type", "resource_id", "event", "who_text", "mode")
    list_filter = ("mode", "event", "resource_type", "created_at")
    search_fields = ("=resource_id", "resource_type", "event")
    fields = (
        "id",
        "mode",
        "resource_type",
        "resource_id",
        "event",
        "changes_html",
        "who_text",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("changes"))
    def changes_html(self, obj: AuditEntry) -> SafeString:
        """The changes, tokens masked."""
        return changes_display(obj.changes)

    @admin.display(description=_("who"))
    def who_text(self, obj: AuditEntry) -> str:
        """Who made the change."""
        return who_display(obj.who)
