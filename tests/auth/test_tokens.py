"""POST /oauth/token and /oauth/revoke: grants per credential kind, answers, lifecycle."""

import json
import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from tests import factories
from tests.support.tokens import PROBE, bearer
from wallet.models import Customer
from wallet.oauth import WalletOAuth2Validator
from wallet.services import create_customer

pytestmark = pytest.mark.urls("tests.auth.urls")


@pytest.fixture
def shopper(db):
    """A customer in test mode who logs in with email and ``TEST_PASSWORD``."""
    return factories.CustomerFactory(mode="test")


# --- client credentials ----------------------------------------------------------------------


def test_client_credentials_answers_commerce_layer_fields(integration):
    before = int(time.time())
    response = integration.token_request(grant_type="client_credentials")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"]
    assert before - 1 <= body["created_at"] <= int(time.time()) + 1
    assert len(body["access_token"]) >= 30
    assert "owner_id" not in body and "refresh_token" not in body


def test_client_credentials_accepts_a_json_body(integration):
    response = integration.token_request(json_body=True, grant_type="client_credentials")
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_client_credentials_accepts_http_basic_authentication(integration):
    response = integration.client.post(
        "/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=integration.basic_auth(),
    )
    assert response.status_code == 200


def test_sales_channel_gets_a_guest_token(sales_channel):
    response = sales_channel.token_request(grant_type="client_credentials")
    assert response.status_code == 200
    assert "owner_id" not in response.json()


def test_token_is_stored_only_as_a_checksum(integration):
    token = integration.token()
    stored = AccessToken.objects.get()
    assert stored.token == ""
    assert token not in stored.token_checksum


@override_settings(WALLET={"ACCESS_TOKEN_EXPIRE_SECONDS": 600})
def test_token_lifetime_follows_the_wallet_setting(integration):
    response = integration.token_request(grant_type="client_credentials")
    assert response.json()["expires_in"] == 600
    stored = AccessToken.objects.get()
    assert abs((stored.expires - timezone.now()).total_seconds() - 600) < 30


def test_wrong_secret_is_invalid_client(integration):
    # Another last character: a random secret ending in "x" made "x" the right one (1 in 64).
    last = "y" if integration.secret.endswith("x") else "x"
    response = integration.client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": integration.client_id,
            "client_secret": integration.secret[:-1] + last,
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_unknown_client_is_invalid_client(integration):
    response = integration.client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "nope"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_application_without_wallet_credential_is_refused(integration):
    foreign = Application.objects.create(
        name="foreign",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="foreign-secret",
    )
    response = integration.client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": foreign.client_id,
            "client_secret": "foreign-secret",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unsupported_grant_type_is_refused(integration):
    response = integration.token_request(grant_type="authorization_code", code="abc")
    assert response.status_code == 400
    assert response.json()["error"] in {"unauthorized_client", "invalid_grant", "invalid_request"}
    assert not AccessToken.objects.exists()


def test_malformed_json_body_is_an_oauth_error(integration):
    response = integration.client.post("/oauth/token", "{not json", "application/json")
    assert response.status_code in (400, 401)
    assert "error" in response.json()


# --- password grant (customer tokens) --------------------------------------------------------


