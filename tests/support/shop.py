"""A shopper's checkout: an order and saved test-gateway cards of the suite's ``customer``.

Fixtures of the storefront's tests, loaded for the whole suite by ``tests/conftest.py``
(``pytest_plugins``); a module's own fixture of the same name wins.
"""

import pytest

from tests import factories


def add_card(customer, brand="visa", last4="4242", month=12, year=2030, **kwargs):
    """Save a test-gateway card in the customer's wallet."""
    return factories.CustomerPaymentSourceFactory(
        customer=customer, brand=brand, last4=last4, month=month, year=year, **kwargs
    )


@pytest.fixture
def order(customer):
    """The customer's order of €49.90, awaiting payment."""
    return factories.OrderFactory(customer=customer, number="100234", total_amount_cents=4990)


@pytest.fixture
def visa(customer):
    """The customer's default card."""
    return add_card(customer, "visa", "4242", is_default=True)


@pytest.fixture
def mastercard(customer):
    """Another of the customer's cards."""
    return add_card(customer, "mastercard", "5100", 8, 2029)


@pytest.fixture
def expired(customer):
    """An expired card."""
    return add_card(customer, "amex", "0005", 3, 2021)
