"""The wallet's domain: customers, orders, gateways, external payments, saved sources, audit log.

Models hold data, constraints and derived read-only properties; every write goes through
``wallet.services``.
"""

import secrets
import string
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wallet.validators import validate_json_object, validate_no_card_number

BASE62 = string.digits + string.ascii_letters
PUBLIC_ID_LENGTH = 10


def generate_public_id() -> str:
    """Return a random 10-character base62 id, like ``xYZkjABcde``."""
    return "".join(secrets.choice(BASE62) for _ in range(PUBLIC_ID_LENGTH))


def empty_object() -> dict[str, Any]:
    """Return a new empty dict (a callable default for JSON object fields)."""
    return {}


class Mode(models.TextChoices):
    """The environment a record belongs to; the two never see each other's data."""

    TEST = "test", _("Test")
    LIVE = "live", _("Live")


class WalletModel(models.Model):
    """Fields every wallet resource carries: public id, mode, references, metadata, timestamps."""

    id = models.CharField(
        primary_key=True, max_length=PUBLIC_ID_LENGTH, default=generate_public_id, editable=False
    )
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.TEST)
    reference = models.CharField(
        max_length=255, blank=True, default="", validators=[validate_no_card_number]
    )
    reference_origin = models.CharField(
        max_length=255, blank=True, default="", validators=[validate_no_card_number]
    )
    metadata = models.JSONField(default=empty_object, blank=True, validators=[validate_json_object])
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def token_field(verbose_name: str, *, blank: bool = False) -> models.CharField:
    """Return a gateway token field that refuses card numbers."""
    extra: dict[str, Any] = {"default": ""} if blank else {}
    return models.CharField(
        verbose_name, max_length=255, blank=blank, validators=[validate_no_card_number], **extra
    )


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
        indexes = [models.Index(fields=["mode", "-created_at"], name="wallet_cus_mode_created")]

    def __str__(self) -> str:
        return self.email


class PaymentGateway(WalletModel):
    """A payment gateway: the built-in ``test`` one, or the shop's ``external`` service."""

    class Kind(models.TextChoices):
        TEST = "test", _("Test gateway")
        EXTERNAL = "external", _("External gateway")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEST)
    authorize_url = models.URLField(blank=True, default="")
    capture_url = models.URLField(blank=True, default="")
    void_url = models.URLField(blank=True, default="")
    refund_url = models.URLField(blank=True, default="")
    token_url = models.URLField(blank=True, default="")
    shared_secret = models.CharField(max_length=255, blank=True, default="")
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
        ]

    def __str__(self) -> str:
        return self.name


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

    number = models.CharField(_("number"), max_length=32, validators=[validate_no_card_number])
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    payment_status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    currency_code = models.CharField(_("currency"), max_length=3)
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
        """The total formatted with two decimals and the currency, like ``EUR 12.50``."""
        return f"{self.currency_code} {self.total_amount_cents / 100:.2f}"


class ExternalPayment(WalletModel):
    """A payment on an order made through a gateway, identified by the gateway SDK's token."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="external_payments")
    payment_gateway = models.ForeignKey(
        PaymentGateway, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    wallet = models.ForeignKey(
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


class CustomerPaymentSource(WalletModel):
    """A customer's saved payment instrument: gateway tokens, never a card number."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="customer_payment_sources"
    )
    payment_source = models.ForeignKey(
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

    class Meta:
        ordering = ["-created_at"]
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
        ]

    def __str__(self) -> str:
        return self.name or self.id

    @property
    def name(self) -> str:
        """The payment source's name: ``XXXX-XXXX-XXXX-1111`` when the last digits are known."""
        last_digits = (self.payment_instrument or {}).get("card_last_digits")
        if last_digits:
            return f"XXXX-XXXX-XXXX-{last_digits}"
        return ""

    @property
    def instrument_label(self) -> str:
        """A short human label like ``Visa •••• 4242``."""
        return instrument_label(self.payment_instrument)


def instrument_label(instrument: dict[str, Any] | None) -> str:
    """Describe a payment instrument as ``Visa •••• 4242``; empty when nothing is known."""
    instrument = instrument or {}
    brand = str(instrument.get("card_type") or "").replace("_", " ").title()
    last_digits = instrument.get("card_last_digits")
    if not last_digits:
        return brand
    return f"{brand} •••• {last_digits}".strip()


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


from oauth2_provider.settings import oauth2_settings  # noqa: E402  (kept beside its only user)


class ApiCredential(models.Model):
    """An API credential: a django-oauth-toolkit application with a ``kind`` and a ``mode``.

    Integrations act on everything of their mode; sales channels act as guests and let
    customers sign in with the password grant. The secret lives hashed on the application.
    """

    class Kind(models.TextChoices):
        INTEGRATION = "integration", _("Integration")
        SALES_CHANNEL = "sales_channel", _("Sales channel")

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="wallet_credential",
        verbose_name=_("OAuth2 application"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    mode = models.CharField(_("mode"), max_length=4, choices=Mode.choices, default=Mode.TEST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API credential")
        verbose_name_plural = _("API credentials")

    def __str__(self) -> str:
        return f"{self.application.name} ({self.get_kind_display()}, {self.mode})"


class RecordCount(models.Model):
    """How many rows a wallet table holds per mode, kept exact by database triggers.

    On PostgreSQL, statement-level triggers add and subtract the rows each INSERT, DELETE,
    UPDATE of ``mode`` and TRUNCATE touches, spread over a few ``slot`` rows so concurrent writers
    rarely wait on one another; the total is the sum over slots. The API reads it instead of
    ``COUNT(*)`` for unfiltered mode-wide lists, whose count would otherwise scan the table.
    Other databases keep no counts here and count rows directly.
    """

    table_name = models.CharField(max_length=63)
    mode = models.CharField(max_length=4, choices=Mode.choices)
    slot = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["table_name", "mode", "slot"], name="wallet_recordcount_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name}/{self.mode}#{self.slot}: {self.count}"
