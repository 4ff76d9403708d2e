"""The base of the wallet's admins: every write goes through :mod:`wallet.services` with the
staff user as the actor; a service's refusal becomes an error message, never a server error."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wallet import services
from wallet.admin.masking import (
    MaskedJSONFormField,
    changes_display,
    json_display,
    unmask_json,
    who_display,
)
from wallet.models import AuditEntry, WalletModel

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts, _FieldsetSpec
    from django.utils.functional import _StrOrPromise

ModelT = TypeVar("ModelT", bound=WalletModel)

# Record fields shown on every change page of a wallet resource.
RECORD_FIELDS = ("id", "mode", "created_at", "updated_at")
REFERENCE_FIELDS = ("reference", "reference_origin", "metadata")


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
        cleaned = super().clean() or {}
        if self.instance.pk:
            for name in ("metadata", "options"):
                if name in cleaned and hasattr(self.instance, name):
                    cleaned[name] = unmask_json(cleaned[name], getattr(self.instance, name))
        return cleaned


class WalletModelAdmin(admin.ModelAdmin, Generic[ModelT]):
    """Common behaviour of the wallet's admins: service writes, masking, audit history.

    Parametrized by the model (``WalletModelAdmin[Customer]``) so that the write hooks below
    take and return that model. ``Generic`` rather than ``admin.ModelAdmin[ModelT]``: Django's
    ``ModelAdmin`` cannot be subscripted at run time without django-stubs-ext's monkeypatch,
    which a project installing the wallet should not need.

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
    readonly_fields: ClassVar[tuple[str, ...]] = (
        *RECORD_FIELDS,
        "audit_history",
        "metadata_display",
    )

    # --- pages ---

    def get_fieldsets(self, request: HttpRequest, obj: ModelT | None = None) -> "_FieldsetSpec":
        """Add page: the writable fields; change page: those plus record data and history."""
        if obj is None:
            main = tuple(f for f in self.add_fields if f not in REFERENCE_FIELDS)
            references = tuple(f for f in REFERENCE_FIELDS if f in self.add_fields)
            return [(None, {"fields": main}), (_("References"), {"fields": references})]
        main = tuple(f for f in self.change_fields if f not in REFERENCE_FIELDS)
        references = REFERENCE_FIELDS
        if not self.has_change_permission(request, obj):
            main = tuple(self.view_only_swaps.get(f, f) for f in main if f != "password")
            references = tuple(self.view_only_swaps.get(f, f) for f in references)
        fieldsets: list[tuple[_StrOrPromise | None, _FieldOpts]] = [
            (None, {"fields": main}),
            (_("References"), {"fields": references}),
            (_("Record"), {"fields": RECORD_FIELDS}),
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
        refusal: ValidationError | Exception | None = getattr(request, "_wallet_refusal", None)
        if refusal is None:
            return form_class
        error = refusal  # not None: the closure below keeps the narrowed type

        # mypy cannot check a subclass of a class computed at run time (the admin's own form).
        class RefusedForm(form_class):  # type: ignore[valid-type, misc]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                add_refusal_to_form(self, error)
                return cleaned

        return RefusedForm

    # --- writes through services ---

    def create_object(self, request: HttpRequest, data: dict[str, Any]) -> ModelT:
        """Create the record from the form's cleaned data through :func:`services.create_record`.

        Admins of models with richer rules override this with their specific service.
        """
        names = {field.name for field in self.model._meta.concrete_fields}
        values = {name: value for name, value in data.items() if name in names}
        record = self.model(**{**values, **record_references(data)})
        return services.create_record(record, actor=self.actor(request))

    def update_object(self, request: HttpRequest, obj: ModelT, changes: dict[str, Any]) -> ModelT:
        """Apply ``changes`` (changed form fields) through :func:`services.update_record`."""
        return services.update_record(obj, changes, actor=self.actor(request))

    def delete_object(self, request: HttpRequest, obj: ModelT) -> None:
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
            # Handed to get_form's second pass on this request; HttpRequest declares no such field.
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
        builtin = actions.get("delete_selected")
        if builtin is not None:
            actions["delete_selected"] = (
                # The stubs type an action as returning ``str``; Django's return a response or None.
                delete_selected_through_services,  # type: ignore[assignment]
                "delete_selected",
                builtin[2],
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


@admin.action(permissions=["delete"], description=_("Delete selected %(verbose_name_plural)s"))
def delete_selected_through_services(
    modeladmin: WalletModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """Django's bulk delete (same confirmation page), deleting through the services."""
    if not request.POST.get("post"):
        return django_delete_selected(modeladmin, request, queryset)
    if not modeladmin.has_delete_permission(request):
        raise PermissionDenied
    objects = list(queryset)  # also fills the queryset's cache: logged and deleted as listed
    try:
        with transaction.atomic():
            modeladmin.log_deletions(request, queryset)
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


def record_references(data: dict[str, Any]) -> dict[str, Any]:
    """The reference fields of a form's cleaned data, empty where left blank."""
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
