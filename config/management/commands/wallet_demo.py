"""``manage.py wallet_demo``: load the demo shop's data and print how to try it.

Part of the demo project, not of the reusable app: it creates (or resets) a superuser with a
published password and prints API credentials, so it refuses to run unless ``DEBUG`` is on and
``WALLET["MODE"]`` is ``test``.

Idempotent: each step looks for what an earlier run made and only creates what is missing, so
running it twice creates nothing twice. Every wallet write goes through :mod:`wallet.services`.

The work is a list of steps (:data:`STEPS`), each a function taking the :class:`Demo` being
built; a step may add lines to the printed summary with :meth:`Demo.add_section`. To load more
demo data (for example API credentials), write one more step function and append it to
:data:`STEPS`.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from wallet import services
from wallet.conf import wallet_settings
from wallet.gateways.test import fingerprint_for, make_test_token
from wallet.management.base import OneLineErrorCommand
from wallet.models import Customer, CustomerPaymentSource, Order, PaymentGateway
from wallet.oauth import ensure_demo_credential

DEFAULT_CUSTOMER_EMAIL = "customer@example.com"
DEFAULT_CUSTOMER_PASSWORD = "wallet-demo-1234"
DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_ADMIN_PASSWORD = "wallet-admin-1234"
GATEWAY_NAME = "Test gateway"
CARDHOLDER = "Demo Customer"
# References that let a re-run find the orders an earlier run made.
CARDS_ORDER_REFERENCE = "wallet-demo-saved-cards"
CHECKOUT_ORDER_REFERENCE = "wallet-demo-checkout"
REFERENCE_ORIGIN = "wallet_demo"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class DemoCard:
    """A test-gateway card saved in the demo customer's wallet."""

    brand: str
    last4: str
    month: int
    year: int
    default: bool = False

    @property
    def token(self) -> str:
        """The test gateway's token for this card, like ``tok_test_visa_4242_1230``."""
        return make_test_token(self.brand, self.last4, self.month, self.year)

    @property
    def fingerprint(self) -> str:
        """The fingerprint the test gateway gives this card."""
        return fingerprint_for(self.brand, self.last4, self.month, self.year)


# The default card comes first; the discover card expired in January 2024.
DEMO_CARDS = (
    DemoCard("visa", "4242", 12, 2030, default=True),
    DemoCard("mastercard", "4444", 8, 2029),
    DemoCard("amex", "0005", 3, 2028),
    DemoCard("discover", "1117", 1, 2024),
)


@dataclass
class Demo:
    """The demo being loaded: its options, what the steps made, and the summary to print."""

    mode: str
    base_url: str
    customer_email: str
    customer_password: str
    admin_email: str
    admin_password: str
    actor: services.Actor = field(
        default_factory=lambda: services.actor_for_user(None, application_kind="wallet_demo")
    )
    gateway: PaymentGateway | None = None
    customer: Customer | None = None
    cards: list[CustomerPaymentSource] = field(default_factory=list)
    checkout_order: Order | None = None
    sections: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    def add_section(self, title: str, rows: list[tuple[str, str]]) -> None:
        """Add a titled block of ``label: value`` rows to the printed summary."""
        self.sections.append((title, rows))

    def url(self, name: str, fallback: str, *args: Any) -> str:
        """The absolute URL of a named route (``fallback`` path if the shop does not route it)."""
        try:
            path = reverse(name, args=args)
        except NoReverseMatch:
            path = fallback
        return f"{self.base_url}{path}"


# --- steps ---------------------------------------------------------------------------------


def ensure_gateway(demo: Demo) -> None:
    """The built-in test gateway, enabled."""
    gateway = PaymentGateway.objects.filter(mode=demo.mode, name=GATEWAY_NAME).first()
    if gateway is None:
        gateway = services.create_record(
            PaymentGateway(name=GATEWAY_NAME, kind=PaymentGateway.Kind.TEST, mode=demo.mode),
            actor=demo.actor,
        )
    else:
        services.update_record(
            gateway, {"kind": PaymentGateway.Kind.TEST, "disabled_at": None}, actor=demo.actor
        )
    demo.gateway = gateway


def ensure_payment_methods(demo: Demo) -> None:
    """One payment method per enabled gateway of the mode, as Commerce Layer checkouts expect."""
    for gateway in PaymentGateway.objects.filter(mode=demo.mode, disabled_at__isnull=True):
        if not gateway.payment_methods.exists():
            services.create_payment_method(
                mode=demo.mode,
                values={"name": f"Cards ({gateway.name})", "payment_gateway": gateway},
                actor=demo.actor,
            )


