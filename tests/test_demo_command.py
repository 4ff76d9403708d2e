"""``manage.py wallet_demo``: idempotent demo data whose printed credentials work.

The command belongs to the demo project (``config``), and runs only with ``DEBUG`` on in test
mode.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from wallet import services
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    Transaction,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

COUNTED = [
    Customer,
    Order,
    PaymentGateway,
    ExternalPayment,
    CustomerPaymentSource,
    Transaction,
    AuditEntry,
    get_user_model(),
]


@pytest.fixture(autouse=True)
def _default_port(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)


@pytest.fixture(autouse=True)
def _development(settings):
    """The demo runs in development only (pytest-django turns DEBUG off)."""
    settings.DEBUG = True


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("wallet_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def printed(output: str, section: str, label: str) -> str:
    """The value printed as ``label: value`` in ``section``."""
    block = output.split(section, 1)[1]
    return re.search(rf"^\s+{re.escape(label)}:\s+(\S+)$", block, re.MULTILINE).group(1)


def demo_customer() -> Customer:
    return Customer.objects.get(email="customer@example.com", mode="test")


def is_expired(source: CustomerPaymentSource) -> bool:
    instrument = source.payment_instrument
    year, month = int(instrument["card_expiry_year"]), int(instrument["card_expiry_month"])
    today = timezone.now().date()
    return (year, month) < (today.year, today.month)


def test_running_twice_creates_nothing_twice():
    run_demo()
    after_first = counts()
    run_demo()
    assert counts() == after_first
    assert after_first["Customer"] == 1
    assert after_first["CustomerPaymentSource"] == 4
    assert after_first["PaymentGateway"] == 1


def test_second_run_prints_the_same_credentials_and_order():
    assert run_demo() == run_demo()


def test_printed_customer_credentials_log_in_by_email():
    output = run_demo()
    email = printed(output, "Storefront customer", "email")
    password = printed(output, "Storefront customer", "password")
    assert (email, password) == ("customer@example.com", "wallet-demo-1234")
    # ``email=`` is only understood by the EmailBackend.
    assert Client().login(email=email, password=password)
    assert not Client().login(email=email, password="wrong-password")
    assert demo_customer().user.email == email


def test_printed_admin_credentials_open_the_admin():
    output = run_demo()
    email = printed(output, "Admin", "email")
    password = printed(output, "Admin", "password")
    assert (email, password) == ("admin@example.com", "wallet-admin-1234")
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/wallet/customerpaymentsource/").status_code == 200
    user = get_user_model().objects.get(username=email)
    assert user.is_superuser and user.is_staff and user.email == email


def test_four_cards_of_different_brands_one_default_one_expired():
    run_demo()
    cards = list(CustomerPaymentSource.objects.filter(customer=demo_customer()))
    brands = {card.payment_instrument["card_type"] for card in cards}
    assert brands == {"visa", "mastercard", "amex", "discover"}
    defaults = [card for card in cards if card.is_default]
    assert [card.payment_source_token for card in defaults] == ["tok_test_visa_4242_1230"]
    expired = [card for card in cards if is_expired(card)]
    assert [card.name for card in expired] == ["XXXX-XXXX-XXXX-1117"]


def test_cards_are_saved_from_payments_on_a_placed_order():
    run_demo()
    for card in CustomerPaymentSource.objects.filter(customer=demo_customer()):
        payment = card.payment
        assert payment is not None
        assert payment.saved_source_id == card.pk
        assert payment.order.status == Order.Status.PLACED
        assert card.payment_instrument["card_holder_name"] == "Demo Customer"
        assert AuditEntry.objects.filter(resource_id=card.pk, event="saved_to_wallet").exists()


def test_prints_a_payable_order_of_the_customer_and_the_urls(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    output = run_demo()
    order = Order.objects.get(reference="wallet-demo-checkout")
    assert order.is_payable
    assert order.customer == demo_customer()
    base = "http://127.0.0.1:8123"
    for path in (
        "/accounts/login/",
        "/wallet/",
        f"/checkout/{order.pk}/payment/",
        "/admin/",
        "/api/docs/",
    ):
        assert f"{base}{path}" in output


def test_a_paid_demo_order_is_replaced_by_a_new_payable_one():
    run_demo()
    paid = Order.objects.get(reference="wallet-demo-checkout")
    visa = CustomerPaymentSource.objects.get(customer=demo_customer(), is_default=True)
    services.checkout_with_source(paid, visa)
    output = run_demo()
    fresh = Order.objects.filter(reference="wallet-demo-checkout").exclude(pk=paid.pk).get()
    assert fresh.is_payable
    assert f"/checkout/{fresh.pk}/payment/" in output
    assert f"/checkout/{paid.pk}/payment/" not in output


def test_a_removed_card_and_a_moved_default_are_restored():
    run_demo()
    customer = demo_customer()
    visa = CustomerPaymentSource.objects.get(customer=customer, is_default=True)
    amex = CustomerPaymentSource.objects.get(
        customer=customer, payment_instrument__card_type="amex"
    )
    services.delete_payment_source(visa)
    services.set_default_payment_source(amex)
    run_demo()
    cards = CustomerPaymentSource.objects.filter(customer=customer)
    assert cards.count() == 4
    default = cards.get(is_default=True)
    assert default.payment_source_token == "tok_test_visa_4242_1230"


def test_custom_customer_credentials():
    output = run_demo("--customer-email", "Shopper@Example.com", "--password", "s3cret-pass")
    assert printed(output, "Storefront customer", "email") == "shopper@example.com"
    assert Client().login(email="shopper@example.com", password="s3cret-pass")
    assert not Customer.objects.filter(email="customer@example.com").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customer-email", "not-an-email"], "--customer-email"),
        (["--password", "short"], "--password"),
        (["--admin-password", "short"], "--admin-password"),
        (["--admin-email", "customer@example.com"], "must differ"),
        (["--unknown-option"], "unrecognized arguments"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_written(args, message):
    with pytest.raises(CommandError, match=message):
        run_demo(*args)
    assert not Customer.objects.exists()


def test_a_bad_port_is_refused(monkeypatch):
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(CommandError, match="PORT"):
        run_demo()


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run_demo()
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not Customer.objects.exists()


def test_refuses_to_run_in_live_mode(settings):
    settings.WALLET = {"MODE": "live"}
    with pytest.raises(CommandError, match="test"):
        run_demo()
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not Customer.objects.exists()


def test_the_refusal_is_one_line(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as excinfo:
        run_demo()
    assert "\n" not in str(excinfo.value)


def test_the_command_lives_in_the_demo_project_not_in_the_app():
    from django.core.management import get_commands

    assert get_commands()["wallet_demo"] == "config"
    assert not (ROOT / "wallet" / "management" / "commands" / "wallet_demo.py").exists()


def test_an_older_demo_database_still_resets_the_demo_customers_password():
    run_demo()
    Customer.objects.update(user_created_by_wallet=False)  # as before the wallet tracked it
    run_demo("--password", "changed-demo-pw")
    assert Client().login(email="customer@example.com", password="changed-demo-pw")


def test_every_gateway_of_the_demo_has_one_payment_method():
    run_demo()
    run_demo()

    gateway = PaymentGateway.objects.get(mode="test")
    assert list(gateway.payment_methods.values_list("name", flat=True)) == [
        f"Cards ({gateway.name})"
    ]
