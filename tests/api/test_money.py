"""Money in minor units, formatted by the currency's exponent and the active locale."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests import factories
from wallet import services
from wallet.money import format_money, minor_unit_exponent, to_major_units


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (12345, "JPY", "en_US", "¥12,345"),
        (123456789, "USD", "en_US", "$1,234,567.89"),
        (4599, "EUR", "fr_FR", "45,99\xa0€"),
        (4599, "EUR", "de_DE", "45,99\xa0€"),
        (1234, "KWD", "en_US", "KWD1.234"),
    ],
)
def test_amounts_follow_the_currency_exponent_and_the_locale(amount, currency, locale, expected):
    assert format_money(amount, currency, locale) == expected


def test_exponents_come_from_iso_4217():
    assert [minor_unit_exponent(code) for code in ("JPY", "EUR", "KWD")] == [0, 2, 3]
    assert str(to_major_units(12345, "JPY")) == "12345"


@pytest.mark.django_db
def test_an_order_total_is_shown_in_the_active_language():
    order = factories.OrderFactory(currency_code="EUR", total_amount_cents=4599)

    with translation.override("fr"):
        assert order.total_amount == "45,99\xa0€"
    with translation.override("en"):
        assert order.total_amount == "€45.99"


@pytest.mark.django_db
def test_an_unknown_currency_code_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.create_order(mode="test", currency_code="XYZ", total_amount_cents=100)

    assert "currency_code" in excinfo.value.message_dict


@pytest.mark.django_db
def test_the_api_formats_the_total_in_the_order_currency(api_client):
    order = factories.OrderFactory(currency_code="JPY", total_amount_cents=12345)

    response = api_client.get(f"/api/orders/{order.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.doc["data"]["attributes"]["formatted_total_amount"] == "¥12,345"
