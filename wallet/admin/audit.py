"""Admin of the append-only audit log: read-only."""

from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from wallet.admin.base import ReadOnlyAdminMixin
from wallet.admin.masking import changes_display, who_display
from wallet.models import AuditEntry


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
