"""Saved payment sources: a customer's cards in the wallet, as gateway tokens."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wallet.instruments import instrument_label
from wallet.models.base import WalletModel, empty_object, sort_indexes, token_field
from wallet.models.customers import Customer
from wallet.models.payments import ExternalPayment
from wallet.validators import validate_no_card_number


class PaymentSourceManager(models.Manager["CustomerPaymentSource"]):
    """The saved sources still in their wallets: a removed one (awaiting undo) is left out."""

    def get_queryset(self) -> models.QuerySet["CustomerPaymentSource"]:
        """Every source that is not removed."""
        return super().get_queryset().filter(removed_at__isnull=True)


class CustomerPaymentSource(WalletModel):
    """A customer's saved payment instrument: gateway tokens, never a card number.

    Removing a card from the storefront only sets ``removed_at`` (and clears ``is_default`` and
    ``fingerprint``, so the card can be saved again), so that the customer can undo for
    ``WALLET["REMOVAL_UNDO_SECONDS"]``. ``objects`` never returns a removed source: the API,
    the admin, the selectors and the services all behave as if it were gone. ``all_objects``
    sees them; ``services.purge_removed_payment_sources`` deletes them for good.
    """

    # Indexed by ``wallet_cps_cus_created`` (customer first), not alone.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="customer_payment_sources",
        db_index=False,
    )
    # The payment the card was saved from (the wire name is ``payment_source``).
    payment = models.ForeignKey(
        ExternalPayment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="saved_sources",
    )
    customer_token = token_field(_("customer token"), blank=True)
    payment_source_token = token_field(_("payment source token"))
    is_default = models.BooleanField(_("default"), default=False)
    payment_instrument = models.JSONField(default=empty_object, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    nickname = models.CharField(
        _("nickname"),
        max_length=40,
        blank=True,
        default="",
        validators=[validate_no_card_number],
        help_text=_("The customer's own name for the card, like “Work card”."),
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)
    # Kept from ``payment_instrument`` by the services on every write (``card_columns`` of
    # ``wallet.instruments``), so that the API filters and sorts on them by index: the brand,
    # the last digits and Commerce Layer's ``name`` (``XXXX-XXXX-XXXX-1111``, empty when the
    # last digits are unknown).
    card_brand = models.CharField(max_length=32, blank=True, default="", editable=False)
    card_last_digits = models.CharField(max_length=4, blank=True, default="", editable=False)
    name = models.CharField(max_length=40, blank=True, default="", editable=False)

    all_objects = models.Manager()
    objects = PaymentSourceManager()

    class Meta:
        ordering = ["-created_at"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "mode"],
                condition=Q(is_default=True),
                name="wallet_cps_one_default_per_customer",
            ),
            models.UniqueConstraint(
                fields=["customer", "mode", "fingerprint"],
                condition=~Q(fingerprint=""),
                name="wallet_cps_one_per_card",
            ),
        ]
        indexes = [
            models.Index(fields=["mode", "-created_at"], name="wallet_cps_mode_created"),
            models.Index(fields=["customer", "mode", "-created_at"], name="wallet_cps_cus_created"),
            models.Index(
                fields=["removed_at"],
                condition=Q(removed_at__isnull=False),
                name="wallet_cps_removed",
            ),
            *sort_indexes(
                "wallet_cps",
                "reference",
                "reference_origin",
                "payment_source_token",
                "name",
                "is_default",
                "updated_at",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.id

    @property
    def instrument_label(self) -> str:
        """A short human label like ``Visa •••• 4242``."""
        return instrument_label(self.payment_instrument)
