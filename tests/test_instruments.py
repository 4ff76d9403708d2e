"""One rule per card fact: the admin, the storefront, the services and the API read a card alike.

Each test below once failed: the admin judged expiry on the shop's local date while the services
judged it on UTC's, the admin named an Amex card "Amex" while the shop said "American Express",
and the API listed a wallet in another order than the storefront.
"""

import datetime
import re
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.support.tokens import bearer, mint_token
from wallet import selectors, services
from wallet.instruments import (
    EXPIRED,
    VALID,
    brand_label,
    card_state,
    describe_instrument,
    instrument_label,
    is_expired,
    masked_number,
    source_name,
)
from wallet.oauth import create_credential

pytestmark = pytest.mark.django_db

# Kiribati's Line Islands are UTC+14: at noon UTC on 31 December it is already 1 January there.
AHEAD_OF_UTC = "Pacific/Kiritimati"
NEW_YEARS_EVE_NOON_UTC = datetime.datetime(2030, 12, 31, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def staff_client() -> Client:
    """A logged-in superuser."""
    client = Client()
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


# --- expiry ----------------------------------------------------------------------------------


def test_admin_storefront_and_services_agree_a_12_30_card_expired_once_the_shops_year_turned(
    settings,
):
    settings.TIME_ZONE = AHEAD_OF_UTC
    with mock.patch("django.utils.timezone.now", return_value=NEW_YEARS_EVE_NOON_UTC):
        assert timezone.localdate() == datetime.date(2031, 1, 1)  # the shop's date
        customer = factories.CustomerFactory()
        card = factories.CustomerPaymentSourceFactory(customer=customer, month=12, year=2030)

        admin = Client()
        admin.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
        admin_page = admin.get("/admin/wallet/customerpaymentsource/").content.decode()
        shopper = Client()
        shopper.force_login(customer.user)
        wallet_page = shopper.get("/wallet/").content.decode()

        assert "12/2030 (expired)" in admin_page
        assert re.search(rf'saved-card--expired" data-card-id="{card.pk}"', wallet_page)
        with pytest.raises(ValidationError) as refusal:
            services.set_default_payment_source(card)
        assert refusal.value.error_dict["is_default"][0].code == "expired"


def test_a_card_is_valid_through_the_last_day_of_its_month_in_the_shops_time_zone(settings):
    settings.TIME_ZONE = AHEAD_OF_UTC
    instrument = factories.card_instrument(month=1, year=2031)
    with mock.patch("django.utils.timezone.now", return_value=NEW_YEARS_EVE_NOON_UTC):
        assert not is_expired(instrument)
        assert is_expired(factories.card_instrument(month=12, year=2030))
    assert card_state("12", "2030", today=datetime.date(2030, 12, 31), soon_days=0) != EXPIRED
    assert card_state("12", "2030", today=datetime.date(2030, 11, 30), soon_days=0) == VALID
    assert card_state("12", "2030", today=datetime.date(2031, 1, 1), soon_days=0) == EXPIRED


# --- brand labels ----------------------------------------------------------------------------


def test_admin_and_storefront_name_an_amex_card_alike(staff_client):
    instrument = factories.card_instrument("amex", "0005", 12, 2030)
    payment = factories.ExternalPaymentFactory(brand="amex", last4="0005")
    shop_label = describe_instrument(instrument).label

    admin_page = staff_client.get("/admin/wallet/externalpayment/").content.decode()

    assert shop_label == "American Express •••• 0005"
    assert payment.instrument_label == shop_label
    assert shop_label in admin_page
    assert "Amex •••• 0005" not in admin_page


def test_brand_labels_follow_the_gateways_spellings():
    assert brand_label("american_express") == "American Express"
    assert brand_label("master-card") == "Mastercard"
    assert brand_label("jcb") == "Card"
    assert instrument_label({"card_type": "master_card", "card_last_digits": "4444"}) == (
        "Mastercard •••• 4444"
    )
    assert instrument_label({"card_type": "visa"}) == "Visa"
    assert instrument_label({}) == ""


# --- masks -----------------------------------------------------------------------------------


def test_an_amex_number_is_masked_4_6_5_and_others_4_4_4_4():
    assert masked_number("amex", "0005") == "•••• •••••• •0005"
    assert masked_number("visa", "4242") == "•••• •••• •••• 4242"
    assert masked_number("visa", "") == ""
    card = describe_instrument(factories.card_instrument("amex", "0005"))
    assert card.masked_number == "•••• •••••• •0005"


def test_a_saved_sources_wire_name_keeps_commerce_layers_shape_for_every_brand():
    assert source_name({"card_type": "amex", "card_last_digits": "0005"}) == "XXXX-XXXX-XXXX-0005"
    assert source_name({"card_type": "visa"}) == ""
    card = factories.CustomerPaymentSourceFactory(brand="amex", last4="0005")
    assert card.name == "XXXX-XXXX-XXXX-0005"


# --- the order of a wallet -------------------------------------------------------------------


def test_api_storefront_and_selector_list_a_wallet_in_one_order():
    customer = factories.CustomerFactory()
    now = timezone.now()
    default = factories.CustomerPaymentSourceFactory(customer=customer, is_default=True)
    used_recently = factories.CustomerPaymentSourceFactory(
        customer=customer, last_used_at=now - datetime.timedelta(days=1)
    )
    newest_unused = factories.CustomerPaymentSourceFactory(customer=customer)
    type(default).objects.filter(pk=used_recently.pk).update(
        created_at=now - datetime.timedelta(days=60)
    )
    order = factories.OrderFactory(customer=customer)
    expected = [default.pk, used_recently.pk, newest_unused.pk]

    credential, _secret = create_credential(name="order", kind="integration", mode="test")
    response = Client().get(
        f"/api/orders/{order.pk}/available_customer_payment_sources",
        HTTP_ACCEPT="application/vnd.api+json",
        **bearer(mint_token(credential)),
    )
    shopper = Client()
    shopper.force_login(customer.user)
    wallet_page = shopper.get("/wallet/").content.decode()

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["data"]] == expected
    assert re.findall(r'data-card-id="(\w+)"', wallet_page) == expected
    assert [source.pk for source in selectors.customer_wallet(customer)] == expected
