"""Orders: what a customer (or a guest) pays for."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wallet.models.base import WalletModel, sort_indexes
from wallet.models.customers import Customer
from wallet.models.gateways import PaymentGateway, PaymentMethod
from wallet.money import format_money, validate_currency_code
from wallet.validators import validate_no_card_number


class Order(WalletModel):
    """A payable order; a shop links its own order through ``reference``."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending")
        PLACED = "placed", _("Placed")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        AUTHORIZED = "authorized", _("Authorized")
        PAID = "paid", _("Paid")
        VOIDED = "voided", _("Voided")
        REFUNDED = "refunded", _("Refunded")
        FAILED = "failed", _("Failed")
        FREE = "free", _("Free")

    number = models.CharField(_("number"), max_length=32, validators=[validate_no_card_number])
    # Indexed by ``wallet_ord_customer_created`` (customer first), not alone.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        db_index=False,
    )
    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    # The order's current external payment (Commerce Layer's to-one ``payment_source``).
    payment_source = models.ForeignKey(
        "ExternalPayment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A guest's email; for a customer's order, the customer's email when it was created.
    customer_email = models.EmailField(
        _("customer email"), blank=True, default="", validators=[validate_no_card_number]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    payment_status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    currency_code = models.CharField(
        _("currency"), max_length=3, validators=[validate_currency_code]
    )
    total_amount_cents = models.PositiveBigIntegerField(_("total amount (cents)"))
    placed_at = models.DateTimeField(null=True, blank=True)

    PAYABLE_STATUSES = (Status.DRAFT, Status.PENDING)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["number", "mode"], name="wallet_order_number_mode"),
        ]
        indexes = [
            models.Index(fields=["mode", "-created_at"], name="wallet_ord_mode_created"),
            models.Index(fields=["customer", "-created_at"], name="wallet_ord_customer_created"),
            *sort_indexes(
                "wallet_ord",
                "reference",
                "reference_origin",
                "number",
                "status",
                "payment_status",
                "total_amount_cents",
                "placed_at",
                "updated_at",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def is_payable(self) -> bool:
        """Whether the order still awaits a payment."""
        return (
            self.status in self.PAYABLE_STATUSES
            and self.payment_status == self.PaymentStatus.UNPAID
        )

    @property
    def total_amount(self) -> str:
        """The total in the active locale, from minor units: ``€12.50``, ``12,50 €``, ``¥1,250``."""
        return format_money(self.total_amount_cents, self.currency_code)
