"""The admin's order actions (capture, cancel, refund: confirmed first) and payment methods."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from tests.support.admin import add_url, changelist_url
from wallet.models import Order, PaymentMethod, Transaction

pytestmark = pytest.mark.django_db


def run_action(client, action: str, order: Order, *, confirmed: bool):
    """POST an order action from the change list, confirming it or not."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [order.pk]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(changelist_url(Order), data, follow=confirmed)


def test_capture_asks_first_and_moves_no_money(client, admin_user, wallet):
    response = run_action(client, "capture", wallet["order"], confirmed=False)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Are you sure?" in html
    assert f"#{wallet['order'].number}" in html
    assert 'name="confirmed" value="yes"' in html
    assert not Transaction.objects.filter(kind="capture").exists()


def test_a_confirmed_capture_captures(client, admin_user, wallet):
    response = run_action(client, "capture", wallet["order"], confirmed=True)

    assert response.status_code == 200
    assert "1 order done." in response.content.decode()
    wallet["order"].refresh_from_db()
    assert wallet["order"].payment_status == "paid"


def test_a_refused_action_is_a_message_not_a_500(client, admin_user, wallet):
    response = run_action(client, "refund", wallet["order"], confirmed=True)

    assert response.status_code == 200
    assert "Only a paid order can be refunded." in response.content.decode()
    wallet["order"].refresh_from_db()
    assert wallet["order"].payment_status == "authorized"


def test_a_confirmed_cancel_voids(client, admin_user, wallet):
    run_action(client, "cancel", wallet["order"], confirmed=True)

    wallet["order"].refresh_from_db()
    assert (wallet["order"].status, wallet["order"].payment_status) == ("cancelled", "voided")


def test_add_a_payment_method(client, admin_user, wallet):
    response = client.post(
        add_url(PaymentMethod),
        {
            "mode": "test",
            "name": "Cards",
            "payment_source_type": "external_payments",
            "payment_gateway": wallet["gateway"].pk,
            "currency_code": "eur",
            "price_amount_cents": "0",
            "reference": "",
            "reference_origin": "",
            "metadata": "{}",
        },
    )

    assert response.status_code == 302
    method = PaymentMethod.objects.get()
    assert (method.payment_gateway, method.currency_code) == (wallet["gateway"], "EUR")


# --- finding a saved card ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["4444", "mastercard", "grace@example.com"])
def test_staff_find_a_card_by_last_four_brand_or_email(client, admin_user, query):
    from tests import factories
    from wallet.models import CustomerPaymentSource

    grace = factories.CustomerFactory(
        user=factories.UserFactory(username="grace@example.com"), email="grace@example.com"
    )
    factories.CustomerPaymentSourceFactory(customer=grace, brand="mastercard", last4="4444")
    factories.CustomerPaymentSourceFactory(brand="visa", last4="4242")

    html = client.get(changelist_url(CustomerPaymentSource), {"q": query}).content.decode()

    assert "Mastercard •••• 4444" in html
    assert "Visa •••• 4242" not in html
