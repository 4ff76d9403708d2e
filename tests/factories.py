"""factory_boy factories for the wallet's models."""

import factory
from django.contrib.auth import get_user_model

from wallet.gateways.test import fingerprint_for, make_test_token
from wallet.instruments import card_columns
from wallet.models import (
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
)

TEST_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A shop user who can log in with ``TEST_PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        """Set the password (``TEST_PASSWORD`` unless one is given) and save it."""
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class PaymentGatewayFactory(factory.django.DjangoModelFactory):
    """The built-in test gateway; in live mode, where it may not exist, an external one."""

    class Meta:
        model = PaymentGateway
        django_get_or_create = ("name", "mode")

    name = "Test gateway"
    mode = "test"
    kind = factory.LazyAttribute(
        lambda o: PaymentGateway.Kind.TEST if o.mode == "test" else PaymentGateway.Kind.EXTERNAL
    )


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer with a login."""

    class Meta:
        model = Customer

    mode = "test"
    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "guest@example.com")


class OrderFactory(factory.django.DjangoModelFactory):
    """A draft order awaiting payment through the test gateway."""

    class Meta:
        model = Order

    mode = "test"
    number = factory.Sequence(lambda n: f"1000{n}")
    customer = factory.SubFactory(CustomerFactory, mode=factory.SelfAttribute("..mode"))
    payment_gateway = factory.SubFactory(
        PaymentGatewayFactory, mode=factory.SelfAttribute("..mode")
    )
    currency_code = "EUR"
    total_amount_cents = 4990


def card_instrument(
    brand: str = "visa",
    last4: str = "4242",
    month: int = 12,
    year: int = 2030,
    holder: str = "Ada Lovelace",
) -> dict:
    """The payment instrument the test gateway derives for a card."""
    return {
        "issuer_type": "card",
        "card_type": brand,
        "card_last_digits": last4,
        "card_expiry_month": f"{month:02d}",
        "card_expiry_year": str(year),
        "card_holder_name": holder,
        "fingerprint": fingerprint_for(brand, last4, month, year),
    }


class ExternalPaymentFactory(factory.django.DjangoModelFactory):
    """An external payment with a test-gateway token and its instrument."""

    class Meta:
        model = ExternalPayment

    class Params:
        brand = "visa"
        last4 = factory.Sequence(lambda n: f"{4000 + n % 6000:04d}")
        month = 12
        year = 2030

    order = factory.SubFactory(OrderFactory)
    mode = factory.SelfAttribute("order.mode")
    payment_gateway = factory.SelfAttribute("order.payment_gateway")
    payment_source_token = factory.LazyAttribute(
        lambda o: make_test_token(o.brand, o.last4, o.month, o.year)
    )
    payment_instrument = factory.LazyAttribute(
        lambda o: card_instrument(o.brand, o.last4, o.month, o.year)
    )


class CustomerPaymentSourceFactory(factory.django.DjangoModelFactory):
    """A saved card in a customer's wallet."""

    class Meta:
        model = CustomerPaymentSource

    class Params:
        brand = "visa"
        last4 = factory.Sequence(lambda n: f"{1000 + n % 9000:04d}")
        month = 12
        year = 2030

    customer = factory.SubFactory(CustomerFactory)
    mode = factory.SelfAttribute("customer.mode")
    customer_token = factory.Sequence(lambda n: f"cus_test_{n:06d}")
    payment_source_token = factory.LazyAttribute(
        lambda o: make_test_token(o.brand, o.last4, o.month, o.year)
    )
    payment_instrument = factory.LazyAttribute(
        lambda o: card_instrument(o.brand, o.last4, o.month, o.year)
    )
    fingerprint = factory.LazyAttribute(lambda o: o.payment_instrument["fingerprint"])
    # What the services keep from the instrument (``services.records.keep_derived_columns``).
    card_brand = factory.LazyAttribute(lambda o: card_columns(o.payment_instrument)[0])
    card_last_digits = factory.LazyAttribute(lambda o: card_columns(o.payment_instrument)[1])
    name = factory.LazyAttribute(lambda o: card_columns(o.payment_instrument)[2])
    is_default = False
