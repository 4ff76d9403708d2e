"""Payment gateways, the payment methods offered through them, and what a gateway knows of us."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wallet.crypto import EncryptedTextField
from wallet.models.base import Mode, WalletModel
from wallet.models.customers import Customer
from wallet.money import validate_currency_code
from wallet.validators import validate_no_card_number

# The key prefixes a Stripe gateway of each mode accepts (restricted keys, ``rk_``, included).
STRIPE_KEY_PREFIXES: dict[str, dict[str, tuple[str, ...]]] = {
    "test": {"secret_key": ("sk_test_", "rk_test_"), "publishable_key": ("pk_test_",)},
    "live": {"secret_key": ("sk_live_", "rk_live_"), "publishable_key": ("pk_live_",)},
}
STRIPE_WEBHOOK_SECRET_PREFIX = "whsec_"


class PaymentGateway(WalletModel):
    """A payment gateway: the built-in ``test`` one, the shop's ``external`` service, or Stripe."""

    class Kind(models.TextChoices):
        TEST = "test", _("Test gateway")
        EXTERNAL = "external", _("External gateway")
        STRIPE = "stripe", _("Stripe")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEST)
    authorize_url = models.URLField(blank=True, default="")
    capture_url = models.URLField(blank=True, default="")
    void_url = models.URLField(blank=True, default="")
    refund_url = models.URLField(blank=True, default="")
    token_url = models.URLField(blank=True, default="")
    # Encrypted at rest (wallet.crypto); never rendered by the admin or the API.
    shared_secret = EncryptedTextField(blank=True, default="")
    # Stripe (kind ``stripe``): the keys of the mode (``sk_test_``/``pk_test_`` in test mode,
    # ``sk_live_``/``pk_live_`` in live mode); secret key and webhook signing secret encrypted
    # at rest and never rendered; ``api_base`` points a test gateway at a local Stripe.
    secret_key = EncryptedTextField(_("secret key"), blank=True, default="")
    publishable_key = models.CharField(_("publishable key"), max_length=255, blank=True, default="")
    webhook_secret = EncryptedTextField(_("webhook signing secret"), blank=True, default="")
    api_base = models.URLField(_("API base"), blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "mode"], name="wallet_gateway_name_mode"),
            # The built-in test gateway authorizes any token: it must never charge live orders.
            models.CheckConstraint(
                condition=~Q(kind="test") | Q(mode="test"),
                name="wallet_gateway_test_kind_test_mode",
                violation_error_message=_("The test gateway exists only in test mode."),
            ),
            # A Stripe gateway's publishable key belongs to its mode (the secret key, encrypted,
            # is checked by ``clean``).
            models.CheckConstraint(
                condition=~Q(kind="stripe")
                | Q(mode="test", publishable_key__startswith="pk_test_")
                | Q(mode="live", publishable_key__startswith="pk_live_"),
                name="wallet_gateway_stripe_key_mode",
                violation_error_message=_("A Stripe gateway needs a publishable key of its mode."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A Stripe gateway needs keys of its own mode; a live one talks to Stripe itself."""
        super().clean()
        if self.kind != self.Kind.STRIPE:
            return
        errors: dict[str, ValidationError] = {}
        prefixes = STRIPE_KEY_PREFIXES.get(self.mode, {})
        for field, allowed in prefixes.items():
            value = getattr(self, field) or ""
            if not value:
                errors[field] = ValidationError(_("can't be blank"), code="blank")
            elif not value.startswith(allowed):
                errors[field] = ValidationError(
                    _("must be a %(mode)s mode key (%(prefixes)s…)"),
                    code="invalid",
                    params={"mode": self.mode, "prefixes": "/".join(allowed)},
                )
        if self.webhook_secret and not self.webhook_secret.startswith(STRIPE_WEBHOOK_SECRET_PREFIX):
            errors["webhook_secret"] = ValidationError(
                _("must be a Stripe webhook signing secret (whsec_…)"), code="invalid"
            )
        if self.api_base and self.mode != Mode.TEST:
            errors["api_base"] = ValidationError(
                _("only a test mode gateway may use another API base than Stripe's"),
                code="invalid",
            )
        if errors:
            raise ValidationError(errors)


class GatewayCustomer(models.Model):
    """A wallet customer's customer at a gateway (a Stripe Customer ``cus_…``), made once.

    Saved sources of this customer at this gateway carry the token as ``customer_token``.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="gateway_customers"
    )
    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.CASCADE, related_name="gateway_customers"
    )
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.TEST)
    token = models.CharField(max_length=255, validators=[validate_no_card_number])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "payment_gateway"], name="wallet_gwcustomer_once"
            ),
        ]
        indexes = [models.Index(fields=["payment_gateway", "token"], name="wallet_gwcus_token")]

    def __str__(self) -> str:
        return self.token


class GatewayEvent(models.Model):
    """A gateway webhook event already handled: each event id is handled once per gateway."""

    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.CASCADE, related_name="events"
    )
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment_gateway", "event_id"], name="wallet_gwevent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class PaymentMethod(WalletModel):
    """A way to pay offered to shoppers: a gateway for a type of payment source and a currency.

    Commerce Layer's ``payment_methods``: an order's gateway follows its payment method.
    """

    class SourceType(models.TextChoices):
        EXTERNAL_PAYMENTS = "external_payments", _("External payments")

    name = models.CharField(_("name"), max_length=255, blank=True, default="")
    payment_source_type = models.CharField(
        max_length=40, choices=SourceType.choices, default=SourceType.EXTERNAL_PAYMENTS
    )
    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.PROTECT, related_name="payment_methods"
    )
    # Empty: any currency; otherwise only orders in this currency may use the method.
    currency_code = models.CharField(
        _("currency"), max_length=3, blank=True, default="", validators=[validate_currency_code]
    )
    moto = models.BooleanField(default=False)
    require_capture = models.BooleanField(default=False)
    auto_place = models.BooleanField(default=False)
    auto_capture = models.BooleanField(default=False)
    price_amount_cents = models.PositiveBigIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-created_at"]
        indexes = [models.Index(fields=["mode", "-created_at"], name="wallet_pm_mode_created")]

    def __str__(self) -> str:
        return self.name or str(self.payment_gateway)
