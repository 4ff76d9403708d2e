"""The wallet's domain: customers, orders, gateways, external payments, saved sources, audit log.

Models hold data, constraints and derived read-only properties; every write goes through
``wallet.services``.
"""

import secrets
import string
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wallet.crypto import EncryptedTextField
from wallet.instruments import instrument_label, source_name
from wallet.money import format_money, validate_currency_code
from wallet.validators import validate_json_object, validate_no_card_number

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

BASE62 = string.digits + string.ascii_letters
PUBLIC_ID_LENGTH = 10


# The saved source's columns copied from its ``payment_instrument`` (see ``card_columns``).
CARD_COLUMNS = ("card_brand", "card_last_digits", "name")


def card_columns(instrument: dict[str, Any] | None) -> tuple[str, str, str]:
    """A saved source's brand, last digits and ``name`` as stored in their own columns."""
    instrument = instrument or {}
    brand = str(instrument.get("card_type") or "")[:32]
    last_digits = str(instrument.get("card_last_digits") or "")[:4]
    return brand, last_digits, source_name(instrument)[:40]


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
    # Not indexed alone: each type's ``(mode, created_at)`` index serves its lists.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def sort_indexes(prefix: str, *columns: str) -> list[models.Index]:
    """One ``(mode, column, id)`` btree per filterable and sortable column of a type.

    They serve the API's equality filters and its sorts (``ORDER BY column, id``, the id being
    the tiebreak every sort ends with) inside a mode. PostgreSQL also gets trigram, pattern and
    JSON indexes for the text predicates (migration ``0013_search_indexes``).
    """
    return [
        models.Index(fields=["mode", column, "id"], name=f"{prefix}_{column[:14]}")
        for column in columns
    ]


def token_field(verbose_name: "_StrOrPromise", *, blank: bool = False) -> models.CharField:
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


class ExternalPayment(WalletModel):
    """A payment on an order made through a gateway, identified by the gateway SDK's token."""

    # Indexed by ``wallet_ep_order_created`` (order first), not alone.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="external_payments", db_index=False
    )
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
    nickname = models.CharField(
        _("nickname"),
        max_length=40,
        blank=True,
        default="",
        validators=[validate_no_card_number],
        help_text=_("The customer's own name for the card, like “Work card”."),
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)
    # Copied from ``payment_instrument`` on every save (:meth:`save`), so that the API filters
    # and sorts on them by index: the brand, the last digits and Commerce Layer's ``name``
    # (``XXXX-XXXX-XXXX-1111``, empty when the last digits are unknown).
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, with the card columns copied from ``payment_instrument`` first."""
        self.card_brand, self.card_last_digits, self.name = card_columns(self.payment_instrument)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "payment_instrument" in update_fields:
            kwargs["update_fields"] = {*update_fields, *CARD_COLUMNS}
        super().save(*args, **kwargs)

    @property
    def instrument_label(self) -> str:
        """A short human label like ``Visa •••• 4242``."""
        return instrument_label(self.payment_instrument)


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
