"""Issue 11, item 5 with the built-in test gateway: 3-D Secure without Stripe.

A token containing ``3ds`` needs the customer's authentication: the API answers 422
``authentication_required`` and the order stays pending; the storefront sends the shopper to a
challenge page (approve or fail) that stands in for the bank, then completes the order.
"""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.support.api_client import JsonApiClient, integration_client
from wallet import services
from wallet.exceptions import AuthenticationRequired, PaymentDeclined
from wallet.gateways.test import TestGateway
from wallet.models import CustomerPaymentSource, Order, Transaction

THREE_D_SECURE_TOKEN = "tok_test_visa_3184_1230_3ds"

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client(db, staff_user) -> JsonApiClient:
    """The API caller of the API tests: an integration in test mode."""
    return integration_client()


@pytest.fixture
def customer():
    return factories.CustomerFactory()


@pytest.fixture
def order(customer):
    return factories.OrderFactory(customer=customer, number="300100", total_amount_cents=2500)


def url(name, order):
    return reverse(f"wallet:{name}", kwargs={"order_id": order.pk})


def pay_new_card(shopper, order, token=THREE_D_SECURE_TOKEN, **extra):
    data = {"payment_method": "new", "payment_source_token": token, "card_holder_name": "Ada"}
    return shopper.post(url("payment", order), {**data, **extra})


# --- the gateway ---------------------------------------------------------------------------


def test_test_gateway_challenges_3ds_tokens_and_completes_on_the_pages_answer():
    gateway = TestGateway()

    challenge = gateway.authorize(THREE_D_SECURE_TOKEN, 2500, "EUR")

    assert challenge.requires_authentication and not challenge.succeeded
    assert challenge.code == "authentication_required"
    assert challenge.token.startswith("3ds_")
    assert challenge.meta == {"client_secret": challenge.token}
    pending = gateway.complete_authentication(challenge.token, 2500, "EUR")
    assert pending.requires_authentication
    approved = gateway.complete_authentication(challenge.token, 2500, "EUR", outcome="approved")
    assert approved.succeeded and approved.token.startswith("auth_")
    failed = gateway.complete_authentication(challenge.token, 2500, "EUR", outcome="failed")
    assert not failed.succeeded and not failed.requires_authentication
    assert failed.code == "payment_intent_authentication_failure"


# --- services and API ----------------------------------------------------------------------


def test_placing_a_3ds_payment_commits_the_payment_and_the_challenge(order):
    services.create_external_payment(order=order, payment_source_token=THREE_D_SECURE_TOKEN)

    with pytest.raises(AuthenticationRequired) as raised:
        services.place_order(order)

    assert raised.value.meta["client_secret"].startswith("3ds_")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    (challenge,) = Transaction.objects.filter(payment__order=order)
    assert challenge.kind == "authentication"
    assert challenge.token == raised.value.meta["client_secret"]


def test_the_api_answers_422_authentication_required_with_the_client_secret(api_client, order):
    services.create_external_payment(order=order, payment_source_token=THREE_D_SECURE_TOKEN)

    response = api_client.patch(
        f"/api/orders/{order.pk}",
        {"data": {"type": "orders", "id": order.pk, "attributes": {"_place": True}}},
    )

    assert response.status_code == 422
    error = response.doc["errors"][0]
    assert error["meta"]["error"] == "authentication_required"
    assert error["meta"]["client_secret"] == Transaction.objects.get(payment__order=order).token
    assert error["source"]["pointer"] == "/data/attributes/_place"
    assert Order.objects.get(pk=order.pk).is_payable


def test_a_failed_challenge_is_recorded_as_a_decline_and_the_next_try_challenges_again(order):
    services.create_external_payment(order=order, payment_source_token=THREE_D_SECURE_TOKEN)
    with pytest.raises(AuthenticationRequired):
        services.place_order(order)

    with pytest.raises(PaymentDeclined) as declined:
        services.place_order(order, authentication_outcome="failed")

    assert not isinstance(declined.value, AuthenticationRequired)
    kinds = list(
        Transaction.objects.filter(payment__order=order)
        .order_by("created_at")
        .values_list("kind", "succeeded")
    )
    assert kinds == [("authentication", False), ("authorization", False)]
    with pytest.raises(AuthenticationRequired):
        services.place_order(order)
    assert Transaction.objects.filter(payment__order=order, kind="authentication").count() == 2


