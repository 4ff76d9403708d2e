"""Users are linked to customers only by the wallet, never by a matching email; reads never write.

A new account registered with someone else's email (in any letter case) sees an empty wallet, not
their cards. A shop that verifies emails may opt in to linking through
``WALLET["LINK_CUSTOMERS_BY_VERIFIED_EMAIL"]``.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from wallet import selectors, services
from wallet.models import AuditEntry, Customer

pytestmark = pytest.mark.django_db

JSONAPI = "application/vnd.api+json"


def always_verified(user) -> bool:
    """A shop's hook: every email is verified."""
    return True


def never_verified(user) -> bool:
    """A shop's hook: no email is verified."""
    return False


@pytest.fixture
def victim(db) -> Customer:
    """A customer with a saved card and an order, not linked to any user yet (a guest)."""
    customer = services.create_customer(mode="test", email="victim@example.com")
    factories.CustomerPaymentSourceFactory(customer=customer, brand="visa", last4="4242")
    factories.OrderFactory(customer=customer, number="555001")
    return customer


@pytest.fixture
def impostor(db):
    """A brand-new account registered with the victim's email in upper case, logged in."""
    user = factories.UserFactory(username="VICTIM@example.com", email="VICTIM@example.com")
    client = Client()
    client.force_login(user)
    return user, client


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]


def test_storefront_shows_an_empty_wallet_not_the_victims_cards(victim, impostor):
    _user, client = impostor

    response = client.get(reverse("wallet:saved-cards"))

    assert response.status_code == 200
    assert response.context["cards"] == []
    assert "4242" not in response.content.decode()
    victim.refresh_from_db()
    assert victim.user_id is None


def test_storefront_read_of_a_user_without_customer_writes_nothing(victim, impostor):
    user, client = impostor

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("wallet:saved-cards"))

    assert response.status_code == 200
    assert writes(queries.captured_queries) == []
    assert not Customer.objects.filter(user=user).exists()
    assert not AuditEntry.objects.filter(resource_type="customers", event="update").exists()


def test_impostor_cannot_open_the_victims_order(victim, impostor):
    _user, client = impostor
    order = victim.orders.get()

    response = client.get(reverse("wallet:payment", kwargs={"order_id": order.pk}))

    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.user_id is None


def test_impostor_paying_is_refused_and_links_nothing(victim, impostor):
    _user, client = impostor
    order = victim.orders.get()

    response = client.post(
        reverse("wallet:payment", kwargs={"order_id": order.pk}),
        {"payment_method": "new", "payment_source_token": "tok_test_visa_4242_1230"},
    )

    assert response.status_code in (403, 404)
    victim.refresh_from_db()
    assert victim.user_id is None
    assert not order.external_payments.exists()


def test_api_session_read_does_not_link_by_email(victim, impostor):
    user, client = impostor

    response = client.get("/api/customer_payment_sources", HTTP_ACCEPT=JSONAPI)

    assert response.status_code == 401
    victim.refresh_from_db()
    assert victim.user_id is None
    assert not Customer.objects.filter(user=user).exists()


def test_api_session_read_and_rate_limiter_write_nothing(victim, impostor):
    _user, client = impostor

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/customers", HTTP_ACCEPT=JSONAPI)

    assert writes(queries.captured_queries) == []


def test_api_session_write_creates_the_users_own_customer(db):
    user = factories.UserFactory(username="newbie@example.com")
    client = Client()
    client.force_login(user)
    body = {
        "data": {
            "type": "orders",
            "attributes": {"currency_code": "EUR"},
        }
    }

    response = client.post(
        "/api/orders", json.dumps(body), content_type=JSONAPI, HTTP_ACCEPT=JSONAPI
    )

    assert response.status_code == 201
    customer = Customer.objects.get(user=user, mode="test")
    assert customer.email == "newbie@example.com"
    assert customer.user_created_by_wallet is False


def test_the_victims_email_is_taken_for_the_impostors_first_write(victim, impostor):
    user, _client = impostor

    with pytest.raises(ValidationError):
        services.ensure_customer_for_user(user, "test")

    victim.refresh_from_db()
    assert victim.user_id is None


def test_selector_reads_the_linked_customer_only(victim, impostor):
    user, _client = impostor
    assert selectors.customer_of_user(user, "test") is None
    own = factories.CustomerFactory()
    assert selectors.customer_of_user(own.user, "test") == own
    assert selectors.customer_of_user(own.user, "live") is None


# --- the shop's opt-in for verified emails ----------------------------------------------------


def test_linking_by_email_is_off_by_default(settings):
    from wallet.conf import DEFAULTS

    assert DEFAULTS["LINK_CUSTOMERS_BY_VERIFIED_EMAIL"] is None


def test_a_verified_email_links_the_existing_customer(settings, victim):
    settings.WALLET = {
        "LINK_CUSTOMERS_BY_VERIFIED_EMAIL": "tests.test_customer_linking.always_verified"
    }
    user = factories.UserFactory(username="victim@example.com")

    customer = services.ensure_customer_for_user(user, "test")

    assert customer.pk == victim.pk
    victim.refresh_from_db()
    assert victim.user_id == user.pk
    assert victim.user_created_by_wallet is False
    entry = AuditEntry.objects.get(resource_id=victim.pk, event="update")
    assert entry.changes == {"user": [None, user.pk]}


def test_an_unverified_email_links_nothing(settings, victim):
    settings.WALLET = {
        "LINK_CUSTOMERS_BY_VERIFIED_EMAIL": "tests.test_customer_linking.never_verified"
    }
    user = factories.UserFactory(username="victim@example.com")

    with pytest.raises(ValidationError):
        services.ensure_customer_for_user(user, "test")

    victim.refresh_from_db()
    assert victim.user_id is None


def test_the_hook_may_be_a_callable(settings, victim):
    settings.WALLET = {"LINK_CUSTOMERS_BY_VERIFIED_EMAIL": always_verified}
    user = factories.UserFactory(username="victim@example.com")

    assert services.ensure_customer_for_user(user, "test").pk == victim.pk


def test_even_a_verified_email_is_linked_only_on_a_write(settings, victim):
    settings.WALLET = {
        "LINK_CUSTOMERS_BY_VERIFIED_EMAIL": "tests.test_customer_linking.always_verified"
    }
    user = factories.UserFactory(username="victim@example.com")
    client = Client()
    client.force_login(user)

    response = client.get(reverse("wallet:saved-cards"))

    assert response.context["cards"] == []
    victim.refresh_from_db()
    assert victim.user_id is None