def test_password_grant_gives_a_customer_token(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    assert body["owner_id"] == shopper.pk
    assert body["owner_type"] == "customer"
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["refresh_token"]
    probe = sales_channel.client.get(PROBE, **bearer(body["access_token"]))
    assert probe.json()["role"] == "customer"
    assert probe.json()["customer_id"] == shopper.pk


def test_password_grant_accepts_a_json_body(sales_channel, shopper):
    response = sales_channel.token_request(
        json_body=True,
        grant_type="password",
        username=shopper.email,
        password=factories.TEST_PASSWORD,
    )
    assert response.status_code == 200
    assert response.json()["owner_id"] == shopper.pk


def test_password_grant_email_is_case_insensitive(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email.upper())
    assert body["owner_id"] == shopper.pk


def test_wrong_password_is_invalid_grant(sales_channel, shopper):
    response = sales_channel.token_request(
        grant_type="password", username=shopper.email, password="wrong-password"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_unknown_email_is_invalid_grant(sales_channel, shopper):
    response = sales_channel.token_request(
        grant_type="password", username="nobody@example.com", password=factories.TEST_PASSWORD
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_integration_may_not_use_the_password_grant(integration, shopper):
    response = integration.token_request(
        grant_type="password", username=shopper.email, password=factories.TEST_PASSWORD
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert "sales channel" in response.json()["error_description"]
    assert not AccessToken.objects.exists()


def test_integration_password_grant_does_not_reveal_a_wrong_password(integration, shopper):
    response = integration.token_request(
        grant_type="password", username=shopper.email, password="wrong-password"
    )
    assert response.json()["error"] == "unauthorized_client"


def test_password_grant_needs_a_customer_in_the_credentials_mode(make_credential, shopper):
    live_channel = make_credential("sales_channel", "live")
    response = live_channel.token_request(
        grant_type="password", username=shopper.email, password=factories.TEST_PASSWORD
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_password_grant_refuses_a_user_without_customer(sales_channel):
    user = factories.UserFactory()
    response = sales_channel.token_request(
        grant_type="password", username=user.email, password=factories.TEST_PASSWORD
    )
    assert response.json()["error"] == "invalid_grant"


def test_password_grant_refuses_an_inactive_user(sales_channel, shopper):
    shopper.user.is_active = False
    shopper.user.save()
    response = sales_channel.token_request(
        grant_type="password", username=shopper.email, password=factories.TEST_PASSWORD
    )
    assert response.json()["error"] == "invalid_grant"


def test_customer_created_with_a_password_can_get_a_token(sales_channel):
    customer = create_customer(mode="test", email="New.Buyer@example.com", password="s3cret-pass")
    body = sales_channel.customer_token("new.buyer@example.com", "s3cret-pass")
    assert body["owner_id"] == customer.pk


def test_customer_created_with_a_password_can_log_in_to_the_storefront(db):
    create_customer(mode="test", email="buyer@example.com", password="s3cret-pass")
    assert Client().login(username="buyer@example.com", password="s3cret-pass")


# --- lifecycle: expiry, refresh, revocation --------------------------------------------------


def test_expired_token_is_invalid(integration):
    token = integration.token()
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = integration.client.get(PROBE, **bearer(token))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "INVALID_TOKEN"


def test_token_is_valid_until_it_expires(integration):
    token = integration.token()
    AccessToken.objects.update(expires=timezone.now() + timedelta(seconds=5))
    assert integration.client.get(PROBE, **bearer(token)).status_code == 200


def test_refresh_token_gives_a_new_customer_token(sales_channel, shopper):
    first = sales_channel.customer_token(shopper.email)
    response = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert response.status_code == 200
    second = response.json()
    assert second["access_token"] != first["access_token"]
    assert second["owner_id"] == shopper.pk
    assert second["owner_type"] == "customer"
    assert sales_channel.client.get(PROBE, **bearer(second["access_token"])).status_code == 200
    # Rotation revokes the previous pair.
    assert sales_channel.client.get(PROBE, **bearer(first["access_token"])).status_code == 401


def test_used_refresh_token_cannot_be_reused(sales_channel, shopper):
    first = sales_channel.customer_token(shopper.email)
    sales_channel.token_request(grant_type="refresh_token", refresh_token=first["refresh_token"])
    again = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_refresh_token_of_another_credential_is_refused(make_credential, shopper):
    channel = make_credential("sales_channel", "test")
    other = make_credential("sales_channel", "test")
    first = channel.customer_token(shopper.email)
    response = other.token_request(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_revoked_access_token_is_invalid(integration):
    token = integration.token()
    assert integration.client.get(PROBE, **bearer(token)).status_code == 200
    response = integration.client.post(
        "/oauth/revoke",
        {"client_id": integration.client_id, "client_secret": integration.secret, "token": token},
    )
    assert response.status_code == 200
    assert not AccessToken.objects.exists()
    assert integration.client.get(PROBE, **bearer(token)).status_code == 401


def test_revoke_accepts_a_json_body(integration):
    token = integration.token()
    response = integration.client.post(
        "/oauth/revoke",
        json.dumps(
            {
                "client_id": integration.client_id,
                "client_secret": integration.secret,
                "token": token,
            }
        ),
        "application/json",
    )
    assert response.status_code == 200
    assert integration.client.get(PROBE, **bearer(token)).status_code == 401


def test_revoking_a_customer_token_also_revokes_its_refresh_token(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    sales_channel.client.post(
        "/oauth/revoke",
        {
            "client_id": sales_channel.client_id,
            "client_secret": sales_channel.secret,
            "token": body["access_token"],
        },
    )
    refreshed = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert refreshed.status_code == 400
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0


def test_another_credential_cannot_revoke_a_token(make_credential):
    owner = make_credential("integration", "test")
    other = make_credential("integration", "test")
    token = owner.token()
    other.client.post(
        "/oauth/revoke",
        {"client_id": other.client_id, "client_secret": other.secret, "token": token},
    )
    assert owner.client.get(PROBE, **bearer(token)).status_code == 200


def test_revoke_with_a_wrong_secret_is_invalid_client(integration):
    token = integration.token()
    response = integration.client.post(
        "/oauth/revoke",
        {"client_id": integration.client_id, "client_secret": "wrong", "token": token},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert integration.client.get(PROBE, **bearer(token)).status_code == 200


def test_deleting_the_credential_invalidates_its_tokens(integration):
    token = integration.token()
    integration.model.application.delete()
    assert integration.client.get(PROBE, **bearer(token)).status_code == 401


def test_unknown_grant_type_is_unsupported(integration):
    response = integration.token_request(grant_type="magic")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_revoking_an_unknown_token_answers_200(integration):
    response = integration.client.post(
        "/oauth/revoke",
        {"client_id": integration.client_id, "client_secret": integration.secret, "token": "nope"},
    )
    assert response.status_code == 200


def test_client_credentials_token_query_count(integration, django_assert_num_queries):
    # The application, its credential, the token insert (savepoint, insert, release) and DOT's
    # lookup of the new token for its signal; created_at comes from the JWT, not the database.
    with django_assert_num_queries(6) as captured:
        response = integration.token_request(grant_type="client_credentials")
    assert response.status_code == 200, [q["sql"][:80] for q in captured.captured_queries]


def test_refresh_is_refused_once_the_user_is_deactivated(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    shopper.user.is_active = False
    shopper.user.save()
    response = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_refresh_is_refused_once_the_customer_is_unlinked(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    Customer.objects.filter(pk=shopper.pk).update(user=None)
    response = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert response.json()["error"] == "invalid_grant"


def test_token_endpoint_needs_no_csrf_token(integration):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": integration.client_id,
            "client_secret": integration.secret,
        },
    )
    assert response.status_code == 200
    revoke = client.post(
        "/oauth/revoke",
        {
            "client_id": integration.client_id,
            "client_secret": integration.secret,
            "token": response.json()["access_token"],
        },
    )
    assert revoke.status_code == 200


def test_database_outage_is_a_json_503(integration, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(WalletOAuth2Validator, "_load_application", unavailable)
    response = integration.token_request(grant_type="client_credentials")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "temporarily_unavailable"


# --- Commerce Layer's scopes and revoke answer -----------------------------------------------


def test_requested_scope_is_echoed(integration):
    response = integration.token_request(grant_type="client_credentials", scope="market:all")
    assert response.json()["scope"] == "market:all"
    assert AccessToken.objects.get().scope == "market:all"


def test_requested_scope_does_not_change_the_role(integration):
    token = integration.token_request(
        grant_type="client_credentials", scope="market:id:abc"
    ).json()["access_token"]
    assert integration.client.get(PROBE, **bearer(token)).json()["role"] == "integration"


def test_malformed_scope_gets_the_default(integration):
    response = integration.token_request(grant_type="client_credentials", scope='a"b')
    assert response.status_code == 200
    assert response.json()["scope"] == "read write"


def test_too_many_scopes_get_the_default(integration):
    scope = " ".join(f"s{n}" for n in range(11))
    response = integration.token_request(grant_type="client_credentials", scope=scope)
    assert response.json()["scope"] == "read write"


def test_refresh_keeps_the_scope_of_the_login(sales_channel, shopper):
    body = sales_channel.token_request(
        grant_type="password",
        username=shopper.email,
        password=factories.TEST_PASSWORD,
        scope="market:all",
    ).json()
    refreshed = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert refreshed.json()["scope"] == "market:all"


def test_revoke_answers_an_empty_json_object(integration):
    token = integration.token()
    response = integration.client.post(
        "/oauth/revoke",
        {"token": token, "client_id": integration.client_id, "client_secret": integration.secret},
    )
    assert response.status_code == 200
    assert response.json() == {}


def test_token_errors_also_carry_commerce_layer_errors(integration):
    response = integration.token_request(grant_type="client_credentials", client_secret="wrong")
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["errors"] == [
        {
            "title": "Invalid client",
            "detail": body.get("error_description") or "invalid client",
            "code": "INVALID_CLIENT",
            "status": "401",
        }
    ]


def test_wrong_password_error_has_the_invalid_grant_code(sales_channel, shopper):
    response = sales_channel.token_request(
        grant_type="password", username=shopper.email, password="wrong"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_GRANT"


# --- malformed bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            "grant_type=client_credentials&client_id=a%00b&client_secret=x",
            "application/x-www-form-urlencoded",
        ),
        (
            '{"grant_type": "password", "username": "a\\u0000b", "password": "x"}',
            "application/json",
        ),
    ],
)
def test_a_nul_character_at_the_token_endpoint_is_an_invalid_request(
    db, client, body, content_type
):
    response = client.post("/oauth/token", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_deeply_nested_json_body_at_the_token_endpoint_is_no_server_error(db, client):
    response = client.post(
        "/oauth/token", "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
