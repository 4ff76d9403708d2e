"""Issue 11, items 3 and 4: saving Stripe cards to the wallet, paying with a saved card.

Stripe's side is read back from localstripe: the Customer, the PaymentMethod's attachment,
the PaymentIntent's customer and PaymentMethod.
"""

import pytest

from tests import factories
from tests.support.api import patch_order
from tests.support.stripe import DECLINED_AT_ATTACH, authorization_of, create_payment
from wallet import services
from wallet.gateways import StripeGateway
from wallet.models import CustomerPaymentSource, GatewayCustomer, PaymentGateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(stripe_gateway):
    return factories.OrderFactory(payment_gateway=stripe_gateway, total_amount_cents=2500)


def next_order(order):
    return factories.OrderFactory(
        payment_gateway=order.payment_gateway, customer=order.customer, total_amount_cents=1200
    )


def save(api_client, order, card):
    assert create_payment(api_client, order, card.id).status_code == 201
    return patch_order(api_client, order, _save_payment_source_to_customer_wallet=True)


def test_save_creates_the_stripe_customer_and_attaches_the_card(
    api_client, order, make_card, stripe_client
):
    card = make_card()

    response = save(api_client, order, card)

    assert response.status_code == 200, response.content
    source = CustomerPaymentSource.objects.get(customer=order.customer)
    assert source.customer_token.startswith("cus_")
    assert source.payment_source_token == card.id
    assert source.name == "XXXX-XXXX-XXXX-4242"
    stripe_customer = stripe_client.v1.customers.retrieve(source.customer_token)
    assert stripe_customer.email == order.customer.email
    assert stripe_customer.metadata["wallet_customer_id"] == order.customer.pk
    assert stripe_client.v1.payment_methods.retrieve(card.id).customer == source.customer_token
    kept = GatewayCustomer.objects.get(customer=order.customer)
    assert (kept.token, kept.payment_gateway) == (source.customer_token, order.payment_gateway)


def test_second_card_goes_to_the_same_stripe_customer(api_client, order, make_card, stripe_client):
    save(api_client, order, make_card())
    second = next_order(order)

    save(api_client, second, make_card("5555555555554444"))

    tokens = set(CustomerPaymentSource.objects.values_list("customer_token", flat=True))
    assert len(tokens) == 1
    assert GatewayCustomer.objects.count() == 1
    listed = stripe_client.v1.payment_methods.list(
        params={"customer": tokens.pop(), "type": "card"}
    )
    assert len(listed.data) == 2


def test_same_card_twice_stays_one_source_and_the_old_token_is_detached(
    api_client, order, make_card, stripe_client
):
    first = make_card()
    save(api_client, order, first)
    again = make_card()  # the same card number: Stripe's fingerprint is the same

    save(api_client, next_order(order), again)

    source = CustomerPaymentSource.objects.get()
    assert source.payment_source_token == again.id
    assert stripe_client.v1.payment_methods.retrieve(again.id).customer == source.customer_token
    assert stripe_client.v1.payment_methods.retrieve(first.id).customer is None


def test_card_declined_by_the_attach_check_is_a_422_and_nothing_is_saved(
    api_client, order, make_card
):
    response = save(api_client, order, make_card(DECLINED_AT_ATTACH))

    assert response.status_code == 422
    error = response.doc["errors"][0]
    assert error["meta"]["decline_code"] == "card_declined"
    assert error["source"]["pointer"] == "/data/attributes/_save_payment_source_to_customer_wallet"
    assert not CustomerPaymentSource.objects.exists()


def test_stripe_customer_made_before_a_rollback_is_found_again(
    api_client, order, make_card, stripe_client
):
    earlier = stripe_client.v1.customers.create(
        params={
            "email": order.customer.email,
            "metadata": {"wallet_customer_id": order.customer.pk},
        }
    )

    save(api_client, order, make_card())

    assert CustomerPaymentSource.objects.get().customer_token == earlier.id


