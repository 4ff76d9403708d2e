"""3-D Secure in a real browser with the test gateway: its challenge page, approve or fail."""

import pytest

from tests import factories
from tests.support.stripe_pages import EMAIL, check, log_in
from wallet.models import Order, Transaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THREE_D_SECURE_NUMBER = "4000 0027 6000 3184"


@pytest.fixture
def order():
    customer = factories.CustomerFactory(user=factories.UserFactory(username=EMAIL))
    return factories.OrderFactory(customer=customer, number="300200", total_amount_cents=1250)


def pay_with_3ds_card(page, order):
    page.goto(f"/checkout/{order.pk}/payment/")
    page.get_by_label("Pay with a new card").check()
    page.get_by_label("Card number", exact=True).fill(THREE_D_SECURE_NUMBER)
    page.get_by_label("Expiry date").fill("11/31")
    page.get_by_label("Security code").fill("123")
    page.get_by_label("Name on card").fill("Ada Lovelace")
    page.get_by_role("button", name="Pay €12.50").click()
    page.wait_for_url(f"**/checkout/{order.pk}/authenticate/")


def test_a_3ds_card_is_challenged_and_approving_completes_the_order(page, order):
    log_in(page)
    pay_with_3ds_card(page, order)
    page.get_by_role("heading", name="Confirm the payment with your bank").wait_for()
    check(page, "3ds-test-challenge")

    page.get_by_role("button", name="Approve the payment").click()

    page.wait_for_url(f"**/checkout/{order.pk}/confirmation/")
    check(page, "3ds-test-confirmation")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "authorized")
    kinds = list(
        Transaction.objects.filter(payment__order=order)
        .order_by("created_at")
        .values_list("kind", "succeeded")
    )
    assert kinds == [("authentication", False), ("authorization", True)]
    assert page.request_log.containing("4000002760003184") == []


def test_failing_the_challenge_returns_to_payment_with_the_reason(page, order):
    log_in(page)
    pay_with_3ds_card(page, order)

    page.get_by_role("button", name="Fail the check").click()

    page.wait_for_url(f"**/checkout/{order.pk}/payment/")
    assert "Your bank did not confirm the payment" in page.locator(".flash-list").inner_text()
    check(page, "3ds-test-failed")
    assert Order.objects.get(pk=order.pk).payment_status == "unpaid"
