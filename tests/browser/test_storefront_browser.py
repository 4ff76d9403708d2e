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
from tests.support.browser import (
    assert_accessible,
    check_page,
    log_in_with_the_form,
    open_logged_in,
    shoot,
)
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
    """Ada, who can log in, has an order of €49.90 and cards: default, other, soon, expired."""
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


def log_in(page, email: str = EMAIL) -> None:
    """Open the saved cards as Ada, logged in (the login form has tests of its own)."""
    open_logged_in(page, email)


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


def test_demo_customer_logs_in_and_pays_the_demo_order(page, settings):
    settings.DEBUG = True  # the demo command runs in development only
    call_command("wallet_demo", stdout=io.StringIO())
    order = Order.objects.get(reference="wallet-demo-checkout")
    log_in_with_the_form(page, "customer@example.com", "wallet-demo-1234")
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
    log_in_with_the_form(page, EMAIL, factories.TEST_PASSWORD)
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
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    summary = page.locator(".summary-list").inner_text()
    assert "100234" in summary
    assert "€49.90" in summary
    assert "Visa •••• 4242" in summary
    check_page(page, "05-confirmation")
    shop.order.refresh_from_db()
    assert shop.order.payment_status == Order.PaymentStatus.AUTHORIZED
    assert shop.order.external_payments.get().saved_source_id == shop.visa.pk


