"""The append-only audit log of wallet resources (recording lives in ``wallet.audit``)."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from wallet.models.base import PUBLIC_ID_LENGTH, Mode, empty_object, generate_public_id


class AuditEntry(models.Model):
    """One append-only record of a create, update, destroy or domain event of a wallet resource.

    The API shows these as ``versions`` (create/update/destroy) and ``event_stores`` (all events).
    """

    class Event(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DESTROY = "destroy", _("Destroyed")
        SAVED_TO_WALLET = "saved_to_wallet", _("Saved to wallet")
        DEFAULT_SET = "default_set", _("Set as default")
        AUTHORIZED = "authorized", _("Authorized")
        DECLINED = "declined", _("Declined")
        PLACED = "placed", _("Placed")
        CAPTURED = "captured", _("Captured")
        VOIDED = "voided", _("Voided")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")

    VERSION_EVENTS = (Event.CREATE, Event.UPDATE, Event.DESTROY)

    id = models.CharField(
        primary_key=True, max_length=PUBLIC_ID_LENGTH, default=generate_public_id, editable=False
    )
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.TEST)
    resource_type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=PUBLIC_ID_LENGTH)
    event = models.CharField(max_length=20, choices=Event.choices)
    changes = models.JSONField(default=empty_object, blank=True)
    who = models.JSONField(default=empty_object, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(
                fields=["resource_type", "resource_id", "created_at"], name="wallet_audit_resource"
            ),
            models.Index(fields=["mode", "created_at"], name="wallet_audit_mode_created"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.resource_id} {self.event}"

    @property
    def updated_at(self) -> Any:
        """Audit entries never change: updated equals created."""
        return self.created_at
