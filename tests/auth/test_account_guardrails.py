"""The API never takes over a Django account: staff, other-mode and shop-owned logins are safe.

Django users are shared by both modes and by the shop itself. Only a login the wallet created for
a customer has its password or email changed through the API; a customer proves their current
password; a new password revokes the user's other tokens and sessions; signups race safely.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from oauth2_provider.models import get_access_token_model

from tests import factories
from tests.support.tokens import bearer
from wallet import services
from wallet.models import Customer

JSONAPI = "application/vnd.api+json"
NEW_PASSWORD = "taken-over-1234"


def patch_customer(token: str, customer: Customer, client: Client | None = None, **attributes):
    body = {"data": {"type": "customers", "id": customer.pk, "attributes": attributes}}
    return (client or Client()).patch(
        f"/api/customers/{customer.pk}",
        json.dumps(body),
        content_type=JSONAPI,
        HTTP_ACCEPT=JSONAPI,
        **bearer(token),
    )


def first_error(response) -> dict:
    return response.json()["errors"][0]


def wallet_customer(email: str = "shopper@example.com", mode: str = "test") -> Customer:
    """A customer whose login the wallet created (a password given on create)."""
    return services.create_customer(mode=mode, email=email, password=factories.TEST_PASSWORD)


def admin_login(password: str, username: str = "boss@example.com") -> int:
    response = Client().post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code


# --- staff, other-mode and shop-owned accounts ------------------------------------------------


@pytest.fixture
def superuser_customer(db) -> Customer:
    """A superuser who once used the storefront: a test customer linked to their account."""
    boss = factories.UserFactory(username="boss@example.com", is_staff=True, is_superuser=True)
    return services.ensure_customer_for_user(boss, "test")


def test_test_integration_cannot_set_a_superusers_password(integration, superuser_customer):
    response = patch_customer(integration.token(), superuser_customer, password=NEW_PASSWORD)

    assert response.status_code == 422
    error = first_error(response)
    assert error["source"]["pointer"] == "/data/attributes/password"
    boss = get_user_model().objects.get(username="boss@example.com")
    assert not boss.check_password(NEW_PASSWORD)
    assert admin_login(NEW_PASSWORD) == 200  # the login form again: refused
    assert admin_login(factories.TEST_PASSWORD) == 302


def test_test_integration_cannot_change_a_superusers_email(integration, superuser_customer):
    response = patch_customer(integration.token(), superuser_customer, email="attacker@example.com")

    assert response.status_code == 422
    assert first_error(response)["source"]["pointer"] == "/data/attributes/email"
    boss = get_user_model().objects.get(username="boss@example.com")
    assert boss.email == "boss@example.com"
    superuser_customer.refresh_from_db()
    assert superuser_customer.email == "boss@example.com"


def test_plain_staff_accounts_are_protected_too(integration, db):
    clerk = factories.UserFactory(username="clerk@example.com", is_staff=True)
    customer = services.ensure_customer_for_user(clerk, "test")

    response = patch_customer(integration.token(), customer, password=NEW_PASSWORD)

    assert response.status_code == 422
    clerk.refresh_from_db()
    assert not clerk.check_password(NEW_PASSWORD)


def test_test_key_cannot_set_the_password_of_a_live_customers_login(integration, db):
    live = wallet_customer(mode="live")
    test_twin = Customer.objects.create(mode="test", email=live.email, user=live.user)

    response = patch_customer(integration.token(), test_twin, password=NEW_PASSWORD)

    assert response.status_code == 422
    assert first_error(response)["source"]["pointer"] == "/data/attributes/password"
    live.user.refresh_from_db()
    assert live.user.check_password(factories.TEST_PASSWORD)


def test_a_login_linked_in_both_modes_is_protected_even_if_the_wallet_created_it(integration, db):
    test_customer = wallet_customer(mode="test")
    Customer.objects.create(mode="live", email=test_customer.email, user=test_customer.user)

    response = patch_customer(integration.token(), test_customer, password=NEW_PASSWORD)

    assert response.status_code == 422
    test_customer.user.refresh_from_db()
    assert not test_customer.user.check_password(NEW_PASSWORD)


def test_a_shop_users_password_is_not_the_wallets_to_change(integration, db):
    shop_user = factories.UserFactory(username="member@example.com")
    customer = factories.CustomerFactory(user=shop_user)

    response = patch_customer(integration.token(), customer, password=NEW_PASSWORD)

    assert response.status_code == 422
    assert first_error(response)["source"]["pointer"] == "/data/attributes/password"
    shop_user.refresh_from_db()
    assert shop_user.check_password(factories.TEST_PASSWORD)


def test_a_shop_users_email_is_not_the_wallets_to_change(integration, db):
    shop_user = factories.UserFactory(username="member@example.com")
    customer = factories.CustomerFactory(user=shop_user)

    response = patch_customer(integration.token(), customer, email="other@example.com")

    assert response.status_code == 422
    assert first_error(response)["source"]["pointer"] == "/data/attributes/email"
    shop_user.refresh_from_db()
    assert shop_user.email == "member@example.com"


def test_the_login_the_wallet_created_can_be_changed_by_an_integration(integration, db):
    customer = wallet_customer()

    response = patch_customer(
        integration.token(), customer, password=NEW_PASSWORD, email="moved@example.com"
    )

    assert response.status_code == 200
    customer.user.refresh_from_db()
    assert customer.user.check_password(NEW_PASSWORD)
    assert customer.user.email == "moved@example.com"


def test_creating_a_customer_marks_the_login_as_the_wallets(db):
    assert wallet_customer().user_created_by_wallet is True
    shop_user = factories.UserFactory()
    assert services.ensure_customer_for_user(shop_user, "test").user_created_by_wallet is False


# --- a customer changes their own password -------------------------------------------------


def test_customer_needs_the_current_password(sales_channel, db):
    customer = wallet_customer()
    token = sales_channel.customer_token(customer.email)["access_token"]

    response = patch_customer(token, customer, password=NEW_PASSWORD)

    assert response.status_code == 422
    assert first_error(response)["source"]["pointer"] == "/data/attributes/current_password"
    customer.user.refresh_from_db()
    assert customer.user.check_password(factories.TEST_PASSWORD)


def test_customer_with_a_wrong_current_password_is_refused(sales_channel, db):
    customer = wallet_customer()
    token = sales_channel.customer_token(customer.email)["access_token"]

    response = patch_customer(
        token, customer, password=NEW_PASSWORD, current_password="not-my-password"
    )

    assert response.status_code == 422
    assert first_error(response)["source"]["pointer"] == "/data/attributes/current_password"
    customer.user.refresh_from_db()
    assert not customer.user.check_password(NEW_PASSWORD)


def test_customer_with_the_current_password_changes_it(sales_channel, db):
    customer = wallet_customer()
    token = sales_channel.customer_token(customer.email)["access_token"]

    response = patch_customer(
        token, customer, password=NEW_PASSWORD, current_password=factories.TEST_PASSWORD
    )

    assert response.status_code == 200
    assert "current_password" not in response.json()["data"]["attributes"]
    customer.user.refresh_from_db()
    assert customer.user.check_password(NEW_PASSWORD)


def test_current_password_cannot_be_set_on_create(integration, db):
    body = {
        "data": {
            "type": "customers",
            "attributes": {"email": "new@example.com", "current_password": "anything-1"},
        }
    }
    response = Client().post(
        "/api/customers",
        json.dumps(body),
        content_type=JSONAPI,
        HTTP_ACCEPT=JSONAPI,
        **bearer(integration.token()),
    )
    assert response.status_code == 400
    assert not Customer.objects.filter(email="new@example.com").exists()


# --- revocation ------------------------------------------------------------------------------


def test_a_new_password_revokes_the_users_tokens(integration, sales_channel, db):
    customer = wallet_customer()
    old = sales_channel.customer_token(customer.email)
    assert Client().get("/api/customers", **bearer(old["access_token"])).status_code == 200

    assert patch_customer(integration.token(), customer, password=NEW_PASSWORD).status_code == 200

    assert Client().get("/api/customers", **bearer(old["access_token"])).status_code == 401
    refresh = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=old["refresh_token"]
    )
    assert refresh.status_code in (400, 401)
    assert not get_access_token_model().objects.filter(user=customer.user).exists()


def test_the_customers_own_token_survives_its_password_change_but_not_the_others(sales_channel, db):
    customer = wallet_customer()
    other = sales_channel.customer_token(customer.email)["access_token"]
    mine = sales_channel.customer_token(customer.email)["access_token"]

    response = patch_customer(
        mine, customer, password=NEW_PASSWORD, current_password=factories.TEST_PASSWORD
    )

    assert response.status_code == 200
    assert Client().get("/api/customers", **bearer(mine)).status_code == 200
    assert Client().get("/api/customers", **bearer(other)).status_code == 401


def test_a_new_password_ends_the_users_storefront_sessions(integration, db):
    customer = wallet_customer()
    browser = Client()
    assert browser.login(username=customer.email, password=factories.TEST_PASSWORD)
    assert browser.get("/wallet/").status_code == 200

    assert patch_customer(integration.token(), customer, password=NEW_PASSWORD).status_code == 200

    response = browser.get("/wallet/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_session_customer_changing_their_password_stays_signed_in(db):
    customer = wallet_customer()
    browser = Client(enforce_csrf_checks=False)
    assert browser.login(username=customer.email, password=factories.TEST_PASSWORD)
    other_browser = Client()
    assert other_browser.login(username=customer.email, password=factories.TEST_PASSWORD)
    body = {
        "data": {
            "type": "customers",
            "id": customer.pk,
            "attributes": {"password": NEW_PASSWORD, "current_password": factories.TEST_PASSWORD},
        }
    }

    response = browser.patch(
        f"/api/customers/{customer.pk}",
        json.dumps(body),
        content_type=JSONAPI,
        HTTP_ACCEPT=JSONAPI,
    )

    assert response.status_code == 200
    assert browser.get("/wallet/").status_code == 200
    assert other_browser.get("/wallet/").status_code == 302


# --- signups race safely -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serializes writes: no race to lose"
)
def test_parallel_signups_with_one_email_never_answer_500(make_credential, generous_rate_limits):
    import threading

    from django.db import connection as thread_connection

    token = make_credential("integration", "test").token()
    body = json.dumps(
        {
            "data": {
                "type": "customers",
                "attributes": {"email": "race@example.com", "password": "s3cret-pass"},
            }
        }
    )
    barrier = threading.Barrier(30)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def signup() -> None:
        try:
            barrier.wait()
            response = Client(raise_request_exception=False).post(
                "/api/customers", body, content_type=JSONAPI, HTTP_ACCEPT=JSONAPI, **bearer(token)
            )
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=signup) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _body in answers)
    assert len(statuses) == 30
    assert statuses.count(201) == 1, statuses
    assert set(statuses) == {201, 422}, statuses
    for status, document in answers:
        if status == 422:
            assert document["errors"][0]["meta"]["error"] == "taken", document
    assert Customer.objects.filter(email="race@example.com").count() == 1
    assert get_user_model().objects.filter(email__iexact="race@example.com").count() == 1
