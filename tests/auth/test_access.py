"""resolve_access: bearer tokens map to their credential's role and mode, sessions to customers."""

import pytest
from django.test import Client, RequestFactory, override_settings

from tests import factories
from tests.support.tokens import PROBE, bearer
from wallet.api.access import INTEGRATION, bearer_token, resolve_access
from wallet.models import Customer

pytestmark = pytest.mark.urls("tests.auth.urls")


def probe(token: str | None = None, client: Client | None = None, **extra):
    """GET the probe with a bearer token (or none)."""
    headers = bearer(token) if token is not None else {}
    return (client or Client()).get(PROBE, **headers, **extra)


@pytest.mark.parametrize("mode", ["test", "live"])
@pytest.mark.parametrize("kind", ["integration", "sales_channel"])
def test_client_token_has_the_credentials_role_and_mode(make_credential, kind, mode):
    credential = make_credential(kind, mode)
    response = probe(credential.token())
    assert response.status_code == 200
    assert response.json() == {
        "role": kind,
        "mode": mode,
        "customer_id": None,
        "who": {"application": {"id": credential.client_id, "kind": kind}},
    }


@pytest.mark.parametrize("mode", ["test", "live"])
def test_customer_token_is_scoped_to_the_customer_of_its_mode(make_credential, mode):
    user = factories.UserFactory()
    test_customer = factories.CustomerFactory(user=user, mode="test")
    live_customer = factories.CustomerFactory(user=user, mode="live")
    channel = make_credential("sales_channel", mode)
    token = channel.customer_token(user.email)["access_token"]
    expected = test_customer if mode == "test" else live_customer
    body = probe(token).json()
    assert body["role"] == "customer"
    assert body["mode"] == mode
    assert body["customer_id"] == expected.pk
    assert body["who"]["owner"] == {"id": expected.pk, "type": "customer"}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-real-token",
        "Bearer two parts",
        "Bearer " + "x" * 600,
        "",
    ],
)
def test_malformed_or_unknown_token_is_invalid(integration, header):
    integration.token()
    response = Client().get(PROBE, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "INVALID_TOKEN"


def test_missing_token_is_invalid(db):
    assert probe().status_code == 401


def test_bearer_scheme_is_case_insensitive(integration):
    token = integration.token()
    response = Client().get(PROBE, HTTP_AUTHORIZATION=f"bearer {token}")
    assert response.status_code == 200


def test_customer_token_dies_with_the_customer_link(sales_channel):
    customer = factories.CustomerFactory()
    token = sales_channel.customer_token(customer.email)["access_token"]
    Customer.objects.filter(pk=customer.pk).update(user=None)
    assert probe(token).status_code == 401


def test_customer_token_dies_when_the_user_is_deactivated(sales_channel):
    customer = factories.CustomerFactory()
    token = sales_channel.customer_token(customer.email)["access_token"]
    customer.user.is_active = False
    customer.user.save()
    assert probe(token).status_code == 401


def test_an_integration_token_is_one_query(integration, django_assert_num_queries):
    request = RequestFactory().get(PROBE, **bearer(integration.token()))

    with django_assert_num_queries(1):
        assert resolve_access(request) is not None


def test_a_customer_token_is_two_queries(sales_channel, django_assert_num_queries):
    customer = factories.CustomerFactory()
    token = sales_channel.customer_token(customer.email)["access_token"]
    request = RequestFactory().get(PROBE, **bearer(token))

    with django_assert_num_queries(2):  # the token and credential, then the user's customer
        assert resolve_access(request).scope.customer_id == customer.pk


def test_access_is_resolved_once_per_request(integration, django_assert_num_queries):
    request = RequestFactory().get(PROBE, **bearer(integration.token()))
    first = resolve_access(request)
    with django_assert_num_queries(0):
        assert resolve_access(request) is first


def test_bearer_token_parsing():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("  Bearer   abc  ") == "abc"
    assert bearer_token("Bearer a\tb") is None
    assert bearer_token("Basic abc") is None


# --- sessions --------------------------------------------------------------------------------


def test_session_customer_is_the_customer_role_in_wallet_mode(db):
    customer = factories.CustomerFactory(mode="test")
    client = Client()
    client.force_login(customer.user)
    body = probe(client=client).json()
    assert body["role"] == "customer"
    assert body["mode"] == "test"
    assert body["customer_id"] == customer.pk


@override_settings(WALLET={"MODE": "live"})
def test_session_customer_acts_in_the_configured_mode(db):
    user = factories.UserFactory()
    factories.CustomerFactory(user=user, mode="test")
    live = factories.CustomerFactory(user=user, mode="live")
    client = Client()
    client.force_login(user)
    body = probe(client=client).json()
    assert body == {
        "role": "customer",
        "mode": "live",
        "customer_id": live.pk,
        "who": {
            "application": {"id": None, "kind": "storefront"},
            "owner": {"id": live.pk, "type": "customer"},
        },
    }


def test_session_staff_is_an_integration(staff_user):
    client = Client()
    client.force_login(staff_user)
    body = probe(client=client).json()
    assert body["role"] == INTEGRATION
    assert body["customer_id"] is None
    assert not Customer.objects.filter(user=staff_user).exists()


def test_session_staff_without_superuser_rights_is_no_integration(db):
    staff = factories.UserFactory(username="clerk@example.com", is_staff=True)
    client = Client()
    client.force_login(staff)
    response = probe(client=client)
    # A customer like anyone else: without a wallet customer yet, a read is not authenticated.
    assert response.status_code == 401
    assert not Customer.objects.filter(user=staff).exists()


def test_inactive_session_user_is_refused(db):
    customer = factories.CustomerFactory()
    client = Client()
    client.force_login(customer.user)
    customer.user.is_active = False
    customer.user.save()
    assert probe(client=client).status_code == 401


def test_session_unsafe_method_needs_the_csrf_token(db):
    customer = factories.CustomerFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    response = client.post(PROBE, "{}", content_type="application/vnd.api+json")
    assert response.status_code == 401


def test_session_unsafe_method_with_the_csrf_token_passes(db):
    customer = factories.CustomerFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer.user)
    secret = "abcdefghijklmnopqrstuvwxyzABCDEF"  # a 32-character CSRF secret
    client.cookies["csrftoken"] = secret
    response = client.post(
        PROBE, "{}", content_type="application/vnd.api+json", HTTP_X_CSRFTOKEN=secret
    )
    assert response.status_code == 200
    assert response.json()["customer_id"] == customer.pk


def test_bearer_header_never_falls_back_to_the_session(staff_user):
    client = Client()
    client.force_login(staff_user)
    assert probe("not-a-token", client=client).status_code == 401


def test_rate_limited_api_request_resolves_the_caller_once(integration, django_assert_num_queries):
    token = integration.token()
    # The rate limiter and the view share one lookup of the token.
    with django_assert_num_queries(1):
        response = Client().get(PROBE, **bearer(token))
    assert response.status_code == 200
    assert "X-Ratelimit-Remaining" in response