def ensure_customer(demo: Demo) -> None:
    """The demo customer, with a login using the demo password."""
    customer = Customer.objects.filter(mode=demo.mode, email=demo.customer_email).first()
    if customer is None:
        customer = services.create_customer(
            mode=demo.mode,
            email=demo.customer_email,
            password=demo.customer_password,
            reference_origin=REFERENCE_ORIGIN,
            actor=demo.actor,
        )
    elif customer.user is not None and customer.user.check_password(demo.customer_password):
        pass  # unchanged: a new password would sign the demo customer out everywhere
    elif customer.user is not None and not customer.user_created_by_wallet:
        # A demo database older than the wallet's record of the logins it creates: the wallet
        # will not touch this account, so the demo resets its own demo user's password.
        customer.user.set_password(demo.customer_password)
        customer.user.save(update_fields=["password"])
    else:
        services.update_customer(customer, {"password": demo.customer_password}, actor=demo.actor)
    demo.customer = customer
    demo.add_section(
        "Storefront customer",
        [("email", demo.customer_email), ("password", demo.customer_password)],
    )


def ensure_saved_cards(demo: Demo) -> None:
    """Four saved cards, made the way a customer makes them: paid on an order, then saved.

    Cards missing from the wallet are paid on a new past order, saved to the wallet from their
    external payments, and the order is placed. The visa card is made the default again.
    """
    assert demo.customer is not None and demo.gateway is not None
    customer = demo.customer
    saved = {
        source.fingerprint: source
        for source in CustomerPaymentSource.objects.filter(customer=customer, mode=demo.mode)
    }
    missing = [card for card in DEMO_CARDS if card.fingerprint not in saved]
    if missing:
        order = services.create_order(
            mode=demo.mode,
            customer=customer,
            payment_gateway=demo.gateway,
            currency_code="EUR",
            total_amount_cents=2500,
            reference=CARDS_ORDER_REFERENCE,
            reference_origin=REFERENCE_ORIGIN,
            actor=demo.actor,
        )
        # The default card is paid last, so the order is placed with it.
        payments = [
            services.create_external_payment(
                order=order,
                payment_source_token=card.token,
                options={"card_holder_name": CARDHOLDER},
                reference_origin=REFERENCE_ORIGIN,
                actor=demo.actor,
            )
            for card in sorted(missing, key=lambda card: card.default)
        ]
        for card, payment in zip(sorted(missing, key=lambda c: c.default), payments, strict=True):
            saved[card.fingerprint] = services.save_payment_to_wallet(
                payment, make_default=card.default, actor=demo.actor
            )
        services.place_order(order, actor=demo.actor)
    for card in DEMO_CARDS:
        source = saved[card.fingerprint]
        if card.default:
            source.refresh_from_db()
            if not source.is_default:
                services.set_default_payment_source(source, actor=demo.actor)
        demo.cards.append(source)


def ensure_checkout_order(demo: Demo) -> None:
    """A draft order awaiting payment; a new one when the last demo order was paid."""
    assert demo.customer is not None and demo.gateway is not None
    order = (
        Order.objects.filter(
            customer=demo.customer,
            mode=demo.mode,
            reference=CHECKOUT_ORDER_REFERENCE,
            status__in=Order.PAYABLE_STATUSES,
            payment_status=Order.PaymentStatus.UNPAID,
        )
        .order_by("-created_at")
        .first()
    )
    if order is None:
        order = services.create_order(
            mode=demo.mode,
            customer=demo.customer,
            payment_gateway=demo.gateway,
            currency_code="EUR",
            total_amount_cents=4990,
            reference=CHECKOUT_ORDER_REFERENCE,
            reference_origin=REFERENCE_ORIGIN,
            metadata={"description": "Demo order: one wallet, saved cards included"},
            actor=demo.actor,
        )
    demo.checkout_order = order


def ensure_admin(demo: Demo) -> None:
    """A superuser for the admin whose username is the admin email."""
    user_model = get_user_model()
    username_field = user_model.USERNAME_FIELD
    user = user_model._default_manager.filter(**{username_field: demo.admin_email}).first()
    if user is None:
        user_model._default_manager.create_superuser(
            **{username_field: demo.admin_email, "email": demo.admin_email},
            password=demo.admin_password,
        )
    else:
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(demo.admin_password)
        user.save()
    demo.add_section("Admin", [("email", demo.admin_email), ("password", demo.admin_password)])


