"""The storefront in a real browser: log in, pay, save, decline, remove, set default, keyboard.

Every page state is screenshotted at 375 px and 1280 px (``artifacts/screenshots/``) and checked
with axe-core: no serious or critical violation is allowed.
"""

import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from tests import factories
from tests.browser.conftest import assert_accessible, check_page, shoot
from wallet.models import Customer, CustomerPaymentSource, Order, Transaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "ada@example.com"
NEW_CARD_NUMBER = "5555 5555 5555 4444"
DECLINED_CARD_NUMBER = "4000 0000 0000 0002"


@dataclass
class Shop:
    """The demo customer's data: an order to pay and four saved cards in different states."""

    customer: Customer
    order: Order
    visa: CustomerPaymentSource
    mastercard: CustomerPaymentSource
    amex: CustomerPaymentSource
    discover: CustomerPaymentSource


def saved_card(customer: Customer, brand: str, last4: str, month: int, year: int, **kwargs):
    """A saved card whose holder is the customer's name."""
    return factories.CustomerPaymentSourceFactory(
        customer=customer,
        payment_source_token=f"tok_test_{brand}_{last4}_{month:02d}{year % 100:02d}",
        payment_instrument=factories.card_instrument(brand, last4, month, year, "Ada Lovelace"),
        **kwargs,
    )


@pytest.fixture
def shop() -> Shop:
    """Ada, who can log in, has an order of EUR 49.90 and cards: default, other, soon, expired."""
    today = datetime.date.today()
    customer = factories.CustomerFactory(user=factories.UserFactory(username=EMAIL))
    return Shop(
        customer=customer,
        order=factories.OrderFactory(customer=customer, number="100234", total_amount_cents=4990),
        visa=saved_card(customer, "visa", "4242", 12, 2030, is_default=True),
        mastercard=saved_card(customer, "mastercard", "5100", 8, 2029),
        amex=saved_card(customer, "amex", "0005", today.month, today.year),
        discover=saved_card(customer, "discover", "1117", 3, 2021),
    )


def log_in(page, email: str = EMAIL, password: str = factories.TEST_PASSWORD) -> None:
    """Log in through the login form with an email address."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/wallet/")


def open_payment(page, order: Order) -> None:
    """Go to the order's payment page."""
    page.goto(f"/checkout/{order.pk}/payment/")
    page.get_by_role("heading", name="Payment", exact=True).wait_for()


def fill_new_card(page, number: str, expiry: str = "11/31", cvc: str = "123", holder: str = "Ada"):
    """Choose "Pay with a new card" and type the card into the gateway's fields."""
    page.get_by_label("Pay with a new card").check()
    page.get_by_label("Card number", exact=True).fill(number)
    page.get_by_label("Expiry date").fill(expiry)
    page.get_by_label("Security code").fill(cvc)
    page.get_by_label("Name on card").fill(holder)


def test_demo_customer_logs_in_and_pays_the_demo_order(page):
    call_command("wallet_demo", stdout=io.StringIO())
    order = Order.objects.get(reference="wallet-demo-checkout")
    log_in(page, "customer@example.com", "wallet-demo-1234")
    assert page.locator(".saved-card").count() == 4
    check_page(page, "00-demo-saved-cards")
    page.get_by_role("link", name=re.compile(f"Pay now.*{order.number}")).click()
    page.get_by_role("button", name=f"Pay {order.total_amount}").click()
    page.wait_for_url(f"**/checkout/{order.pk}/confirmation/")
    assert "Visa •••• 4242" in page.locator("[data-card-used]").inner_text()
    check_page(page, "00-demo-confirmation")
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED


def test_login_page_and_error(page, shop):
    page.goto("/accounts/login/")
    check_page(page, "01-login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("We could not log you in")
    check_page(page, "02-login-error")


def test_customer_logs_in_with_email_and_sees_saved_cards(page, shop):
    log_in(page)
    cards = page.locator(".saved-card")
    assert cards.count() == 4
    assert "•••• 4242" in cards.nth(0).inner_text()
    assert "Default" in cards.nth(0).inner_text()
    assert "Expires soon" in page.locator(f'[data-card-id="{shop.amex.pk}"]').inner_text()
    assert "Expired" in page.locator(f'[data-card-id="{shop.discover.pk}"]').inner_text()
    assert page.get_by_role("link", name=re.compile("Pay now")).count() == 1
    check_page(page, "03-saved-cards")


def test_customer_pays_with_the_default_card(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    assert page.locator(f"#pm-{shop.visa.pk}").is_checked()
    assert page.locator(f"#pm-{shop.discover.pk}").is_disabled()
    check_page(page, "04-payment")
    page.get_by_role("button", name="Pay EUR 49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    summary = page.locator(".summary-list").inner_text()
    assert "100234" in summary
    assert "EUR 49.90" in summary
    assert "Visa •••• 4242" in summary
    check_page(page, "05-confirmation")
    shop.order.refresh_from_db()
    assert shop.order.payment_status == Order.PaymentStatus.AUTHORIZED
    assert shop.order.external_payments.get().wallet_id == shop.visa.pk


def test_double_click_on_pay_charges_once(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    page.get_by_role("button", name="Pay EUR 49.90").dblclick()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert Transaction.objects.filter(payment__order=shop.order, succeeded=True).count() == 1


def test_pay_with_a_new_card_and_save_it_without_sending_the_number(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    page.get_by_label("Pay with a new card").check()
    page.get_by_role("button", name="Pay EUR 49.90").click()
    assert page.locator("#card-number-error").inner_text() == "Enter your card number."
    assert page.get_by_label("Card number", exact=True).evaluate(
        "el => el === document.activeElement"
    )
    check_page(page, "06-payment-new-card-errors")

    fill_new_card(page, NEW_CARD_NUMBER, holder="Grace Hopper")
    page.get_by_label("Save this card for next time").check()
    assert page.locator("[data-accepted-brands]").get_attribute("data-detected") == "mastercard"
    check_page(page, "07-payment-new-card")
    for selector in ("#card-number", "#card-cvc", "#card-expiry", "#card-holder"):
        assert page.locator(selector).get_attribute("name") is None
    page.get_by_role("button", name="Pay EUR 49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert "Mastercard •••• 4444" in page.locator("[data-card-used]").inner_text()
    assert "saved in your wallet" in page.locator(".flash-list").inner_text()

    digits = NEW_CARD_NUMBER.replace(" ", "")
    posts = [body for _url, body in page.request_log.requests if body]
    assert any("payment_source_token=tok_test_mastercard_4444_1131" in body for body in posts)
    assert page.request_log.containing(digits) == []
    assert page.request_log.containing(NEW_CARD_NUMBER.replace(" ", "+")) == []
    assert page.request_log.containing("5555") == []
    saved = shop.customer.customer_payment_sources.get(payment_instrument__card_last_digits="4444")
    assert saved.payment_instrument["card_holder_name"] == "Grace Hopper"
    assert saved.payment_source_token == "tok_test_mastercard_4444_1131"


def test_declined_card_shows_a_message_and_leaves_the_order_unpaid(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    fill_new_card(page, DECLINED_CARD_NUMBER)
    page.get_by_role("button", name="Pay EUR 49.90").click()
    alert = page.get_by_role("alert")
    assert "declined" in alert.inner_text()
    assert alert.evaluate("el => el === document.activeElement")
    check_page(page, "08-payment-declined")
    shop.order.refresh_from_db()
    assert shop.order.is_payable
    # The customer chooses again: a saved card goes through.
    page.get_by_label(re.compile("Mastercard •••• 5100")).check()
    page.get_by_role("button", name="Pay EUR 49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert "Mastercard •••• 5100" in page.locator("[data-card-used]").inner_text()


def test_customer_removes_a_card_after_confirming(page, shop):
    log_in(page)
    page.get_by_role("link", name=re.compile(r"^Remove\W+Mastercard •••• 5100$")).click()
    page.get_by_role("heading", name="Remove Mastercard •••• 5100?").wait_for()
    check_page(page, "09-remove-card")
    page.get_by_role("button", name="Remove card").click()
    page.wait_for_url("**/wallet/")
    assert "Mastercard •••• 5100 was removed" in page.locator(".flash-list").inner_text()
    assert page.locator(f'[data-card-id="{shop.mastercard.pk}"]').count() == 0
    check_page(page, "10-saved-cards-after-remove")
    assert not CustomerPaymentSource.objects.filter(pk=shop.mastercard.pk).exists()


def test_customer_sets_another_default_card(page, shop):
    log_in(page)
    page.get_by_role("button", name=re.compile(r"^Set as default\W+Mastercard •••• 5100$")).click()
    page.wait_for_url("**/wallet/")
    first = page.locator(".saved-card").first
    assert first.get_attribute("data-card-id") == shop.mastercard.pk
    assert "Default" in first.inner_text()
    assert "is now your default card" in page.locator(".flash-list").inner_text()
    check_page(page, "11-saved-cards-after-default")
    shop.mastercard.refresh_from_db()
    assert shop.mastercard.is_default


def test_another_customers_order_is_not_found(page, shop):
    other_order = factories.OrderFactory(number="999001")
    log_in(page)
    response = page.goto(f"/checkout/{other_order.pk}/payment/")
    assert response.status == 404
    assert "999001" not in page.content()
    check_page(page, "12-not-found")


def test_keyboard_only_card_selection_and_payment(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    page.locator("body").focus()
    for _ in range(30):  # Tab from the top of the page until a card radio has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "payment_method":
            break
    radios = page.eval_on_selector_all(
        'input[name="payment_method"]', "els => els.map(el => el.id + (el.checked ? '*' : ''))"
    )
    assert page.evaluate("document.activeElement.id") == f"pm-{shop.visa.pk}", radios
    label = page.locator(f'label[for="pm-{shop.visa.pk}"]')
    assert label.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    # Order on the page: Visa (default), Amex, Mastercard, the expired Discover, a new card.
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == f"pm-{shop.amex.pk}"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == f"pm-{shop.mastercard.pk}"
    assert page.locator(f"#pm-{shop.mastercard.pk}").is_checked()
    shoot(page, "13-payment-keyboard-focus")
    page.keyboard.press("ArrowDown")  # the expired Discover card is skipped
    assert page.evaluate("document.activeElement.id") == "pm-new"
    assert page.locator("#new-card-panel").is_visible()
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == f"pm-{shop.mastercard.pk}"
    assert page.locator("#new-card-panel").is_hidden()
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert "Mastercard •••• 5100" in page.locator("[data-card-used]").inner_text()


def test_saved_card_checkout_works_without_javascript(page_without_js, shop):
    page = page_without_js
    log_in(page)
    open_payment(page, shop.order)
    assert page.get_by_label("Pay with a new card").is_disabled()
    assert "needs JavaScript" in page.locator(".checkout-form").inner_text()
    shoot(page, "14-payment-without-javascript")
    page.get_by_role("button", name="Pay EUR 49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    shop.order.refresh_from_db()
    assert shop.order.payment_status == Order.PaymentStatus.AUTHORIZED


def test_payment_page_without_the_apps_scripts_is_accessible(page, shop):
    # axe-core needs JavaScript itself: block only the shop's scripts to check the no-JS page.
    page.route("**/static/wallet/*.js", lambda route: route.abort())
    log_in(page)
    open_payment(page, shop.order)
    assert page.get_by_label("Pay with a new card").is_disabled()
    assert page.locator("#new-card-panel").is_hidden()
    assert_accessible(page)


def test_cancelled_order_says_it_cannot_be_paid(page, shop):
    Order.objects.filter(pk=shop.order.pk).update(status=Order.Status.CANCELLED)
    log_in(page)
    response = page.goto(f"/checkout/{shop.order.pk}/payment/")
    assert response.status == 409
    assert page.get_by_role("heading", name="Order 100234 was cancelled").is_visible()
    check_page(page, "15-order-cancelled")


def test_empty_wallet_and_log_out(page, shop):
    CustomerPaymentSource.objects.filter(customer=shop.customer).delete()
    log_in(page)
    assert page.get_by_role("heading", name="No saved cards yet").is_visible()
    check_page(page, "16-saved-cards-empty")
    open_payment(page, shop.order)
    assert page.get_by_label("Pay with a new card").is_checked()
    assert page.get_by_label("Card number", exact=True).is_visible()
    check_page(page, "17-payment-no-saved-cards")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    assert_accessible(page)
