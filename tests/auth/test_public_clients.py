"""Sales channels are public clients (client id only) unless confidential; integrations never."""

import base64
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from oauth2_provider.models import AccessToken, Application

from tests import factories
from tests.support.tokens import PROBE, bearer
from wallet import ratelimit
from wallet.models import ApiCredential
from wallet.oauth import create_credential, ensure_demo_credential, is_public, set_confidential

pytestmark = pytest.mark.urls("tests.auth.urls")


@pytest.fixture
def shopper(db):
    """A customer in test mode who logs in with email and ``TEST_PASSWORD``."""
    return factories.CustomerFactory(mode="test")


def post_token(client, json_body: bool = False, **params):
    """POST /oauth/token with exactly ``params`` (no secret unless given)."""
    if json_body:
        return client.post("/oauth/token", json.dumps(params), "application/json")
    return client.post("/oauth/token", params)


# --- defaults ----------------------------------------------------------------------------------


def test_sales_channels_are_public_by_default(sales_channel):
    assert sales_channel.model.application.client_type == Application.CLIENT_PUBLIC
    assert is_public(sales_channel.model.application)


def test_integrations_are_confidential(integration):
    assert integration.model.application.client_type == Application.CLIENT_CONFIDENTIAL
    assert not is_public(integration.model.application)


def test_an_integration_cannot_be_created_public(db):
    with pytest.raises(ValidationError) as raised:
        create_credential(name="x", kind="integration", mode="test", confidential=False)
    assert "confidential" in raised.value.message_dict
    assert not ApiCredential.objects.exists()


def test_an_integration_cannot_be_made_public(integration):
    with pytest.raises(ValidationError):
        set_confidential(integration.model, False)


def test_a_public_integration_application_still_needs_its_secret(integration):
    Application.objects.filter(pk=integration.model.application.pk).update(
        client_type=Application.CLIENT_PUBLIC
    )
    response = post_token(
        integration.client, grant_type="client_credentials", client_id=integration.client_id
    )
    assert response.status_code == 401


# --- public sales channels -----------------------------------------------------------------


def test_public_sales_channel_gets_a_guest_token_with_its_client_id_only(sales_channel):
    response = post_token(
        sales_channel.client, grant_type="client_credentials", client_id=sales_channel.client_id
    )
    assert response.status_code == 200, response.content
    probe = sales_channel.client.get(PROBE, **bearer(response.json()["access_token"]))
    assert probe.json()["role"] == "sales_channel"


def test_public_sales_channel_client_id_only_in_a_json_body(sales_channel):
    response = post_token(
        sales_channel.client,
        json_body=True,
        grant_type="client_credentials",
        client_id=sales_channel.client_id,
    )
    assert response.status_code == 200