def add_urls(demo: Demo) -> None:
    """The pages to open."""
    assert demo.checkout_order is not None
    demo.add_section(
        "Open",
        [
            ("log in", demo.url("login", "/accounts/login/")),
            ("saved cards", demo.url("wallet:saved-cards", "/wallet/")),
            (
                "pay the demo order",
                demo.url(
                    "wallet:payment",
                    f"/checkout/{demo.checkout_order.pk}/payment/",
                    demo.checkout_order.pk,
                ),
            ),
            ("admin", demo.url("admin:index", "/admin/")),
            ("API docs", f"{demo.base_url}/api/docs/"),
        ],
    )


def ensure_api_credentials(demo: Demo) -> None:
    """One integration and one sales-channel credential in the demo's mode, with their secrets.

    The secrets are derived from ``SECRET_KEY``, so every run prints the same working ones.
    """
    rows: list[tuple[str, str]] = []
    for kind, label in (("integration", "integration"), ("sales_channel", "sales channel")):
        credential, secret = ensure_demo_credential(name=f"Demo {label}", kind=kind, mode=demo.mode)
        rows += [
            (f"{label} client_id", credential.application.client_id),
            (f"{label} client_secret", secret),
        ]
    rows.append(("token URL", demo.url("wallet-oauth:token", "/oauth/token")))
    demo.add_section(f"API credentials ({demo.mode} mode)", rows)


STEPS: list[Callable[[Demo], None]] = [
    ensure_gateway,
    ensure_payment_methods,
    ensure_customer,
    ensure_saved_cards,
    ensure_checkout_order,
    ensure_admin,
    ensure_api_credentials,
    add_urls,
]


# --- the command ---------------------------------------------------------------------------


def _check_email(option: str, value: str) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CommandError(f"{option}: enter a valid email address.") from exc
    return email


def _check_password(option: str, value: str) -> str:
    if len(value or "") < MIN_PASSWORD_LENGTH:
        raise CommandError(f"{option}: must be at least {MIN_PASSWORD_LENGTH} characters.")
    return value


def _base_url() -> str:
    port = os.environ.get("PORT", "8000").strip() or "8000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"PORT must be a port number, not {port!r}.")
    return f"http://127.0.0.1:{int(port)}"


def _service_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in exc.message_dict.items()
        )
    if isinstance(exc, services.WalletError):
        return str(exc.message)
    return " ".join(getattr(exc, "messages", [str(exc)]))


class Command(OneLineErrorCommand):
    """Load the demo: test gateway, customer with four saved cards, an order to pay, an admin."""

    help = (
        "Load the demo shop's data (idempotent): the test gateway, a customer with four saved "
        "cards, a draft order to pay and an admin user; print the credentials and URLs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """``--customer-email``, ``--password``, ``--admin-email``, ``--admin-password``."""
        parser.add_argument("--customer-email", default=DEFAULT_CUSTOMER_EMAIL)
        parser.add_argument(
            "--password", default=DEFAULT_CUSTOMER_PASSWORD, help="The customer's password."
        )
        parser.add_argument("--admin-email", default=DEFAULT_ADMIN_EMAIL)
        parser.add_argument("--admin-password", default=DEFAULT_ADMIN_PASSWORD)

    def handle(self, *args: Any, **options: Any) -> None:
        """Refuse outside a test-mode development setup; run every step, print the summary."""
        if not settings.DEBUG or wallet_settings.MODE != "test":
            raise CommandError(
                "wallet_demo only runs with DEBUG on and WALLET['MODE'] = 'test': it creates a "
                "superuser with a published password."
            )
        demo = Demo(
            mode="test",
            base_url=_base_url(),
            customer_email=_check_email("--customer-email", options["customer_email"]),
            customer_password=_check_password("--password", options["password"]),
            admin_email=_check_email("--admin-email", options["admin_email"]),
            admin_password=_check_password("--admin-password", options["admin_password"]),
        )
        if demo.customer_email == demo.admin_email:
            raise CommandError("--customer-email and --admin-email must differ.")
        try:
            with transaction.atomic():
                for step in STEPS:
                    step(demo)
        except (ValidationError, services.WalletError) as exc:
            raise CommandError(f"The demo could not be loaded: {_service_error(exc)}") from exc
        self.print_summary(demo)

    def print_summary(self, demo: Demo) -> None:
        """Print the credentials and URLs the steps collected."""
        self.stdout.write(self.style.SUCCESS(f"Wallet demo ready ({demo.mode} mode)."))
        for title, rows in demo.sections:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(title))
            width = max(len(label) for label, _ in rows) + 1
            for label, value in rows:
                self.stdout.write(f"  {label + ':':<{width}} {value}")