def test_double_click_on_pay_charges_once(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    page.get_by_role("button", name="Pay €49.90").dblclick()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert Transaction.objects.filter(payment__order=shop.order, succeeded=True).count() == 1


def test_pay_with_a_new_card_and_save_it_without_sending_the_number(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    page.get_by_label("Pay with a new card").check()
    page.get_by_role("button", name="Pay €49.90").click()
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
    page.get_by_role("button", name="Pay €49.90").click()
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


def test_declined_card_keeps_what_was_typed_and_says_why_under_the_card_field(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    fill_new_card(page, DECLINED_CARD_NUMBER, expiry="11/31", holder="Ada Lovelace")
    page.get_by_label("Save this card for next time").check()
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'card-number'")
    number = page.get_by_label("Card number", exact=True)
    # The focus is on the card field, which is described by the gateway's reason and a next step.
    assert number.get_attribute("aria-invalid") == "true"
    described = number.evaluate(
        "el => el.getAttribute('aria-describedby').split(' ')"
        ".map(id => document.getElementById(id).textContent.trim()).join(' | ')"
    )
    assert "The card was declined." in described
    assert "You have not been charged." in described
    # Kept: the name, the expiry and the "save" choice; never the number or the CVC.
    assert page.get_by_label("Pay with a new card").is_checked()
    assert page.get_by_label("Name on card").input_value() == "Ada Lovelace"
    assert page.get_by_label("Expiry date").input_value() == "11/31"
    assert page.get_by_label("Save this card for next time").is_checked()
    assert number.input_value() == ""
    assert page.get_by_label("Security code").input_value() == ""
    # The outcome is announced in the live region; no banner at the top.
    page.wait_for_function(
        "document.querySelector('[data-live-status]').textContent.includes('declined')"
    )
    assert page.locator("[data-live-status]").get_attribute("role") == "status"
    assert page.locator(".alert--error").count() == 0
    check_page(page, "08-payment-declined")
    shop.order.refresh_from_db()
    assert shop.order.is_payable
    # The customer chooses again: a saved card goes through.
    page.get_by_label(re.compile("Mastercard •••• 5100")).check()
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert "Mastercard •••• 5100" in page.locator("[data-card-used]").inner_text()


def test_paying_announces_processing_in_the_live_region(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    status = page.locator("[data-live-status]")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == ""
    # Keep the page after the click (storefront.js has already reacted to the submission).
    page.evaluate("document.addEventListener('submit', event => event.preventDefault())")
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_function(
        "document.querySelector('[data-live-status]').textContent === 'Processing payment…'"
    )
    assert page.locator("[data-pay-button]").is_disabled()
    check_page(page, "31-payment-processing")


def test_checkout_nudges_the_card_that_expires_soon(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    nudge = page.locator(f"#pm-{shop.amex.pk}-nudge")
    assert "expires at the end of" in nudge.inner_text()
    nudge.get_by_role("link", name=re.compile("Update the card")).click()
    page.wait_for_url(f"**/wallet/cards/{shop.amex.pk}/edit/")
    assert page.get_by_role("heading", name="Edit American Express •••• 0005").is_visible()


def test_customer_removes_a_card_and_undoes_it(page, shop):
    log_in(page)
    page.get_by_role("button", name=re.compile(r"^Remove\W+Mastercard •••• 5100$")).click()
    page.wait_for_url(f"**/wallet/?removed={shop.mastercard.pk}")
    bar = page.locator("#undo-bar")
    assert "Removed Mastercard •••• 5100." in bar.inner_text()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'undo-bar'")
    assert page.locator(f'[data-card-id="{shop.mastercard.pk}"]').count() == 0
    check_page(page, "09-removed-with-undo")
    assert not CustomerPaymentSource.objects.filter(pk=shop.mastercard.pk).exists()
    page.get_by_role("button", name=re.compile("^Undo")).click()
    page.wait_for_url("**/wallet/")
    assert (
        "Mastercard •••• 5100 is back in your wallet." in page.locator(".flash-list").inner_text()
    )
    assert page.locator(f'[data-card-id="{shop.mastercard.pk}"]').count() == 1
    check_page(page, "10-saved-cards-after-undo")
    assert CustomerPaymentSource.objects.filter(pk=shop.mastercard.pk).exists()


def test_customer_adds_a_card_with_a_nickname(page, shop):
    log_in(page)
    page.get_by_role("link", name="Add card").click()
    page.get_by_role("heading", name="Add a card").wait_for()
    page.wait_for_load_state()  # the card form's deferred scripts have run by "load"
    page.get_by_role("button", name="Save card").click()
    assert page.locator("#card-number-error").inner_text() == "Enter your card number."
    check_page(page, "18-add-card-errors")
    page.get_by_label("Card number", exact=True).fill(NEW_CARD_NUMBER)
    page.get_by_label("Expiry date").fill("11/31")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("Name on card").fill("Grace Hopper")
    page.get_by_role("textbox", name=re.compile("^Nickname")).fill("Work card")
    check_page(page, "19-add-card")
    page.get_by_role("button", name="Save card").click()
    page.wait_for_url("**/wallet/")
    assert (
        "Mastercard •••• 4444 is saved in your wallet." in page.locator(".flash-list").inner_text()
    )
    saved = CustomerPaymentSource.objects.get(
        customer=shop.customer, payment_instrument__card_last_digits="4444"
    )
    assert saved.nickname == "Work card"
    assert saved.payment_source_token == "tok_test_mastercard_4444_1131"
    assert "Work card" in page.locator(f'[data-card-id="{saved.pk}"]').inner_text()
    assert page.request_log.containing(NEW_CARD_NUMBER.replace(" ", "")) == []
    assert page.request_log.containing("5555") == []
    check_page(page, "20-saved-cards-with-new-card")


def test_customer_nicknames_a_card_and_updates_an_expiring_one(page, shop):
    log_in(page)
    page.get_by_role("link", name=re.compile(r"^Edit\W+Visa •••• 4242$")).click()
    page.get_by_role("textbox", name=re.compile("^Nickname")).fill("Everyday")
    page.get_by_role("button", name="Save nickname").click()
    page.wait_for_url("**/wallet/")
    visa = page.locator(f'[data-card-id="{shop.visa.pk}"]')
    assert visa.locator("[data-nickname]").inner_text() == "Everyday"
    shop.visa.refresh_from_db()
    assert shop.visa.nickname == "Everyday"
    # The Amex expires this month: update it with the new card from the bank.
    amex = page.locator(f'[data-card-id="{shop.amex.pk}"]')
    amex.get_by_role("link", name=re.compile("Update its expiry date")).click()
    page.wait_for_url(f"**/wallet/cards/{shop.amex.pk}/edit/#update-card")
    check_page(page, "21-edit-card")
    page.get_by_label("Card number", exact=True).fill("3782 822463 10005")
    page.get_by_label("Expiry date").fill("03/30")
    page.get_by_label("Security code").fill("1234")
    page.get_by_label("Name on card").fill("Ada King")
    page.get_by_role("button", name="Update card").click()
    page.wait_for_url("**/wallet/")
    assert "now expires 03/2030" in page.locator(".flash-list").inner_text()
    shop.amex.refresh_from_db()
    assert shop.amex.payment_instrument["card_expiry_year"] == "2030"
    assert shop.amex.payment_instrument["card_holder_name"] == "Ada King"
    assert "Expires soon" not in amex.inner_text()


def test_a_long_holder_name_never_hides_the_expiry(page, shop):
    instrument = dict(shop.visa.payment_instrument, card_holder_name="Maria " + "Longname" * 7)
    CustomerPaymentSource.objects.filter(pk=shop.visa.pk).update(
        payment_instrument=instrument, nickname="The card with a very long nickname, 40 c"
    )
    log_in(page)
    card = page.locator(f'[data-card-id="{shop.visa.pk}"]')
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        expiry = card.locator(".card-face__field--end .card-face__value")
        assert expiry.inner_text() == "12/2030"
        assert expiry.evaluate("el => el.scrollWidth <= el.clientWidth")
        face = card.locator(".card-face").bounding_box()
        box = expiry.bounding_box()
        assert face["y"] <= box["y"] and box["y"] + box["height"] <= face["y"] + face["height"]
        assert box["x"] + box["width"] <= face["x"] + face["width"]
    check_page(page, "22-long-holder-name")


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
    page.get_by_role("button", name="Pay €49.90").click()
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
    page.wait_for_url("**/accounts/login/?logged_out=1")
    assert page.get_by_role("status").filter(has_text="You are logged out").is_visible()
    check_page(page, "23-logged-out")


def test_an_empty_wallet_without_javascript_says_what_to_do(page_without_js, shop):
    page = page_without_js
    CustomerPaymentSource.objects.filter(customer=shop.customer).delete()
    log_in(page)
    open_payment(page, shop.order)
    assert "Turn on JavaScript to pay" in page.locator(".checkout-form").inner_text()
    # No disabled, preselected option and no Pay button that would only say "Choose a card".
    assert page.locator(".pay-options").is_hidden()
    assert page.locator("[data-pay-button]").is_hidden()
    shoot(page, "24-payment-empty-wallet-without-javascript")
    page.goto("/wallet/cards/add/")
    assert "Turn on JavaScript to add a card" in page.locator("main").inner_text()
    shoot(page, "25-add-card-without-javascript")


def test_confirmation_has_the_receipt_email_a_zoned_time_and_continue_shopping(page, shop):
    log_in(page)
    open_payment(page, shop.order)
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_url(f"**/checkout/{shop.order.pk}/confirmation/")
    assert page.locator("[data-receipt-email]").inner_text() == shop.customer.email
    assert page.locator("[data-paid-at]").inner_text().endswith(" UTC")
    assert page.get_by_role("link", name="Continue shopping").get_attribute("href") == "/"
    check_page(page, "26-confirmation-details")


def test_branded_error_pages_with_debug_off(page, shop, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.test_storefront"  # adds /boom/, a view that raises
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="We could not find that page").is_visible()
    assert page.locator('link[rel="icon"]').get_attribute("href").endswith("wallet/favicon.svg")
    check_page(page, "27-404")
    response = page.goto("/boom/")
    assert response.status == 500
    assert page.get_by_role("heading", name="Something went wrong on our side").is_visible()
    check_page(page, "28-500")
    favicon = page.request.get("/static/wallet/favicon.svg")
    assert favicon.status == 200


def test_the_503_page_is_branded(page, shop):
    from django.template.loader import render_to_string

    page.goto("/accounts/login/")  # the page's relative links resolve against the live server
    page.set_content(render_to_string("503.html", {"retry_after": 30}))
    assert page.get_by_role("heading", name="We will be right back").is_visible()
    check_page(page, "29-503")