def test_deleting_a_saved_card_detaches_it(api_client, order, make_card, stripe_client):
    card = make_card()
    save(api_client, order, card)
    source = CustomerPaymentSource.objects.get()

    response = api_client.delete(f"/api/customer_payment_sources/{source.pk}")

    assert response.status_code == 204
    assert not CustomerPaymentSource.objects.exists()
    assert stripe_client.v1.payment_methods.retrieve(card.id).customer is None


def test_deleting_while_stripe_is_out_of_reach_keeps_the_card(api_client, order, make_card):
    save(api_client, order, make_card())
    source = CustomerPaymentSource.objects.get()
    PaymentGateway.objects.update(api_base="http://127.0.0.1:9")

    response = api_client.delete(f"/api/customer_payment_sources/{source.pk}")

    assert response.status_code == 503
    assert CustomerPaymentSource.objects.filter(pk=source.pk).exists()


def test_save_and_place_in_one_patch_charges_the_new_customer(
    api_client, order, make_card, stripe_client
):
    card = make_card()
    create_payment(api_client, order, card.id)

    response = patch_order(
        api_client, order, _save_payment_source_to_customer_wallet=True, _place=True
    )

    assert response.status_code == 200, response.content
    source = CustomerPaymentSource.objects.get()
    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(order).token)
    assert (intent.customer, intent.payment_method) == (source.customer_token, card.id)
    assert intent.status == "requires_capture"


# --- paying with a saved card -----------------------------------------------------------------


@pytest.fixture
def saved(api_client, order, make_card):
    save(api_client, order, make_card())
    return CustomerPaymentSource.objects.get()


@pytest.fixture
def authorize_calls(monkeypatch):
    """The keyword arguments of every Stripe authorization (the call still goes to Stripe)."""
    calls = []
    real = StripeGateway.authorize_payment

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(StripeGateway, "authorize_payment", spy)
    return calls


def test_paying_with_a_saved_card_through_the_api_charges_it_off_session(
    api_client, order, saved, stripe_client, authorize_calls
):
    second = next_order(order)

    response = patch_order(api_client, second, _customer_payment_source_id=saved.pk, _place=True)

    assert response.status_code == 200, response.content
    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(second).token)
    assert (intent.customer, intent.payment_method) == (
        saved.customer_token,
        saved.payment_source_token,
    )
    assert (intent.amount, intent.status) == (1200, "requires_capture")
    assert authorize_calls[-1]["off_session"] is True


def test_paying_with_a_saved_card_in_the_storefront_is_on_session(
    order, saved, stripe_client, authorize_calls
):
    second = next_order(order)
    actor = services.actor_for_customer(order.customer)

    authorization = services.checkout_with_source(second, saved, actor=actor)

    intent = stripe_client.v1.payment_intents.retrieve(authorization.token)
    assert intent.customer == saved.customer_token
    assert authorize_calls[-1]["off_session"] is False
    assert authorize_calls[-1]["customer_token"] == saved.customer_token


def test_storefront_new_card_saved_while_paying_is_charged_with_its_customer(
    order, make_card, stripe_client
):
    card = make_card()
    actor = services.actor_for_customer(order.customer)

    authorization = services.checkout_with_token(order, card.id, save_to_wallet=True, actor=actor)

    source = CustomerPaymentSource.objects.get()
    intent = stripe_client.v1.payment_intents.retrieve(authorization.token)
    assert (intent.customer, intent.payment_method) == (source.customer_token, card.id)
    assert stripe_client.v1.payment_methods.retrieve(card.id).customer == source.customer_token


def test_a_customer_token_in_the_clients_options_is_never_charged_or_attached_to(
    api_client, order, make_card, stripe_client
):
    victim = stripe_client.v1.customers.create(params={"email": "victim@example.com"})
    card = make_card()
    create_payment(api_client, order, card.id, options={"customer_token": victim.id})

    response = patch_order(
        api_client, order, _save_payment_source_to_customer_wallet=True, _place=True
    )

    assert response.status_code == 200, response.content
    source = CustomerPaymentSource.objects.get()
    assert source.customer_token != victim.id
    intent = stripe_client.v1.payment_intents.retrieve(authorization_of(order).token)
    assert intent.customer == source.customer_token
    assert stripe_client.v1.payment_methods.retrieve(card.id).customer == source.customer_token