def test_public_sales_channel_with_basic_auth_and_an_empty_secret(sales_channel):
    header = "Basic " + base64.b64encode(f"{sales_channel.client_id}:".encode()).decode()
    response = sales_channel.client.post(
        "/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 200


def test_public_sales_channel_with_its_right_secret_still_works(sales_channel):
    assert sales_channel.token_request(grant_type="client_credentials").status_code == 200


def test_public_sales_channel_with_a_wrong_secret_is_refused(sales_channel):
    response = post_token(
        sales_channel.client,
        grant_type="client_credentials",
        client_id=sales_channel.client_id,
        client_secret="wrong",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_public_sales_channel_with_a_wrong_basic_secret_is_refused(sales_channel):
    header = "Basic " + base64.b64encode(f"{sales_channel.client_id}:wrong".encode()).decode()
    response = sales_channel.client.post(
        "/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401


def test_unknown_client_id_without_secret_is_invalid_client(db, client):
    response = post_token(client, grant_type="client_credentials", client_id="nope")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_foreign_public_application_is_refused(db, client):
    foreign = Application.objects.create(
        name="foreign",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    response = post_token(client, grant_type="client_credentials", client_id=foreign.client_id)
    assert response.status_code == 401


def test_public_password_grant_needs_no_secret(sales_channel, shopper):
    response = post_token(
        sales_channel.client,
        grant_type="password",
        client_id=sales_channel.client_id,
        username=shopper.email,
        password=factories.TEST_PASSWORD,
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner_id"] == shopper.pk


def test_public_password_grant_still_checks_the_password(sales_channel, shopper):
    response = post_token(
        sales_channel.client,
        grant_type="password",
        client_id=sales_channel.client_id,
        username=shopper.email,
        password="wrong-password",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_public_refresh_grant_needs_no_secret(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    response = post_token(
        sales_channel.client,
        grant_type="refresh_token",
        client_id=sales_channel.client_id,
        refresh_token=body["refresh_token"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["refresh_token"] != body["refresh_token"]


def test_public_refresh_token_is_single_use(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    params = {
        "grant_type": "refresh_token",
        "client_id": sales_channel.client_id,
        "refresh_token": body["refresh_token"],
    }
    assert post_token(sales_channel.client, **params).status_code == 200
    assert post_token(sales_channel.client, **params).status_code == 400


def test_public_refresh_token_of_another_sales_channel_is_refused(
    sales_channel, make_credential, shopper
):
    other = make_credential("sales_channel", "test", name="other shop")
    body = sales_channel.customer_token(shopper.email)
    response = post_token(
        other.client,
        grant_type="refresh_token",
        client_id=other.client_id,
        refresh_token=body["refresh_token"],
    )
    assert response.status_code == 400


def test_public_sales_channel_revokes_with_its_client_id_only(sales_channel, shopper):
    token = sales_channel.customer_token(shopper.email)["access_token"]
    response = sales_channel.client.post(
        "/oauth/revoke", {"token": token, "client_id": sales_channel.client_id}
    )
    assert response.status_code == 200
    assert sales_channel.client.get(PROBE, **bearer(token)).status_code == 401


# --- confidential sales channels -------------------------------------------------------------


@pytest.fixture
def confidential_channel(make_credential, sales_channel):
    """The sales channel, marked confidential by the shop."""
    set_confidential(sales_channel.model, True)
    return sales_channel


def test_confidential_sales_channel_needs_its_secret(confidential_channel):
    response = post_token(
        confidential_channel.client,
        grant_type="client_credentials",
        client_id=confidential_channel.client_id,
    )
    assert response.status_code == 401
    assert confidential_channel.token_request(grant_type="client_credentials").status_code == 200


def test_confidential_sales_channel_password_grant_needs_its_secret(confidential_channel, shopper):
    response = post_token(
        confidential_channel.client,
        grant_type="password",
        client_id=confidential_channel.client_id,
        username=shopper.email,
        password=factories.TEST_PASSWORD,
    )
    assert response.status_code == 401


def test_confidential_tokens_say_so(confidential_channel):
    token = confidential_channel.token()
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["application"]["public"] is False
    assert claims["application"]["confidential"] is True


def test_a_sales_channel_can_be_created_confidential(db):
    credential, _secret = create_credential(
        name="server shop", kind="sales_channel", mode="test", confidential=True
    )
    assert not is_public(credential.application)


def test_command_creates_a_confidential_sales_channel(db):
    out = StringIO()
    call_command(
        "wallet_create_client",
        "--name=back office",
        "--kind=sales_channel",
        "--mode=test",
        "--confidential",
        "--json",
        stdout=out,
    )
    client_id = json.loads(out.getvalue())["client_id"]
    assert not is_public(Application.objects.get(client_id=client_id))


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged(db, client):
    """A client logged in as a superuser."""
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_creates_a_confidential_sales_channel(admin_client_logged):
    response = admin_client_logged.post(
        "/admin/wallet/apicredential/add/",
        {"name": "pos", "kind": "sales_channel", "mode": "test", "confidential": "on"},
    )
    assert response.status_code == 200
    assert not is_public(ApiCredential.objects.get().application)


def test_admin_creates_a_public_sales_channel_by_default(admin_client_logged):
    admin_client_logged.post(
        "/admin/wallet/apicredential/add/",
        {"name": "storefront", "kind": "sales_channel", "mode": "test"},
    )
    assert is_public(ApiCredential.objects.get().application)


def test_admin_marks_a_sales_channel_confidential(admin_client_logged, sales_channel):
    admin_client_logged.post(
        "/admin/wallet/apicredential/",
        {"action": "mark_confidential", "_selected_action": [sales_channel.model.pk]},
    )
    sales_channel.model.application.refresh_from_db()
    assert not is_public(sales_channel.model.application)


def test_admin_never_makes_an_integration_public(admin_client_logged, integration):
    admin_client_logged.post(
        "/admin/wallet/apicredential/",
        {"action": "mark_public", "_selected_action": [integration.model.pk]},
    )
    integration.model.application.refresh_from_db()
    assert integration.model.application.client_type == Application.CLIENT_CONFIDENTIAL


# --- guessing is rate-limited per IP -------------------------------------------------------


@pytest.fixture
def tight_token_limit(settings):
    """Two token requests per minute and IP."""
    settings.WALLET = {"RATE_LIMITS": {"token": [(2, 60)]}}


def test_client_id_only_requests_are_limited_per_ip(sales_channel, tight_token_limit, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_000.0)
    params = {"grant_type": "client_credentials", "client_id": sales_channel.client_id}
    statuses = [
        sales_channel.client.post("/oauth/token", params, REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    other_ip = sales_channel.client.post("/oauth/token", params, REMOTE_ADDR="10.0.0.2")
    assert other_ip.status_code == 200


def test_guessed_client_ids_count_against_the_ip(db, client, tight_token_limit, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_000.0)
    statuses = [
        client.post(
            "/oauth/token", {"grant_type": "client_credentials", "client_id": f"guess{n}"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]


# --- the demo's credentials ------------------------------------------------------------------


def test_demo_sales_channel_is_public_and_integration_confidential(db):
    channel, _secret = ensure_demo_credential(name="Demo", kind="sales_channel", mode="test")
    integration, _secret = ensure_demo_credential(name="Demo", kind="integration", mode="test")
    assert is_public(channel.application)
    assert not is_public(integration.application)


def test_demo_sales_channel_marked_confidential_is_made_public_again(db):
    channel, _secret = ensure_demo_credential(name="Demo", kind="sales_channel", mode="test")
    set_confidential(channel, True)
    again, _secret = ensure_demo_credential(name="Demo", kind="sales_channel", mode="test")
    again.application.refresh_from_db()
    assert is_public(again.application)
