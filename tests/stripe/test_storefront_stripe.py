"""Issue 11, item 8: the storefront's payment page on a Stripe order, against localstripe.

The page loads Stripe.js from the gateway's JS origin and has no card inputs of the shop's own;
the browser posts a PaymentMethod's id. The SetupIntent endpoint is the customer's own.
"""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.support.stripe import DECLINED_AT_CHARGE, NEEDS_3DS, PUBLISHABLE_KEY, SECRET_KEY
from wallet.gateways import StripeGateway
from wallet.models import CustomerPaymentSource, GatewayCustomer, Order, Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return factories.CustomerFactory()


@pytest.fixture
def order(customer, stripe_gateway):
    return factories.OrderFactory(
        customer=customer, payment_gateway=stripe_gateway, total_amount_cents=1999
    )


def url(name, order):
    return reverse(f"wallet:{name}", kwargs={"order_id": order.pk})


def pay(shopper, order, card, **extra):
    data = {"payment_method": "new", "payment_source_token": card.id, "card_holder_name": "Ada"}
    return shopper.post(url("payment", order), {**data, **extra})


def test_the_payment_page_loads_stripe_js_from_the_gateways_origin(shopper, order, localstripe_url):
    html = shopper.get(url("payment", order)).content.decode()

    assert f'<script src="{localstripe_url}/js.stripe.com/v3/" defer></script>' in html
    assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in html
    assert "data-stripe-card" in html
    assert 'id="card-number"' not in html  # no card number input of the shop's own
    assert "wallet/tokenize.js" not in html
    assert "4000 0027 6000 3184" in html  # the test cards, 3-D Secure included


def test_stripe_js_comes_from_js_stripe_com_without_an_api_base():
    assert StripeGateway(SECRET_KEY).js_url == "https://js.stripe.com/v3/"
    assert (
        StripeGateway(SECRET_KEY, api_base="http://127.0.0.1:8420/").js_url
        == "http://127.0.0.1:8420/js.stripe.com/v3/"
    )


def test_paying_with_a_payment_method_and_saving_it(
    shopper, order, customer, make_card, stripe_client
):
    card = make_card()

    response = pay(shopper, order, card, save_card="on")

    assert response.status_code == 302 and response.url == url("confirmation", order)
    saved = CustomerPaymentSource.objects.get(customer=customer)
    stripe_customer = GatewayCustomer.objects.get(customer=customer).token
    assert (saved.customer_token, saved.payment_source_token) == (stripe_customer, card.id)
    authorization = Transaction.objects.get(payment__order=order, kind="authorization")
    intent = stripe_client.v1.payment_intents.retrieve(authorization.token)
    assert (intent.customer, intent.payment_method, intent.status) == (
        stripe_customer,
        card.id,
        "requires_capture",
    )


def test_a_decline_shows_stripes_reason_under_the_card_element(shopper, order, make_card):
    response = pay(shopper, order, make_card(DECLINED_AT_CHARGE))

    assert response.status_code == 402
    html = response.content.decode()
    element = re.search(r'<div class="stripe-card"[^>]*>', html).group()
    assert 'aria-describedby="stripe-card-error card-decline"' in element
    assert '<div class="decline" id="card-decline">' in html
    assert Order.objects.get(pk=order.pk).is_payable


def test_a_3ds_card_goes_to_the_challenge_page_with_the_client_secret(
    shopper, order, make_card, stripe_client
):
    response = pay(shopper, order, make_card(NEEDS_3DS))

    assert response.status_code == 302 and response.url == url("authenticate", order)
    html = shopper.get(response.url).content.decode()
    challenge = Transaction.objects.get(payment__order=order, kind="authentication")
    secret = stripe_client.v1.payment_intents.retrieve(challenge.token).client_secret
    assert f'data-client-secret="{secret}"' in html
    assert "data-stripe-authenticate" in html
    # Posting before the customer answered Stripe's challenge leaves the order pending.
    again = shopper.post(response.url)
    assert again.status_code == 409
    assert Order.objects.get(pk=order.pk).is_payable


def test_the_setup_intent_endpoint_is_the_customers_own(shopper, order, client, stripe_client):
    response = shopper.post(url("stripe-setup-intent", order))

    assert response.status_code == 200
    secret = response.json()["client_secret"]
    intent_id = secret.split("_secret_")[0]
    assert stripe_client.v1.setup_intents.retrieve(intent_id).client_secret == secret
    assert shopper.get(url("stripe-setup-intent", order)).status_code == 405
    test_order = factories.OrderFactory(customer=order.customer)
    assert shopper.post(url("stripe-setup-intent", test_order)).status_code == 409
    stranger = factories.CustomerFactory()
    client.force_login(stranger.user)
    assert client.post(url("stripe-setup-intent", order)).status_code == 404


# --- "Add card" with Stripe: a SetupIntent of the customer's Stripe Customer ----------------


def test_add_card_page_uses_stripes_card_element(shopper, stripe_gateway, localstripe_url):
    html = shopper.get(reverse("wallet:add-card")).content.decode()

    assert f'<script src="{localstripe_url}/js.stripe.com/v3/" defer></script>' in html
    assert "data-setup-only" in html and "data-stripe-card" in html
    assert 'id="card-number"' not in html


def test_wallet_setup_intent_belongs_to_the_customers_stripe_customer(
    shopper, customer, stripe_gateway, stripe_client
):
    response = shopper.post(reverse("wallet:wallet-setup-intent"))

    assert response.status_code == 200
    secret = response.json()["client_secret"]
    intent = stripe_client.v1.setup_intents.retrieve(secret.split("_secret_")[0])
    stripe_customer = GatewayCustomer.objects.get(customer=customer).token
    assert intent.customer == stripe_customer
    # Asked again, the same Stripe Customer (made once).
    assert shopper.post(reverse("wallet:wallet-setup-intent")).status_code == 200
    assert GatewayCustomer.objects.filter(customer=customer).count() == 1


def test_adding_a_card_attaches_it_to_the_customers_stripe_customer(
    shopper, customer, stripe_gateway, make_card, stripe_client
):
    card = make_card(name="")

    response = shopper.post(
        reverse("wallet:add-card"),
        {"payment_source_token": card.id, "card_holder_name": "Ada Lovelace", "nickname": "Work"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    source = CustomerPaymentSource.objects.get(customer=customer)
    stripe_customer = GatewayCustomer.objects.get(customer=customer).token
    assert (source.customer_token, source.payment_source_token) == (stripe_customer, card.id)
    assert source.payment_instrument["card_last_digits"] == "4242"
    assert source.nickname == "Work" and source.is_default
    assert stripe_client.v1.payment_methods.retrieve(card.id).customer == stripe_customer


def test_a_card_stripe_refuses_to_save_is_a_form_error(
    shopper, customer, stripe_gateway, make_card
):
    response = shopper.post(
        reverse("wallet:add-card"),
        {"payment_source_token": make_card("4000000000000002").id, "card_holder_name": "Ada"},
    )

    assert response.status_code == 422
    assert 'id="card-server-error"' in response.content.decode()
    assert not CustomerPaymentSource.objects.filter(customer=customer).exists()
