"""In Chromium: amounts in the order's currency and the shopper's language, and the wallet's
admin pages (finding a card by its last four, confirming an order action) checked with axe."""

import re

import pytest

from tests import factories
from tests.support.browser import (
    SCREENSHOTS,
    assert_accessible,
    check_page,
    new_page,
    open_logged_in,
)
from wallet.models import CustomerPaymentSource, Order, PaymentMethod

pytestmark = pytest.mark.browser


@pytest.fixture
def shopper(db):
    """A customer who can log in, with one saved Visa."""
    customer = factories.CustomerFactory(
        user=factories.UserFactory(username="lin@example.com"), email="lin@example.com"
    )
    factories.CustomerPaymentSourceFactory(
        customer=customer, brand="visa", last4="4242", is_default=True
    )
    return customer


@pytest.mark.parametrize(
    ("locale", "currency", "cents", "shown"),
    [
        ("en-US", "JPY", 12345, "¥12,345"),
        ("en-US", "USD", 123456789, "$1,234,567.89"),
        ("en-US", "EUR", 4599, "€45.99"),
        ("fr-FR", "JPY", 12345, "12\u202f345\xa0JPY"),
        ("fr-FR", "USD", 123456789, "1\u202f234\u202f567,89\xa0$US"),
        ("fr-FR", "EUR", 4599, "45,99\xa0€"),
    ],
)
def test_the_pay_button_shows_the_amount_as_the_shopper_reads_it(
    browser, live_server, shopper, locale, currency, cents, shown
):
    order = factories.OrderFactory(
        customer=shopper, currency_code=currency, total_amount_cents=cents
    )
    page = new_page(browser, live_server.url, locale=locale)
    try:
        open_logged_in(page, shopper.email, f"/checkout/{order.pk}/payment/")

        language = locale[:2]
        assert page.locator("html").get_attribute("lang") == language
        pay = "Payer" if language == "fr" else "Pay"
        assert page.get_by_role("button", name=f"{pay} {shown}").count() == 1
        check_page(page, f"40-payment-{currency.lower()}-{language}")
    finally:
        page.context.close()


def test_the_shopper_switches_language(page, shopper):
    open_logged_in(page, shopper.email)

    page.get_by_label(re.compile("Language|Langue")).select_option("fr")
    page.get_by_role("button", name=re.compile("Change language|Changer")).click()

    page.get_by_role("heading", name="Cartes enregistrées").wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"
    check_page(page, "41-saved-cards-fr")


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def staff_page(page, staff_user):
    """A browser page logged in as a superuser (the admin's login form is Django's)."""
    open_logged_in(page, staff_user.get_username(), path=None)
    return page


def admin_shot(page, name: str) -> None:
    """A desktop screenshot of an admin page (the admin is not built for phones)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"), full_page=True)


def test_staff_find_a_card_by_its_last_four(staff_page, shopper):
    factories.CustomerPaymentSourceFactory(brand="mastercard", last4="4444")

    staff_page.goto("/admin/wallet/customerpaymentsource/")
    staff_page.locator("#searchbar").fill("4444")
    staff_page.locator("#changelist-search input[type=submit]").click()
    staff_page.wait_for_url("**q=4444**")

    rows = staff_page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Mastercard •••• 4444" in rows.first.inner_text()
    assert_accessible(staff_page)
    admin_shot(staff_page, "42-admin-card-search")


def test_an_order_action_is_confirmed_first(staff_page, shopper):
    order = factories.OrderFactory(customer=shopper)

    staff_page.goto("/admin/wallet/order/")
    staff_page.locator(f"input[name=_selected_action][value='{order.pk}']").check()
    staff_page.locator("select[name=action]").select_option("cancel")
    staff_page.locator("button[name=index]").click()

    staff_page.get_by_role("heading", name="Are you sure?").wait_for()
    assert_accessible(staff_page)
    admin_shot(staff_page, "43-admin-confirm-cancel")
    staff_page.get_by_role("button", name=re.compile("Yes, I.m sure")).click()
    staff_page.wait_for_url("**/admin/wallet/order/")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


ADMIN_MODELS = (
    "customer",
    "order",
    "paymentgateway",
    "paymentmethod",
    "externalpayment",
    "customerpaymentsource",
    "transaction",
    "auditentry",
    "apicredential",
)
WRITABLE = ("customer", "order", "paymentgateway", "paymentmethod", "externalpayment")


@pytest.fixture
def records(shopper):
    """One record of every wallet model, written through the services (audit entries too)."""
    from wallet import services

    gateway = factories.PaymentGatewayFactory()
    method = services.create_payment_method(
        mode="test", values={"name": "Cards", "payment_gateway": gateway}
    )
    order = services.create_order(
        mode="test", customer=shopper, payment_method=method, total_amount_cents=4599
    )
    payment = services.create_external_payment(
        order=order, payment_source_token="tok_test_visa_4111_1230"
    )
    services.place_order(order)
    return {
        "customer": shopper,
        "order": order,
        "paymentgateway": gateway,
        "paymentmethod": method,
        "externalpayment": payment,
        "customerpaymentsource": CustomerPaymentSource.objects.get(customer=shopper),
        "transaction": payment.transactions.get(),
    }


@pytest.mark.accessibility
@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_wallet_list_page_passes_axe(staff_page, records, model):
    staff_page.goto(f"/admin/wallet/{model}/")

    assert_accessible(staff_page)


@pytest.mark.accessibility
@pytest.mark.parametrize("model", WRITABLE)
def test_every_wallet_add_page_passes_axe(staff_page, model):
    staff_page.goto(f"/admin/wallet/{model}/add/")

    assert_accessible(staff_page)


@pytest.mark.accessibility
@pytest.mark.parametrize(
    "model", [name for name in ADMIN_MODELS if name not in ("auditentry", "apicredential")]
)
def test_every_wallet_change_page_passes_axe(staff_page, records, model):
    staff_page.goto(f"/admin/wallet/{model}/{records[model].pk}/change/")

    assert_accessible(staff_page)


@pytest.mark.accessibility
def test_the_wallet_admin_index_passes_axe(staff_page):
    staff_page.goto("/admin/wallet/")

    assert_accessible(staff_page)


@pytest.mark.accessibility
def test_a_saved_cards_change_page_passes_axe(staff_page, shopper):
    source = CustomerPaymentSource.objects.get(customer=shopper)
    PaymentMethod.objects.create(
        mode="test", name="Cards", payment_gateway=factories.PaymentGatewayFactory()
    )

    staff_page.goto(f"/admin/wallet/customerpaymentsource/{source.pk}/change/")

    assert_accessible(staff_page)
    admin_shot(staff_page, "44-admin-saved-card")