# --- the storefront ------------------------------------------------------------------------


def test_a_3ds_card_goes_to_the_challenge_page_and_approving_completes_the_order(
    shopper, order, customer
):
    response = pay_new_card(shopper, order, save_card="on")

    assert response.status_code == 302
    assert response.url == url("authenticate", order)
    # The checkout's writes stay while the bank is asked: the payment and the saved card.
    assert CustomerPaymentSource.objects.filter(
        customer=customer, payment_source_token=THREE_D_SECURE_TOKEN
    ).exists()
    page = shopper.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Confirm the payment with your bank" in html
    assert re.search(r'<button[^>]+name="outcome" value="approved"', html)
    assert re.search(r'<button[^>]+name="outcome" value="failed"', html)
    assert 'name="csrfmiddlewaretoken"' in html

    done = shopper.post(url("authenticate", order), {"outcome": "approved"})

    assert done.status_code == 302 and done.url == url("confirmation", order)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("placed", "authorized")
    authorization = Transaction.objects.get(payment__order=order, kind="authorization")
    assert authorization.succeeded and authorization.token.startswith("auth_")
    assert shopper.get(done.url).status_code == 200


def test_failing_the_challenge_returns_to_payment_with_the_reason_and_charges_nothing(
    shopper, order
):
    pay_new_card(shopper, order)

    response = shopper.post(url("authenticate", order), {"outcome": "failed"}, follow=True)

    assert response.redirect_chain[-1] == (url("payment", order), 302)
    html = response.content.decode()
    assert "Your bank did not confirm the payment" in html
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("draft", "unpaid")
    assert not Transaction.objects.filter(payment__order=order, succeeded=True).exists()
    # Nothing awaits authentication now: the challenge page sends the shopper back to paying.
    again = shopper.get(url("authenticate", order))
    assert again.status_code == 302 and again.url == url("payment", order)


def test_a_saved_3ds_card_is_challenged_too(shopper, order, customer):
    source = factories.CustomerPaymentSourceFactory(customer=customer, is_default=True)
    CustomerPaymentSource.objects.filter(pk=source.pk).update(
        payment_source_token=THREE_D_SECURE_TOKEN
    )

    response = shopper.post(url("payment", order), {"payment_method": source.pk})

    assert response.status_code == 302 and response.url == url("authenticate", order)
    assert shopper.post(response.url, {"outcome": "approved"}).url == url("confirmation", order)


def test_an_unanswered_challenge_stays_on_the_page(shopper, order):
    pay_new_card(shopper, order)

    response = shopper.post(url("authenticate", order), {"outcome": "maybe"})

    assert response.status_code == 409
    assert "has not confirmed the payment yet" in response.content.decode()
    assert Order.objects.get(pk=order.pk).is_payable


def test_the_challenge_page_is_the_customers_own(client, order):
    other = factories.CustomerFactory()
    client.force_login(other.user)
    services.create_external_payment(order=order, payment_source_token=THREE_D_SECURE_TOKEN)
    with pytest.raises(AuthenticationRequired):
        services.place_order(order)

    assert client.get(url("authenticate", order)).status_code == 404
    assert client.post(url("authenticate", order), {"outcome": "approved"}).status_code == 404
    assert Order.objects.get(pk=order.pk).is_payable


def test_without_a_challenge_the_page_sends_back_to_payment_or_confirmation(shopper, order):
    assert shopper.get(url("authenticate", order)).url == url("payment", order)
    Order.objects.filter(pk=order.pk).update(status="placed", payment_status="authorized")
    assert shopper.get(url("authenticate", order)).status_code in (302, 409)
