"""The storefront pages through Django's test client: login, saved cards, paying an order."""

import datetime
import io
import re
import threading

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import timezone

from tests import factories
from tests.support.shop import add_card
from wallet.gateways.base import GatewayUnavailable
from wallet.gateways.test import TestGateway
from wallet.instruments import (
    EXPIRED,
    EXPIRING_SOON,
    VALID,
    card_state,
    describe_instrument,
    expiry_date,
    normalize_brand,
)
from wallet.models import CustomerPaymentSource, ExternalPayment, Order, Transaction

TODAY = datetime.date(2026, 11, 22)


# --- wallet.instruments: pure card-state helper ---------------------------------------------------


def test_card_is_valid_through_the_last_day_of_its_expiry_month():
    assert card_state("11", "2026", today=datetime.date(2026, 11, 30), soon_days=30) != EXPIRED


def test_card_is_expired_the_day_after_its_expiry_month():
    assert card_state("11", "2026", today=datetime.date(2026, 12, 1), soon_days=30) == EXPIRED


def test_card_expiring_within_the_window_is_expiring_soon():
    assert card_state("11", "2026", today=TODAY, soon_days=30) == EXPIRING_SOON


def test_card_expiring_after_the_window_is_valid():
    assert card_state("01", "2027", today=TODAY, soon_days=30) == VALID


def test_expiring_soon_window_boundary_is_inclusive():
    # 31 December is 39 days after 22 November.
    assert card_state("12", "2026", today=TODAY, soon_days=39) == EXPIRING_SOON
    assert card_state("12", "2026", today=TODAY, soon_days=38) == VALID


def test_expiring_soon_window_defaults_to_the_wallet_setting(settings):
    settings.WALLET = {"EXPIRING_SOON_DAYS": 0}
    assert card_state("12", "2026", today=TODAY) == VALID
    settings.WALLET = {"EXPIRING_SOON_DAYS": 60}
    assert card_state("12", "2026", today=TODAY) == EXPIRING_SOON


def test_unknown_expiry_counts_as_valid():
    assert card_state(None, None, today=TODAY) == VALID
    assert card_state("13", "2030", today=TODAY) == VALID


def test_two_digit_year_is_in_this_century():
    assert expiry_date("02", "28") == datetime.date(2028, 2, 29)


def test_brands_are_normalized_and_unknown_ones_are_other():
    assert normalize_brand("Visa") == "visa"
    assert normalize_brand("american_express") == "amex"
    assert normalize_brand("master-card") == "mastercard"
    assert normalize_brand("jcb") == "other"
    assert normalize_brand(None) == "other"


def test_instrument_is_described_with_masked_number_and_expiry():
    card = describe_instrument(factories.card_instrument("visa", "4242", 12, 2030), today=TODAY)
    assert card.label == "Visa •••• 4242"
    assert card.expiry == "12/2030"
    assert card.holder == "Ada Lovelace"
    assert card.is_selectable


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def stranger(db):
    """Another customer with an order and a card."""
    other = factories.CustomerFactory()
    return {
        "customer": other,
        "order": factories.OrderFactory(customer=other, number="999001"),
        "card": add_card(other, "discover", "1117", is_default=True),
    }


def payment_url(order):
    return reverse("wallet:payment", kwargs={"order_id": order.pk})


def confirmation_url(order):
    return reverse("wallet:confirmation", kwargs={"order_id": order.pk})


def authorizations(order):
    return Transaction.objects.filter(payment__order=order, kind="authorization", succeeded=True)


# --- login and logout ------------------------------------------------------------------------


