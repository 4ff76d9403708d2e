"""Paying a Stripe order in a real browser through localstripe's stand-in Stripe.js.

The card goes into Stripe's card element and from there to Stripe only: the shop receives the
PaymentMethod's id (``pm_…``). The card is saved (attached to the customer's Stripe Customer)
and pays the next order. Stripe's side is read back: the PaymentIntents' customer, PaymentMethod
and status.
"""

import pytest

from tests import factories
from tests.stripe import conftest as stripe_fixtures
from tests.support.stripe_pages import EMAIL, check, log_in
from wallet import services
from wallet.models import CustomerPaymentSource, GatewayCustomer, Order, Transaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# localstripe (started once for the session), a client on it and a Stripe gateway pointed at it.
localstripe_url = stripe_fixtures.localstripe_url
stripe_client = stripe_fixtures.stripe_client
stripe_gateway = stripe_fixtures.stripe_gateway

VISA = "4242424242424242"
NEEDS_3DS = "4000002760003184"


@pytest.fixture
def customer():
    return factories.CustomerFactory(user=factories.UserFactory(username=EMAIL))


def stripe_order(customer, gateway, number):
    return factories.OrderFactory(
        customer=customer,
        number=number,
        payment_gateway=gateway,
        currency_code="EUR",
        total_amount_cents=4990,
    )


def type_card(page, number, *, holder="Ada Lovelace"):
    """Choose a new card and type it into (localstripe's) Stripe card element."""
    page.get_by_label("Pay with a new card").check()
    element = page.locator("[data-stripe-card]")
    element.locator('input[placeholder="number"]').fill(number)
    element.locator('input[placeholder="exp_month"]').fill("12")
    element.locator('input[placeholder="exp_year"]').fill("30")
    element.locator('input[placeholder="cvc"]').fill("123")
    page.get_by_label("Name on card").fill(holder)


def answer_challenge(page, *, approve=True):
    """Answer localstripe's 3-D Secure dialog, as the customer answers their bank."""
    label = "Complete authentication" if approve else "Fail authentication"
    page.get_by_role("button", name=label).click()


def authorization(order):
    return Transaction.objects.get(payment__order=order, kind="authorization", succeeded=True)


def shop_requests(page, live_server, text):
    """The requests to the shop (not to Stripe) whose URL or body contains ``text``."""
    return [url for url in page.request_log.containing(text) if url.startswith(live_server.url)]


def test_pay_with_a_new_card_through_stripe_js_save_it_and_pay_again(
    page, live_server, customer, stripe_gateway, stripe_client
):
    first = stripe_order(customer, stripe_gateway, "500001")
    second = stripe_order(customer, stripe_gateway, "500002")
    log_in(page)
    page.goto(f"/checkout/{first.pk}/payment/")
    type_card(page, VISA)
    page.get_by_label("Save this card for next time").check()
    assert page.locator("script[src$='/js.stripe.com/v3/']").count() == 1
    check(page, "stripe-payment-new-card")

    page.get_by_role("button", name="Pay €49.90").click()

    page.wait_for_url(f"**/checkout/{first.pk}/confirmation/")
    assert "4242" in page.locator("[data-card-used]").inner_text()
    check(page, "stripe-confirmation")
    # The card number went to Stripe only; the shop got the PaymentMethod's id.
    assert shop_requests(page, live_server, VISA) == []
    posted = [body for url, body in page.request_log.requests if url.endswith("/payment/") and body]
    assert any("payment_source_token=pm_" in body for body in posted)

    saved = CustomerPaymentSource.objects.get(customer=customer)
    stripe_customer = GatewayCustomer.objects.get(customer=customer).token
    assert saved.customer_token == stripe_customer and stripe_customer.startswith("cus_")
    assert saved.payment_source_token.startswith("pm_")
    method = stripe_client.v1.payment_methods.retrieve(saved.payment_source_token)
    assert (method.customer, method.card.last4) == (stripe_customer, "4242")
    assert method.billing_details.name == "Ada Lovelace"
    first_intent = stripe_client.v1.payment_intents.retrieve(authorization(first).token)
    assert first_intent.status == "requires_capture"
    assert (first_intent.payment_method, first_intent.customer) == (method.id, stripe_customer)
    assert (first_intent.amount, first_intent.currency) == (4990, "eur")

    # The second order: the saved card is preselected, one click pays.
    page.goto(f"/checkout/{second.pk}/payment/")
    assert page.get_by_label("Visa •••• 4242").is_checked()
    check(page, "stripe-payment-saved-card")
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_url(f"**/checkout/{second.pk}/confirmation/")

    second_intent = stripe_client.v1.payment_intents.retrieve(authorization(second).token)
    assert second_intent.id != first_intent.id
    assert (second_intent.payment_method, second_intent.customer) == (method.id, stripe_customer)
    assert second_intent.status == "requires_capture"
    assert Order.objects.get(pk=second.pk).payment_status == "authorized"
    services.capture_order(second)
    assert stripe_client.v1.payment_intents.retrieve(second_intent.id).status == "succeeded"


