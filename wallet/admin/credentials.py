"""Admin of API credentials: staff create integration and sales-channel credentials.

The client secret is shown once, on the page that answers the creation; it is stored hashed.
Kind and mode never change after creation (tokens already issued belong to them). Sales channels
are public clients (their client id alone gets tokens) unless created or marked confidential;
integrations are always confidential.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from wallet.models import ApiCredential
from wallet.oauth.credentials import create_credential, is_public, rotate_secret, set_confidential


class ApiCredentialCreationForm(forms.ModelForm):
    """The creation form: a name for the OAuth2 application, the kind, the mode, and whether a
    sales channel is confidential."""

    name = forms.CharField(label=_("name"), max_length=255)
    confidential = forms.BooleanField(
        label=_("confidential"),
        required=False,
        help_text=_(
            "Sales channels only: their tokens then need the client secret. A sales channel "
            "used by a browser storefront stays public (client ID only). Integrations are "
            "always confidential."
        ),
    )

    class Meta:
        model = ApiCredential
        fields = ["kind", "mode"]


@admin.register(ApiCredential)
class ApiCredentialAdmin(admin.ModelAdmin):
    """API credentials: list, create (secret shown once), view, delete."""

    list_display = ["name", "kind", "mode", "client_id", "confidential", "created_at"]
    list_filter = ["kind", "mode"]
    search_fields = ["application__name", "application__client_id"]
    list_select_related = ["application", "application__wallet_credential"]
    readonly_fields = ["name", "kind", "mode", "client_id", "confidential", "created_at"]
    actions = ["rotate_secrets", "mark_confidential", "mark_public"]

    @admin.display(description=_("name"), ordering="application__name")
    def name(self, obj: ApiCredential) -> str:
        """The OAuth2 application's name."""
        return obj.application.name

    @admin.display(description=_("client ID"))
    def client_id(self, obj: ApiCredential) -> str:
        """The public client id, used with the secret to get tokens."""
        return obj.application.client_id

    @admin.display(description=_("confidential"), boolean=True)
    def confidential(self, obj: ApiCredential) -> bool:
        """Whether getting a token needs the client secret."""
        return not is_public(obj.application)

    def get_form(
        self,
        request: HttpRequest,
        obj: ApiCredential | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        """The creation form when adding; the read-only view otherwise."""
        if obj is None:
            kwargs["form"] = ApiCredentialCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: ApiCredential | None = None) -> tuple[str, ...]:
        """Name, kind and mode to create; everything, read-only, afterwards."""
        if obj is None:
            return ("name", "kind", "mode", "confidential")
        return tuple(self.readonly_fields)

    def get_readonly_fields(
        self, request: HttpRequest, obj: ApiCredential | None = None
    ) -> list[str]:
        """Nothing is read-only on creation; everything afterwards."""
        return [] if obj is None else list(self.readonly_fields)

    def save_model(
        self, request: HttpRequest, obj: ApiCredential, form: forms.ModelForm, change: bool
    ) -> None:
        """Create the credential and its application; keep the secret for the answer page."""
        if change:
            return
        credential, secret = create_credential(
            name=form.cleaned_data["name"],
            kind=obj.kind,
            mode=obj.mode,
            confidential=(obj.kind != ApiCredential.Kind.SALES_CHANNEL)
            or bool(form.cleaned_data.get("confidential")),
        )
        obj.pk = credential.pk
        obj.application = credential.application
        obj.created_at = credential.created_at
        # Read by response_add for the answer page, never saved: not a model field.
        obj.raw_secret = secret  # type: ignore[attr-defined]

    @admin.action(description=_("Rotate the client secret of the selected credentials"))
    def rotate_secrets(
        self, request: HttpRequest, queryset: QuerySet[ApiCredential]
    ) -> HttpResponse:
        """Give each selected credential a new secret and show the new secrets once."""
        rows = []
        with transaction.atomic():
            for credential in queryset.select_related("application"):
                rows.append((credential, rotate_secret(credential)))
        return self._secrets_response(request, rows, str(_("Client secrets rotated")))

    @admin.action(description=_("Mark the selected sales channels confidential (secret needed)"))
    def mark_confidential(self, request: HttpRequest, queryset: QuerySet[ApiCredential]) -> None:
        """Make the selected credentials' grants need their client secret."""
        with transaction.atomic():
            for credential in queryset.select_related("application"):
                set_confidential(credential, True)
        self.message_user(request, _("The selected credentials are confidential."))

    @admin.action(description=_("Mark the selected sales channels public (client ID only)"))
    def mark_public(self, request: HttpRequest, queryset: QuerySet[ApiCredential]) -> None:
        """Let the selected sales channels get tokens with their client id alone."""
        try:
            with transaction.atomic():
                for credential in queryset.select_related("application"):
                    set_confidential(credential, False)
        except ValidationError:
            self.message_user(
                request,
                _("Integrations are always confidential: nothing was changed."),
                messages.ERROR,
            )
            return
        self.message_user(request, _("The selected sales channels are public."))

    def _secrets_response(
        self, request: HttpRequest, rows: list[tuple[ApiCredential, str]], title: str
    ) -> HttpResponse:
        """The page showing client ids and secrets, never cached."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "rows": rows,
        }
        response = TemplateResponse(request, "admin/wallet/apicredential/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def response_add(
        self, request: HttpRequest, obj: ApiCredential, post_url_continue: str | None = None
    ) -> HttpResponse:
        """Show the client id and the secret once, instead of redirecting."""
        rows = [(obj, getattr(obj, "raw_secret", ""))]
        return self._secrets_response(request, rows, str(_("API credential created")))

    def delete_model(self, request: HttpRequest, obj: ApiCredential) -> None:
        """Delete the OAuth2 application too, and with it every token it issued."""
        with transaction.atomic():
            obj.application.delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiCredential]) -> None:
        """Delete the credentials' OAuth2 applications and their tokens."""
        with transaction.atomic():
            for credential in queryset.select_related("application"):
                credential.application.delete()