def test_login_page_asks_for_email_and_password(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="field__label" for="id_username">Email</label>' in html
    assert 'type="email" name="username"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_customer_logs_in_with_their_email(client, customer):
    response = client.post(
        reverse("login"),
        {"username": customer.email.upper(), "password": factories.TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("wallet:saved-cards")
    assert client.get(reverse("wallet:saved-cards")).status_code == 200


def test_wrong_password_shows_an_error(client, customer):
    response = client.post(reverse("login"), {"username": customer.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_from_the_header(shopper):
    page = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert re.search(
        r'<form class="user-menu__logout" method="post" action="/accounts/logout/">', page
    )
    response = shopper.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in shopper.session


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("wallet:saved-cards", {}),
        ("wallet:payment", {"order_id": "abc"}),
        ("wallet:confirmation", {"order_id": "abc"}),
        ("wallet:add-card", {}),
        ("wallet:edit-card", {"card_id": "abc"}),
    ],
)
def test_pages_require_login(client, db, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_set_default_requires_login(client, visa):
    response = client.post(reverse("wallet:set-default-card", kwargs={"card_id": visa.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_redirects_to_saved_cards(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("wallet:saved-cards")


# --- saved cards page ------------------------------------------------------------------------


def test_saved_cards_show_brand_masked_number_expiry_holder_and_default(shopper, visa):
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert "brand-mark--visa" in html
    assert "•••• 4242" in html
    assert "12/2030" in html
    assert "Ada Lovelace" in html
    assert '<span class="badge badge--default">Default</span>' in html


def test_expired_card_is_flagged_and_cannot_be_made_default(shopper, visa, expired):
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert '<span class="badge badge--expired" id="card-' + expired.pk + '-state">Expired' in html
    assert reverse("wallet:set-default-card", kwargs={"card_id": expired.pk}) not in html


def test_card_expiring_within_thirty_days_says_so(shopper, customer):
    today = datetime.date.today()
    soon = add_card(customer, "mastercard", "5100", today.month, today.year)
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert f'id="card-{soon.pk}-state">Expires soon' in html


def test_saved_cards_page_shows_only_the_customers_own_cards(shopper, visa, stranger):
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert stranger["card"].pk not in html
    assert "1117" not in html


def test_saved_cards_page_lists_orders_awaiting_payment(shopper, order, stranger):
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert payment_url(order) in html
    assert payment_url(stranger["order"]) not in html


def test_empty_wallet_explains_how_to_save_a_card(shopper, customer):
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert "No saved cards yet" in html


@pytest.mark.parametrize("extra_cards", [0, 5])
def test_saved_cards_page_query_count_does_not_grow_with_cards(
    shopper, customer, visa, order, extra_cards, django_assert_num_queries
):
    for index in range(extra_cards):
        add_card(customer, "mastercard", f"{5200 + index}")
    # session, user, customer, cards, orders awaiting payment, the gateway that adds cards
    with django_assert_num_queries(6):
        response = shopper.get(reverse("wallet:saved-cards"))
    assert response.status_code == 200


# --- set default -----------------------------------------------------------------------------


def test_set_default_moves_the_badge(shopper, visa, mastercard):
    response = shopper.post(
        reverse("wallet:set-default-card", kwargs={"card_id": mastercard.pk}), follow=True
    )
    assert response.redirect_chain == [(reverse("wallet:saved-cards"), 302)]
    assert "Mastercard •••• 5100 is now your default card." in response.content.decode()
    mastercard.refresh_from_db()
    visa.refresh_from_db()
    assert mastercard.is_default
    assert not visa.is_default


def test_set_default_is_post_only(shopper, mastercard):
    response = shopper.get(reverse("wallet:set-default-card", kwargs={"card_id": mastercard.pk}))
    assert response.status_code == 405
    mastercard.refresh_from_db()
    assert not mastercard.is_default


def test_set_default_refuses_an_expired_card(shopper, visa, expired):
    response = shopper.post(
        reverse("wallet:set-default-card", kwargs={"card_id": expired.pk}), follow=True
    )
    assert "has expired and cannot be your default card" in response.content.decode()
    expired.refresh_from_db()
    assert not expired.is_default


def test_set_default_on_another_customers_card_is_404(shopper, visa, stranger):
    other_card = factories.CustomerPaymentSourceFactory(customer=stranger["customer"])
    response = shopper.post(reverse("wallet:set-default-card", kwargs={"card_id": other_card.pk}))
    assert response.status_code == 404
    other_card.refresh_from_db()
    assert not other_card.is_default


# --- remove ----------------------------------------------------------------------------------


def test_remove_is_a_post_form_on_each_card_without_a_confirmation_page(shopper, visa):
    url = reverse("wallet:remove-card", kwargs={"card_id": visa.pk})
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert re.search(rf'<form method="post" action="{url}"', html)
    assert shopper.get(url).status_code == 405
    assert CustomerPaymentSource.objects.filter(pk=visa.pk).exists()


def test_removing_the_default_card_moves_the_default(shopper, visa, mastercard):
    response = shopper.post(reverse("wallet:remove-card", kwargs={"card_id": visa.pk}), follow=True)
    html = response.content.decode()
    assert "Removed Visa •••• 4242." in html
    assert "Mastercard •••• 5100 is now your default card." in html
    assert not CustomerPaymentSource.objects.filter(pk=visa.pk).exists()
    mastercard.refresh_from_db()
    assert mastercard.is_default


def test_remove_another_customers_card_is_404(shopper, visa, stranger):
    url = reverse("wallet:remove-card", kwargs={"card_id": stranger["card"].pk})
    response = shopper.post(url)
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
    assert CustomerPaymentSource.objects.filter(pk=stranger["card"].pk).exists()


# --- payment page ----------------------------------------------------------------------------


def test_payment_page_preselects_the_default_card_in_a_fieldset(shopper, order, mastercard, visa):
    response = shopper.get(payment_url(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>Choose a card</legend>", html)
    assert re.search(rf'id="pm-{visa.pk}" value="{visa.pk}" checked', html)
    assert re.search(rf'id="pm-{mastercard.pk}" value="{mastercard.pk}">', html)
    assert f'<label class="pay-option__label" for="pm-{visa.pk}">' in html
    assert "Pay €49.90" in html


def test_payment_page_disables_expired_cards(shopper, order, visa, expired):
    html = shopper.get(payment_url(order)).content.decode()
    assert re.search(rf'id="pm-{expired.pk}" value="{expired.pk}" disabled', html)


def test_new_card_inputs_are_never_submitted(shopper, order, visa):
    html = shopper.get(payment_url(order)).content.decode()
    for input_id in ("card-number", "card-cvc", "card-expiry", "card-holder"):
        tag = re.search(rf'<input[^>]+id="{input_id}"[^>]*>', html).group()
        assert " name=" not in tag
    assert 'type="hidden" name="payment_source_token"' in html
    assert "<noscript>" in html
    assert "needs JavaScript" in html
    assert "wallet/tokenize.js" in html


def test_payment_page_without_saved_cards_preselects_a_new_card(shopper, order):
    html = shopper.get(payment_url(order)).content.decode()
    assert 'id="pm-new" value="new" checked' in html


@pytest.mark.parametrize("extra_cards", [0, 5])
def test_payment_page_query_count_does_not_grow_with_cards(
    shopper, customer, visa, order, extra_cards, django_assert_num_queries
):
    for index in range(extra_cards):
        add_card(customer, "mastercard", f"{5200 + index}")
    # session, user, the order with its customer and gateway (one join), cards
    with django_assert_num_queries(4):
        response = shopper.get(payment_url(order))
    assert response.status_code == 200


def test_another_customers_order_is_404(shopper, visa, stranger):
    assert shopper.get(payment_url(stranger["order"])).status_code == 404
    response = shopper.post(payment_url(stranger["order"]), {"payment_method": visa.pk})
    assert response.status_code == 404
    assert not ExternalPayment.objects.filter(order=stranger["order"]).exists()


def test_paying_with_a_saved_card_places_the_order(shopper, order, visa):
    response = shopper.post(payment_url(order), {"payment_method": visa.pk})
    assert response.status_code == 302
    assert response["Location"] == confirmation_url(order)
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED
    assert order.status == Order.Status.PLACED
    payment = ExternalPayment.objects.get(order=order)
    assert payment.saved_source_id == visa.pk


def test_confirmation_shows_order_amount_and_card(shopper, order, visa):
    shopper.post(payment_url(order), {"payment_method": visa.pk})
    response = shopper.get(confirmation_url(order))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dd data-order-number>100234</dd>" in html
    assert "€49.90" in html
    assert "Visa •••• 4242" in html


def test_confirmation_of_an_unpaid_order_goes_to_payment(shopper, order):
    response = shopper.get(confirmation_url(order))
    assert response.status_code == 302
    assert response["Location"] == payment_url(order)


def test_confirmation_of_another_customers_order_is_404(shopper, stranger):
    assert shopper.get(confirmation_url(stranger["order"])).status_code == 404


def test_expired_card_is_refused_server_side(shopper, order, visa, expired):
    response = shopper.post(payment_url(order), {"payment_method": expired.pk})
    assert response.status_code == 422
    assert "American Express •••• 0005 has expired and cannot be used." in response.content.decode()
    order.refresh_from_db()
    assert order.is_payable
    assert not ExternalPayment.objects.filter(order=order).exists()


def test_another_customers_card_cannot_pay(shopper, order, visa, stranger):
    response = shopper.post(payment_url(order), {"payment_method": stranger["card"].pk})
    assert response.status_code == 422
    assert "That card is not in your wallet." in response.content.decode()
    assert not ExternalPayment.objects.filter(order=order).exists()


def test_a_declined_saved_card_shows_a_message_and_leaves_the_order_unpaid(shopper, order, visa):
    declining = add_card(
        order.customer,
        "mastercard",
        "0002",
        payment_source_token="tok_test_mastercard_0002_1230_decline",
    )
    response = shopper.post(payment_url(order), {"payment_method": declining.pk})
    assert response.status_code == 402
    html = response.content.decode()
    assert "The card was declined." in html  # the gateway's reason
    assert "You have not been charged. Choose another card" in html  # the next step
    radio = re.search(rf'<input[^>]+id="pm-{declining.pk}"[^>]*>', html).group()
    assert " checked" in radio
    assert 'aria-describedby="pm-decline"' in radio
    assert 'aria-invalid="true"' in radio
    assert "data-autofocus" in radio
    assert '<div class="decline" id="pm-decline">' in html
    order.refresh_from_db()
    assert order.is_payable
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert not authorizations(order).exists()
    # The customer chooses again.
    assert shopper.post(payment_url(order), {"payment_method": visa.pk}).status_code == 302
    assert authorizations(order).count() == 1


def test_resubmitting_the_payment_charges_once(shopper, order, visa, mastercard):
    first = shopper.post(payment_url(order), {"payment_method": visa.pk})
    second = shopper.post(payment_url(order), {"payment_method": mastercard.pk}, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain == [(confirmation_url(order), 302)]
    assert "This order has already been paid. Nothing more was charged." in second.content.decode()
    assert authorizations(order).count() == 1
    assert ExternalPayment.objects.filter(order=order).count() == 1
    assert ExternalPayment.objects.get(order=order).saved_source_id == visa.pk


def test_payment_page_of_a_paid_order_goes_to_the_confirmation(shopper, order, visa):
    shopper.post(payment_url(order), {"payment_method": visa.pk})
    response = shopper.get(payment_url(order))
    assert response.status_code == 302
    assert response["Location"] == confirmation_url(order)


def test_cancelled_order_says_it_cannot_be_paid(shopper, order, visa):
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    response = shopper.post(payment_url(order), {"payment_method": visa.pk})
    assert response.status_code == 409
    assert "Order 100234 was cancelled" in response.content.decode()
    assert not ExternalPayment.objects.filter(order=order).exists()
    assert shopper.get(confirmation_url(order)).status_code == 409


def test_paying_with_a_new_card_token(shopper, order, visa):
    response = shopper.post(
        payment_url(order),
        {
            "payment_method": "new",
            "payment_source_token": "tok_test_mastercard_4444_1131",
            "card_holder_name": "Grace Hopper",
        },
    )
    assert response.status_code == 302
    payment = ExternalPayment.objects.get(order=order)
    assert payment.payment_instrument["card_last_digits"] == "4444"
    assert payment.payment_instrument["card_holder_name"] == "Grace Hopper"
    assert not CustomerPaymentSource.objects.filter(
        fingerprint=payment.payment_instrument["fingerprint"]
    ).exists()


def test_saving_a_new_card_adds_it_to_the_wallet_once(shopper, customer, visa):
    data = {
        "payment_method": "new",
        "payment_source_token": "tok_test_mastercard_4444_1131",
        "card_holder_name": "Grace Hopper",
        "save_card": "on",
    }
    for number in ("200001", "200002"):
        order = factories.OrderFactory(customer=customer, number=number)
        response = shopper.post(payment_url(order), data, follow=True)
        assert response.redirect_chain == [(confirmation_url(order), 302)]
        assert "Your card is saved in your wallet for next time." in response.content.decode()
    saved = CustomerPaymentSource.objects.filter(
        customer=customer, payment_instrument__card_last_digits="4444"
    )
    assert saved.count() == 1
    assert saved.get().payment_source_token == "tok_test_mastercard_4444_1131"
    assert not saved.get().is_default


def test_a_card_number_in_the_token_field_is_refused(shopper, order, visa):
    response = shopper.post(
        payment_url(order),
        {"payment_method": "new", "payment_source_token": "5555 5555 5555 4444"},
    )
    assert response.status_code == 422
    assert "must not contain a card number" in response.content.decode()
    assert "5555 5555 5555 4444" not in response.content.decode()
    assert not ExternalPayment.objects.filter(order=order).exists()


def test_a_new_card_without_token_explains_javascript_is_needed(shopper, order, visa):
    response = shopper.post(payment_url(order), {"payment_method": "new"})
    assert response.status_code == 422
    assert "needs JavaScript" in response.content.decode()


def test_missing_choice_is_a_form_error(shopper, order, visa):
    response = shopper.post(payment_url(order), {})
    assert response.status_code == 422
    assert "Choose a card to pay with." in response.content.decode()


def test_gateway_down_shows_a_message_and_charges_nothing(shopper, order, visa, monkeypatch):
    def unreachable(self, *args, **kwargs):
        raise GatewayUnavailable("timeout")

    monkeypatch.setattr(TestGateway, "authorize", unreachable)
    response = shopper.post(payment_url(order), {"payment_method": visa.pk})
    assert response.status_code == 503
    assert "We could not reach the payment service" in response.content.decode()
    order.refresh_from_db()
    assert order.is_payable


def test_any_other_domain_refusal_is_shown_not_a_server_error(shopper, order, visa, monkeypatch):
    from wallet import services

    def refuse(*args, **kwargs):
        raise services.RecordLocked("This payment is being processed. Please wait a moment.")

    monkeypatch.setattr(services, "checkout_with_source", refuse)
    response = shopper.post(payment_url(order), {"payment_method": visa.pk})
    assert response.status_code == 409
    assert "This payment is being processed. Please wait a moment." in response.content.decode()


# --- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def csrf_shopper(customer):
    """A client that enforces CSRF checks, logged in as the customer."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    return client


def test_payment_without_csrf_token_is_refused(csrf_shopper, order, visa):
    response = csrf_shopper.post(payment_url(order), {"payment_method": visa.pk})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.is_payable


def test_set_default_without_csrf_token_is_refused(csrf_shopper, visa, mastercard):
    url = reverse("wallet:set-default-card", kwargs={"card_id": mastercard.pk})
    assert csrf_shopper.post(url).status_code == 403
    mastercard.refresh_from_db()
    assert not mastercard.is_default


def test_remove_without_csrf_token_is_refused(csrf_shopper, visa):
    url = reverse("wallet:remove-card", kwargs={"card_id": visa.pk})
    assert csrf_shopper.post(url).status_code == 403
    assert CustomerPaymentSource.objects.filter(pk=visa.pk).exists()


def test_payment_with_the_pages_csrf_token_is_accepted(csrf_shopper, order, visa):
    csrf_shopper.get(payment_url(order))
    token = csrf_shopper.cookies["csrftoken"].value
    response = csrf_shopper.post(
        payment_url(order), {"payment_method": visa.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent checkouts need PostgreSQL row locks; SQLite serializes all writes",
)
def test_concurrent_pay_clicks_authorize_the_order_once():
    customer = factories.CustomerFactory()
    order = factories.OrderFactory(customer=customer, number="300001")
    cards = [add_card(customer, "visa", f"{4100 + n}") for n in range(6)]
    barrier = threading.Barrier(len(cards))
    statuses: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def click_pay(card_id: str) -> None:
        client = Client()
        client.force_login(customer.user)
        try:
            barrier.wait()
            response = client.post(payment_url(order), {"payment_method": card_id})
            with lock:
                statuses.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=click_pay, args=(card.pk,)) for card in cards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [(302, confirmation_url(order))] * len(cards)
    assert authorizations(order).count() == 1
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED


@pytest.mark.parametrize(
    "path",
    [
        "/checkout/a%00b/payment/",
        "/checkout/a%00b/confirmation/",
        "/wallet/cards/a%00b/remove/",
    ],
)
def test_an_id_with_a_nul_character_is_not_found(db, client, path):
    user = factories.UserFactory()
    factories.CustomerFactory(user=user)
    client.force_login(user)

    assert client.get(path).status_code == 404


# --- issue 14.3: declines that help ----------------------------------------------------------

DECLINED_TOKEN = "tok_test_visa_0002_1131_decline"


def test_a_declined_new_card_keeps_name_expiry_and_save_choice_never_the_number(
    shopper, customer, order, visa
):
    response = shopper.post(
        payment_url(order),
        {
            "payment_method": "new",
            "payment_source_token": DECLINED_TOKEN,
            "card_holder_name": "Ada Lovelace",
            "card_expiry": "11/31",
            "save_card": "on",
        },
    )
    assert response.status_code == 402
    html = response.content.decode()
    assert re.search(r'id="pm-new" value="new" checked', html)
    holder = re.search(r'<input[^>]+id="card-holder"[^>]*>', html).group()
    assert 'value="Ada Lovelace"' in holder
    expiry = re.search(r'<input[^>]+id="card-expiry"[^>]*>', html).group()
    assert 'value="11/31"' in expiry
    assert re.search(r'<input[^>]+id="save-card"[^>]+checked', html)
    number = re.search(r'<input[^>]+id="card-number"[^>]*>', html).group()
    assert 'aria-describedby="card-number-error card-decline"' in number
    assert 'aria-invalid="true"' in number
    assert "data-autofocus" in number  # the focus goes to the card field
    assert " value=" not in number  # the number is never sent back (nor sent at all)
    assert "0002" not in re.sub(r"<[^>]+>", "", html.split("card-decline")[0])[-200:]
    assert DECLINED_TOKEN not in html
    decline = re.search(r'<div class="decline" id="card-decline">(.*?)</div>', html, re.S).group(1)
    assert "The card was declined." in decline  # the gateway's reason
    assert "Check the card details and try again" in decline  # the next step
    # The outcome is announced in the live region; no banner at the top any more.
    assert 'data-outcome="Payment not completed. The card was declined."' in html
    assert "alert--error" not in html
    assert not CustomerPaymentSource.objects.filter(
        customer=customer, payment_instrument__card_last_digits="0002"
    ).exists()
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID


def test_a_decline_shows_the_gateways_reason_for_its_code(shopper, order, visa, monkeypatch):
    from wallet.gateways.base import GatewayResult

    def insufficient(self, *args, **kwargs):
        return GatewayResult(
            False,
            message="Declined",
            code="insufficient_funds",
            meta={"decline_code": "insufficient_funds"},
        )

    monkeypatch.setattr(TestGateway, "authorize", insufficient)
    response = shopper.post(payment_url(order), {"payment_method": visa.pk})
    assert response.status_code == 402
    assert "The card has insufficient funds." in response.content.decode()


def test_the_payment_form_announces_processing_in_a_live_region(shopper, order, visa):
    html = shopper.get(payment_url(order)).content.decode()
    assert re.search(
        r'<p class="visually-hidden" role="status" aria-live="polite" data-live-status '
        r'data-busy-message="Processing payment…"',
        html,
    )


def test_an_empty_wallet_without_javascript_explains_what_to_do(shopper, order, customer):
    html = shopper.get(payment_url(order)).content.decode()
    noscript = re.findall(r"<noscript>(.*?)</noscript>", html, re.S)
    assert any("Turn on JavaScript to pay" in block for block in noscript)
    # What needs the script is hidden without it: the options and the Pay button.
    assert "<noscript><style>.js-only { display: none !important; }</style></noscript>" in html
    assert re.search(r'<fieldset class="pay-options js-only">', html)
    assert re.search(r'class="button button--primary button--block button--pay js-only"', html)
    # Posting anyway says what to do, not "Choose a card to pay with".
    response = shopper.post(payment_url(order), {})
    assert response.status_code == 422
    body = response.content.decode()
    assert "paying with a new card needs JavaScript" in body
    assert "Choose a card to pay with." not in body


def test_a_wallet_with_usable_cards_keeps_the_options_without_javascript(shopper, order, visa):
    html = shopper.get(payment_url(order)).content.decode()
    assert "js-only" not in re.search(r"<fieldset[^>]*>", html).group()
    assert "You can still pay with a saved card." in html


def test_checkout_nudges_a_card_that_expires_soon(shopper, order, visa):
    today = datetime.date.today()
    soon = add_card(order.customer, "amex", "0005", today.month, today.year)
    html = shopper.get(payment_url(order)).content.decode()
    edit_url = reverse("wallet:edit-card", kwargs={"card_id": soon.pk})
    nudge = re.search(
        rf'<p class="pay-option__nudge" id="pm-{soon.pk}-nudge">(.*?)</p>', html, re.S
    )
    assert nudge and f'href="{edit_url}"' in nudge.group(1)
    assert "Update the card" in nudge.group(1)
    radio = re.search(rf'<input[^>]+id="pm-{soon.pk}"[^>]*>', html).group()
    assert f"pm-{soon.pk}-nudge" in radio  # tied to the option with aria-describedby
    assert f"pm-{visa.pk}-nudge" not in html


# --- issue 14.4: a complete wallet -----------------------------------------------------------


@pytest.fixture
def gateway(db):
    """The built-in test gateway: it describes a card from its token, so cards can be added."""
    return factories.PaymentGatewayFactory()


def test_add_card_page_has_the_gateways_fields_and_needs_javascript(shopper, gateway):
    response = shopper.get(reverse("wallet:add-card"))
    assert response.status_code == 200
    html = response.content.decode()
    for input_id in ("card-number", "card-cvc", "card-expiry", "card-holder"):
        tag = re.search(rf'<input[^>]+id="{input_id}"[^>]*>', html).group()
        assert " name=" not in tag
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Turn on JavaScript to add a card" in html
    assert "wallet/tokenize.js" in html
    wallet = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert f'href="{reverse("wallet:add-card")}"' in wallet


def test_add_card_saves_a_card_from_its_token_without_a_payment(shopper, customer, gateway):
    response = shopper.post(
        reverse("wallet:add-card"),
        {
            "payment_source_token": "tok_test_mastercard_4444_1131",
            "card_holder_name": "Grace Hopper",
            "nickname": "Work card",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("wallet:saved-cards"), 302)]
    html = response.content.decode()
    assert "Mastercard •••• 4444 is saved in your wallet." in html
    assert "Work card" in html
    source = CustomerPaymentSource.objects.get(customer=customer)
    assert source.payment_instrument["card_last_digits"] == "4444"
    assert source.payment_instrument["card_holder_name"] == "Grace Hopper"
    assert source.payment_instrument["card_expiry_year"] == "2031"
    assert source.fingerprint == source.payment_instrument["fingerprint"]
    assert source.nickname == "Work card"
    assert source.payment is None
    assert source.is_default  # the first card is the default
    assert not ExternalPayment.objects.exists()
    assert not Transaction.objects.exists()


def test_add_card_can_make_the_new_card_the_default(shopper, customer, gateway, visa):
    shopper.post(
        reverse("wallet:add-card"),
        {"payment_source_token": "tok_test_mastercard_4444_1131", "make_default": "on"},
    )
    new = CustomerPaymentSource.objects.get(payment_instrument__card_last_digits="4444")
    visa.refresh_from_db()
    assert new.is_default and not visa.is_default


def test_a_user_without_a_customer_yet_can_add_a_card(client, db, gateway):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(reverse("wallet:add-card")).status_code == 200
    response = client.post(
        reverse("wallet:add-card"), {"payment_source_token": "tok_test_visa_4242_1230"}
    )
    assert response.status_code == 302
    assert CustomerPaymentSource.objects.filter(customer__user=user).count() == 1


@pytest.mark.parametrize(
    "token,message",
    [
        ("tok_test_visa_4242_1230", "this card is already saved in the wallet"),
        ("tok_test_visa_4111_0321", "This card has expired."),
        ("not-a-test-token", "The payment service did not recognise this card."),
        ("", "Saving a card needs JavaScript"),
    ],
)
def test_add_card_refusals_are_shown_under_the_card_field(
    shopper, customer, gateway, visa, token, message
):
    response = shopper.post(reverse("wallet:add-card"), {"payment_source_token": token})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    number = re.search(r'<input[^>]+id="card-number"[^>]*>', html).group()
    assert "card-server-error" in number and 'aria-invalid="true"' in number
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1


def test_add_card_without_a_gateway_that_saves_cards_explains_how(shopper, customer):
    response = shopper.get(reverse("wallet:add-card"), follow=True)
    assert response.redirect_chain == [(reverse("wallet:saved-cards"), 302)]
    assert "pay with it and tick" in response.content.decode()
    assert reverse("wallet:add-card") not in response.content.decode()


def test_add_card_without_csrf_token_is_refused(csrf_shopper, gateway):
    response = csrf_shopper.post(
        reverse("wallet:add-card"), {"payment_source_token": "tok_test_visa_4242_1230"}
    )
    assert response.status_code == 403
    assert not CustomerPaymentSource.objects.exists()


def test_update_an_expiring_card_with_a_new_token_for_the_same_card(shopper, customer, gateway):
    today = datetime.date.today()
    soon = add_card(customer, "amex", "0005", today.month, today.year, is_default=True)
    CustomerPaymentSource.objects.filter(pk=soon.pk).update(nickname="Travel")
    edit = shopper.get(reverse("wallet:edit-card", kwargs={"card_id": soon.pk}))
    assert edit.status_code == 200
    assert 'id="update-card"' in edit.content.decode()
    wallet = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert "Update its expiry date" in wallet
    response = shopper.post(
        reverse("wallet:update-card", kwargs={"card_id": soon.pk}),
        {"payment_source_token": "tok_test_amex_0005_0330", "card_holder_name": "Ada King"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("wallet:saved-cards"), 302)]
    assert "American Express •••• 0005 is updated: it now expires 03/2030." in (
        response.content.decode()
    )
    soon.refresh_from_db()
    assert soon.payment_source_token == "tok_test_amex_0005_0330"
    assert soon.payment_instrument["card_expiry_month"] == "03"
    assert soon.payment_instrument["card_expiry_year"] == "2030"
    assert soon.payment_instrument["card_holder_name"] == "Ada King"
    assert soon.fingerprint == soon.payment_instrument["fingerprint"]
    assert soon.is_default and soon.nickname == "Travel"
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1


def test_an_expired_card_can_be_updated_and_used_again(shopper, customer, gateway, expired):
    response = shopper.post(
        reverse("wallet:update-card", kwargs={"card_id": expired.pk}),
        {"payment_source_token": "tok_test_amex_0005_0630"},
    )
    assert response.status_code == 302
    expired.refresh_from_db()
    assert expired.payment_instrument["card_expiry_year"] == "2030"


def test_update_refuses_the_details_of_another_card(shopper, customer, gateway, visa):
    response = shopper.post(
        reverse("wallet:update-card", kwargs={"card_id": visa.pk}),
        {"payment_source_token": "tok_test_visa_1111_0330"},
    )
    assert response.status_code == 422
    assert "These are the details of another card." in response.content.decode()
    visa.refresh_from_db()
    assert visa.payment_instrument["card_last_digits"] == "4242"


def test_edit_and_update_of_another_customers_card_are_404(shopper, gateway, visa, stranger):
    card_id = stranger["card"].pk
    assert shopper.get(reverse("wallet:edit-card", kwargs={"card_id": card_id})).status_code == 404
    update = reverse("wallet:update-card", kwargs={"card_id": card_id})
    assert (
        shopper.post(update, {"payment_source_token": "tok_test_discover_1117_0330"}).status_code
        == 404
    )
    stranger["card"].refresh_from_db()
    assert stranger["card"].payment_instrument["card_expiry_year"] == "2030"


def test_a_nickname_is_saved_shown_with_the_card_and_cleared(shopper, order, visa, mastercard):
    url = reverse("wallet:edit-card", kwargs={"card_id": mastercard.pk})
    response = shopper.post(url, {"nickname": "  Work   card "}, follow=True)
    assert response.redirect_chain == [(reverse("wallet:saved-cards"), 302)]
    html = response.content.decode()
    assert "Mastercard •••• 5100 is now called “Work card”." in html
    assert '<p class="card-face__nickname" data-nickname>Work card</p>' in html
    mastercard.refresh_from_db()
    assert mastercard.nickname == "Work card"
    checkout = shopper.get(payment_url(order)).content.decode()
    assert '<span class="pay-option__nickname">Work card</span>' in checkout
    shopper.post(url, {"nickname": ""})
    mastercard.refresh_from_db()
    assert mastercard.nickname == ""


@pytest.mark.parametrize(
    "nickname,message",
    [
        ("x" * 41, "at most 40 characters"),
        ("4242 4242 4242 4242", "must not contain a card number"),
    ],
)
def test_a_bad_nickname_is_refused(shopper, visa, nickname, message):
    response = shopper.post(
        reverse("wallet:edit-card", kwargs={"card_id": visa.pk}), {"nickname": nickname}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    visa.refresh_from_db()
    assert visa.nickname == ""


def test_nickname_without_csrf_token_is_refused(csrf_shopper, visa):
    url = reverse("wallet:edit-card", kwargs={"card_id": visa.pk})
    assert csrf_shopper.post(url, {"nickname": "Mine"}).status_code == 403


def test_remove_hides_the_card_everywhere_and_offers_undo(shopper, order, visa, mastercard):
    response = shopper.post(reverse("wallet:remove-card", kwargs={"card_id": mastercard.pk}))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('wallet:saved-cards')}?removed={mastercard.pk}"
    html = shopper.get(response["Location"]).content.decode()
    assert "Removed Mastercard •••• 5100." in html
    assert "You can undo this for 5 minutes." in html
    restore = reverse("wallet:restore-card", kwargs={"card_id": mastercard.pk})
    assert re.search(rf'<form method="post" action="{restore}"', html)
    assert f'data-card-id="{mastercard.pk}"' not in html
    # Hidden everywhere: the wallet, checkout, the API (404), but kept for the undo.
    assert f"pm-{mastercard.pk}" not in shopper.get(payment_url(order)).content.decode()
    api = shopper.get(
        f"/api/customer_payment_sources/{mastercard.pk}", HTTP_ACCEPT="application/vnd.api+json"
    )
    assert api.status_code == 404
    assert not CustomerPaymentSource.objects.filter(pk=mastercard.pk).exists()
    kept = CustomerPaymentSource.all_objects.get(pk=mastercard.pk)
    assert kept.removed_at is not None and not kept.is_default and kept.fingerprint == ""


def test_undo_brings_back_a_removed_default_card_as_the_default(shopper, visa, mastercard):
    shopper.post(reverse("wallet:remove-card", kwargs={"card_id": visa.pk}))
    mastercard.refresh_from_db()
    assert mastercard.is_default
    response = shopper.post(
        reverse("wallet:restore-card", kwargs={"card_id": visa.pk}), follow=True
    )
    assert "Visa •••• 4242 is back in your wallet." in response.content.decode()
    visa.refresh_from_db()
    mastercard.refresh_from_db()
    assert visa.removed_at is None and visa.is_default and not mastercard.is_default
    assert visa.fingerprint == visa.payment_instrument["fingerprint"]
    api = shopper.get(
        f"/api/customer_payment_sources/{visa.pk}", HTTP_ACCEPT="application/vnd.api+json"
    )
    assert api.status_code == 200


def test_undo_is_refused_after_the_window_and_the_card_is_purged_by_the_next_write(
    shopper, settings, visa, mastercard
):
    settings.WALLET = {**getattr(settings, "WALLET", {}), "REMOVAL_UNDO_SECONDS": 60}
    shopper.post(reverse("wallet:remove-card", kwargs={"card_id": mastercard.pk}))
    long_ago = timezone.now() - datetime.timedelta(seconds=61)
    CustomerPaymentSource.all_objects.filter(pk=mastercard.pk).update(removed_at=long_ago)
    html = shopper.get(f"{reverse('wallet:saved-cards')}?removed={mastercard.pk}").content.decode()
    assert "Removed Mastercard" not in html  # no undo offered any more
    response = shopper.post(
        reverse("wallet:restore-card", kwargs={"card_id": mastercard.pk}), follow=True
    )
    assert "It is too late to undo" in response.content.decode()
    assert CustomerPaymentSource.all_objects.filter(pk=mastercard.pk).exists()  # reads never write
    shopper.post(reverse("wallet:edit-card", kwargs={"card_id": visa.pk}), {"nickname": "Main"})
    assert not CustomerPaymentSource.all_objects.filter(pk=mastercard.pk).exists()


def test_the_purge_command_deletes_removed_cards_after_the_window(db, visa, mastercard):
    from django.core.management import call_command

    from wallet import services

    services.remove_payment_source(mastercard)
    services.remove_payment_source(visa)
    CustomerPaymentSource.all_objects.filter(pk=mastercard.pk).update(
        removed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    out = io.StringIO()
    call_command("wallet_purge_removed_cards", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 removed card(s)."
    assert not CustomerPaymentSource.all_objects.filter(pk=mastercard.pk).exists()
    assert CustomerPaymentSource.all_objects.filter(pk=visa.pk).exists()  # still undoable


def test_a_removed_card_can_be_saved_again_and_then_undo_is_refused(shopper, customer, order, visa):
    shopper.post(reverse("wallet:remove-card", kwargs={"card_id": visa.pk}))
    response = shopper.post(
        payment_url(order),
        {
            "payment_method": "new",
            "payment_source_token": visa.payment_source_token,
            "save_card": "on",
        },
    )
    assert response.status_code == 302
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1
    response = shopper.post(
        reverse("wallet:restore-card", kwargs={"card_id": visa.pk}), follow=True
    )
    assert "This card is already back in your wallet." in response.content.decode()
    assert CustomerPaymentSource.objects.filter(customer=customer).count() == 1


def test_undo_of_another_customers_card_does_nothing(shopper, visa, stranger):
    from wallet import services

    services.remove_payment_source(stranger["card"])
    response = shopper.post(reverse("wallet:restore-card", kwargs={"card_id": stranger["card"].pk}))
    assert response.status_code == 302
    assert CustomerPaymentSource.all_objects.get(pk=stranger["card"].pk).removed_at is not None
    html = shopper.get(
        f"{reverse('wallet:saved-cards')}?removed={stranger['card'].pk}"
    ).content.decode()
    assert "Removed" not in html


def test_undo_without_csrf_token_is_refused(csrf_shopper, visa):
    from wallet import services

    services.remove_payment_source(visa)
    url = reverse("wallet:restore-card", kwargs={"card_id": visa.pk})
    assert csrf_shopper.post(url).status_code == 403
    assert not CustomerPaymentSource.objects.filter(pk=visa.pk).exists()


def test_a_long_holder_name_never_hides_the_expiry(shopper, customer):
    add_card(
        customer,
        payment_instrument=factories.card_instrument("visa", "4242", 12, 2030, "A" * 60),
        is_default=True,
    )
    html = shopper.get(reverse("wallet:saved-cards")).content.decode()
    face = re.search(r'<div class="card-face__bottom">(.*?)</div>\s*</div>\s*</div>', html, re.S)
    assert "12/2030" in face.group(1)
    assert f'title="{"A" * 60}"' in face.group(1)


# --- issue 14.6: the edges of the site -------------------------------------------------------


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("boom/", _boom),
    path("", include("config.urls")),
]


@override_settings(DEBUG=False)
def test_an_unknown_page_is_the_shops_branded_404(shopper):
    response = shopper.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert 'class="site-header"' in html
    assert "wallet/favicon.svg" in html


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_is_the_shops_branded_500(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'class="site-header"' in html
    assert "wallet/favicon.svg" in html


def test_the_503_page_shares_the_layout():
    from django.template.loader import render_to_string

    html = render_to_string("503.html", {"retry_after": 5})
    assert "We will be right back" in html
    assert "wallet/favicon.svg" in html


def test_logging_out_lands_on_a_page_that_says_so(shopper):
    page = shopper.get(reverse("wallet:saved-cards")).content.decode()
    assert '<input type="hidden" name="next" value="/accounts/login/?logged_out=1">' in page
    response = shopper.post(
        reverse("logout"), {"next": "/accounts/login/?logged_out=1"}, follow=True
    )
    assert response.redirect_chain == [("/accounts/login/?logged_out=1", 302)]
    assert "You are logged out" in response.content.decode()
    assert "_auth_user_id" not in shopper.session


def test_confirmation_shows_receipt_email_time_with_zone_and_continue_shopping(
    shopper, customer, order, visa
):
    shopper.post(payment_url(order), {"payment_method": visa.pk})
    html = shopper.get(confirmation_url(order)).content.decode()
    assert re.search(rf"<dd[^>]*data-receipt-email>{re.escape(customer.email)}</dd>", html)
    paid_at = re.search(r'<dd data-paid-at><time datetime="([^"]+)">([^<]+)</time>', html)
    assert paid_at.group(1).endswith("+00:00")
    assert paid_at.group(2).endswith(" UTC")
    assert re.search(r'<a class="button button--primary" href="/">Continue shopping</a>', html)


def test_the_favicon_is_a_static_file_linked_from_every_page(client, db):
    from django.contrib.staticfiles import finders

    assert finders.find("wallet/favicon.svg")
    html = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/wallet/favicon.svg" type="image/svg+xml">' in html