def test_a_card_needing_3d_secure_is_authenticated_with_stripe_js(
    page, live_server, customer, stripe_gateway, stripe_client
):
    order = stripe_order(customer, stripe_gateway, "500003")
    log_in(page)
    page.goto(f"/checkout/{order.pk}/payment/")
    type_card(page, NEEDS_3DS)
    page.get_by_role("button", name="Pay €49.90").click()
    # localstripe's stand-in makes the PaymentMethod through a SetupIntent, which asks too.
    answer_challenge(page)

    page.wait_for_url(f"**/checkout/{order.pk}/authenticate/")
    page.get_by_role("button", name="Complete authentication").wait_for()
    check(page, "stripe-3ds-challenge")
    answer_challenge(page)

    page.wait_for_url(f"**/checkout/{order.pk}/confirmation/")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "authorized")
    intent = stripe_client.v1.payment_intents.retrieve(authorization(order).token)
    assert intent.status == "requires_capture"
    assert stripe_client.v1.payment_methods.retrieve(intent.payment_method).card.last4 == "3184"
    assert shop_requests(page, live_server, NEEDS_3DS) == []


def test_a_failed_3d_secure_check_returns_to_payment_unpaid(
    page, live_server, customer, stripe_gateway
):
    order = stripe_order(customer, stripe_gateway, "500004")
    log_in(page)
    page.goto(f"/checkout/{order.pk}/payment/")
    type_card(page, NEEDS_3DS)
    page.get_by_role("button", name="Pay €49.90").click()
    answer_challenge(page)
    page.wait_for_url(f"**/checkout/{order.pk}/authenticate/")

    answer_challenge(page, approve=False)

    page.wait_for_url(f"**/checkout/{order.pk}/payment/")
    assert "Your bank did not confirm the payment" in page.locator(".flash-list").inner_text()
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")


def test_add_a_card_with_a_setup_intent_then_pay_with_it(
    page, live_server, customer, stripe_gateway, stripe_client
):
    order = stripe_order(customer, stripe_gateway, "500005")
    log_in(page)
    page.get_by_role("link", name="Add card").click()
    page.wait_for_url("**/wallet/cards/add/")
    element = page.locator("[data-stripe-card]")
    element.locator('input[placeholder="number"]').fill(VISA)
    element.locator('input[placeholder="exp_month"]').fill("11")
    element.locator('input[placeholder="exp_year"]').fill("31")
    element.locator('input[placeholder="cvc"]').fill("123")
    page.get_by_label("Name on card").fill("Grace Hopper")
    check(page, "stripe-add-card")

    page.get_by_role("button", name="Save card").click()

    page.wait_for_url("**/wallet/")
    check(page, "stripe-saved-cards")
    source = CustomerPaymentSource.objects.get(customer=customer)
    stripe_customer = GatewayCustomer.objects.get(customer=customer).token
    assert source.customer_token == stripe_customer
    method = stripe_client.v1.payment_methods.retrieve(source.payment_source_token)
    assert (method.customer, method.card.exp_month, method.card.exp_year) == (
        stripe_customer,
        11,
        2031,
    )
    assert shop_requests(page, live_server, VISA) == []

    page.goto(f"/checkout/{order.pk}/payment/")
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_url(f"**/checkout/{order.pk}/confirmation/")
    intent = stripe_client.v1.payment_intents.retrieve(authorization(order).token)
    assert (intent.customer, intent.payment_method) == (stripe_customer, method.id)


def test_declines_show_under_the_card_element(page, customer, stripe_gateway):
    order = stripe_order(customer, stripe_gateway, "500006")
    log_in(page)
    page.goto(f"/checkout/{order.pk}/payment/")
    # Declined while Stripe makes the PaymentMethod: the shop never hears of the card.
    type_card(page, "4000000000000002")
    page.get_by_role("button", name="Pay €49.90").click()
    error = page.locator("#stripe-card-error")
    error.wait_for()
    assert "declined" in error.inner_text().lower()
    assert page.url.endswith(f"/checkout/{order.pk}/payment/")
    assert page.get_by_role("button", name="Pay €49.90").is_enabled()

    # Declined when charged: the page comes back with Stripe's reason under the element.
    page.locator("[data-stripe-card] input").first.fill("")
    type_card(page, "4000000000000341")
    page.get_by_role("button", name="Pay €49.90").click()
    page.locator("#card-decline").wait_for()
    check(page, "stripe-payment-declined")
    assert page.locator("#stripe-card").get_attribute("aria-describedby") == (
        "stripe-card-error card-decline"
    )
    assert Order.objects.get(pk=order.pk).payment_status == "unpaid"
