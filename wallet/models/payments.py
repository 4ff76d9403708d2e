"""External payments on orders and the gateway transactions made on them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wallet.instruments import instrument_label
from wallet.models.base import (
    PUBLIC_ID_LENGTH,
    Mode,
    WalletModel,
    empty_object,
    generate_public_id,
    sort_indexes,
    token_field,
)
from wallet.models.gateways import PaymentGateway
from wallet.models.orders import Order
from wallet.validators import validate_json_object


class ExternalPayment(WalletModel):
    """A payment on an order made through a gateway, identified by the gateway SDK's token."""

    # Indexed by ``wallet_ep_order_created`` (order first), not alone.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="external_payments", db_index=False
    )
    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # The saved source this payment was made with or saved to (the wire name is ``wallet``).
    saved_source = models.ForeignKey(
        "CustomerPaymentSource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="external_payments",
    )
    payment_source_token = token_field(_("payment source token"))
    options = models.JSONField(default=empty_object, blank=True, validators=[validate_json_object])
    payment_instrument = models.JSONField(default=empty_object, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["mode", "-created_at"], name="wallet_ep_mode_created"),
            models.Index(fields=["order", "-created_at"], name="wallet_ep_order_created"),
            *sort_indexes(
                "wallet_ep", "reference", "reference_origin", "payment_source_token", "updated_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.instrument_label or _('payment')})"

    @property
    def instrument_label(self) -> str:
        """A short human label like ``Visa •••• 4242``, empty when the instrument is unknown."""
        return instrument_label(self.payment_instrument)


class Transaction(models.Model):
    """A gateway operation on an external payment (authorize, capture, void, refund)."""

    class Kind(models.TextChoices):
        AUTHORIZATION = "authorization", _("Authorization")
        CAPTURE = "capture", _("Capture")
        VOID = "void", _("Void")
        REFUND = "refund", _("Refund")
        # A 3-D Secure challenge the customer has to answer before the authorization.
        AUTHENTICATION = "authentication", _("Authentication")

    id = models.CharField(
        primary_key=True, max_length=PUBLIC_ID_LENGTH, default=generate_public_id, editable=False
    )
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.TEST)
    payment = models.ForeignKey(
        ExternalPayment, on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    succeeded = models.BooleanField()
    amount_cents = models.PositiveBigIntegerField()
    currency_code = models.CharField(max_length=3)
    token = models.CharField(max_length=255, blank=True, default="")
    message = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        outcome = _("succeeded") if self.succeeded else _("failed")
        return f"{self.get_kind_display()} {outcome}"


class Authorization(Transaction):
    """An authorization of an external payment (Commerce Layer's ``authorizations``)."""

    class Meta:
        proxy = True


class Capture(Transaction):
    """A capture of an authorization (Commerce Layer's ``captures``)."""

    class Meta:
        proxy = True


class Void(Transaction):
    """A void of an authorization (Commerce Layer's ``voids``)."""

    class Meta:
        proxy = True


class Refund(Transaction):
    """A refund of a capture (Commerce Layer's ``refunds``)."""

    class Meta:
        proxy = True


TRANSACTION_MODELS: dict[str, type[Transaction]] = {
    Transaction.Kind.AUTHORIZATION: Authorization,
    Transaction.Kind.CAPTURE: Capture,
    Transaction.Kind.VOID: Void,
    Transaction.Kind.REFUND: Refund,
}
