"""The shop's customers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wallet.models.base import WalletModel, sort_indexes
from wallet.validators import validate_no_card_number


class Customer(WalletModel):
    """A shop customer, optionally linked to the shop's user account; one per user and mode."""

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACQUIRED = "acquired", _("Acquired")
        REPEAT = "repeat", _("Repeat")

    email = models.EmailField(_("email"), validators=[validate_no_card_number])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wallet_customers",
    )
    # Whether the wallet created ``user`` for this customer (a password given on create or
    # later): only then may the wallet change that user's password or email.
    user_created_by_wallet = models.BooleanField(default=False, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROSPECT)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["email", "mode"], name="wallet_customer_email_mode"),
            models.UniqueConstraint(
                fields=["user", "mode"],
                condition=Q(user__isnull=False),
                name="wallet_customer_user_mode",
            ),
        ]
        indexes = [
            models.Index(fields=["mode", "-created_at"], name="wallet_cus_mode_created"),
            *sort_indexes(
                "wallet_cus", "reference", "reference_origin", "email", "status", "updated_at"
            ),
        ]

    def __str__(self) -> str:
        return self.email
