"""Access tokens are JWTs shaped as Commerce Layer's, verifiable with /.well-known/jwks.json."""

import base64
import json
import os
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from jwcrypto import jwk, jws, jwt
from oauth2_provider.models import AccessToken

from tests import factories
from tests.support.tokens import PROBE, bearer
from wallet import jwt_tokens
from wallet.api.access import MAX_TOKEN_LENGTH
from wallet.checks import check_jwt_settings

pytestmark = pytest.mark.urls("tests.auth.urls")


@pytest.fixture(scope="module")
def private_pem() -> str:
    """An RSA key for the tests that configure one."""
    return jwt_tokens.generate_private_key_pem().decode("ascii")


@pytest.fixture
def shopper(db):
    """A customer in test mode who logs in with email and ``TEST_PASSWORD``."""
    return factories.CustomerFactory(mode="test")


def verified_claims(token: str, client: Client | None = None, algs: tuple = ("RS512",)) -> dict:
    """The claims of ``token`` once its signature is checked against the served JWKS."""
    response = (client or Client()).get("/.well-known/jwks.json")
    keys = jwk.JWKSet.from_json(response.content)
    return json.loads(jwt.JWT(jwt=token, key=keys, algs=list(algs)).claims)


def header_of(token: str) -> dict:
    """The decoded JOSE header of a compact JWT."""
    encoded = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


# --- claims ----------------------------------------------------------------------------------


def test_integration_token_carries_commerce_layer_claims(integration):
    before = int(time.time())
    claims = verified_claims(integration.token())
    assert claims["application"] == {
        "id": str(integration.model.application.pk),
        "client_id": integration.client_id,
        "kind": "integration",
        "public": False,
        "confidential": True,
    }
    assert claims["test"] is True
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + 7200
    assert 0 <= claims["rand"] < 1
    assert claims["scope"]
    assert "owner" not in claims


def test_organization_claim_comes_from_the_settings(integration, settings):
    settings.WALLET = {"ORGANIZATION_SLUG": "acme", "ORGANIZATION_ID": "OrgAcme01"}
    claims = verified_claims(integration.token())
    assert claims["organization"] == {"id": "OrgAcme01", "slug": "acme"}


def test_organization_id_defaults_to_the_slug(integration, settings):
    settings.WALLET = {"ORGANIZATION_SLUG": "acme"}
    assert verified_claims(integration.token())["organization"] == {"id": "acme", "slug": "acme"}


def test_live_credential_token_is_not_test(make_credential):
    live = make_credential("integration", "live")
    assert verified_claims(live.token())["test"] is False


def test_customer_token_has_the_customer_as_owner(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    claims = verified_claims(body["access_token"])
    assert claims["owner"] == {"id": str(shopper.pk), "type": "Customer"}
    assert claims["application"]["kind"] == "sales_channel"
    assert claims["application"]["public"] is True


def test_refreshed_token_keeps_the_owner(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    refreshed = sales_channel.token_request(
        grant_type="refresh_token", refresh_token=body["refresh_token"]
    ).json()
    assert verified_claims(refreshed["access_token"])["owner"]["id"] == str(shopper.pk)


def test_refresh_token_is_an_opaque_string(sales_channel, shopper):
    body = sales_channel.customer_token(shopper.email)
    assert "." not in body["refresh_token"]


def test_issuer_defaults_to_the_origin_of_the_token_request(integration):
    response = integration.token_request(grant_type="client_credentials")
    assert verified_claims(response.json()["access_token"])["iss"] == "http://testserver"


def test_issuer_follows_the_setting(integration, settings):
    settings.WALLET = {"JWT_ISSUER": "https://auth.shop.example"}
    assert verified_claims(integration.token())["iss"] == "https://auth.shop.example"


def test_created_at_is_the_tokens_iat(integration):
    body = integration.token_request(grant_type="client_credentials").json()
    assert body["created_at"] == verified_claims(body["access_token"])["iat"]


def test_expiry_follows_the_wallet_setting(integration, settings):
    settings.WALLET = {"ACCESS_TOKEN_EXPIRE_SECONDS": 600}
    claims = verified_claims(integration.token())
    assert claims["exp"] - claims["iat"] == 600


def test_payload_base64_has_no_url_safe_only_characters(integration, settings):
    # Commerce Layer's SDK decodes the payload with atob(), which refuses "-" and "_".
    settings.WALLET = {"ORGANIZATION_SLUG": "a>b?c~d>>??~~", "JWT_ISSUER": "https://x/?a=>"}
    for _ in range(5):
        token = integration.token()
        payload = token.split(".")[1]
        assert "-" not in payload and "_" not in payload
        assert verified_claims(token)["organization"]["slug"] == "a>b?c~d>>??~~"


# --- signature and keys ----------------------------------------------------------------------


def test_header_names_the_algorithm_and_the_key(integration):
    header = header_of(integration.token())
    assert header["alg"] == "RS512"
    assert header["typ"] == "JWT"
    assert header["kid"] == jwt_tokens.key_id()


def test_jwks_publishes_only_the_public_key(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS512" and key["use"] == "sig"
    assert key["kid"] == jwt_tokens.key_id()
    assert {"n", "e"} <= set(key) and not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_jwks_refuses_other_methods(client):
    assert client.post("/.well-known/jwks.json").status_code == 405


def test_tampered_token_fails_verification(integration):
    header, payload, signature = integration.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["test"] = False
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    keys = jwk.JWKSet.from_json(Client().get("/.well-known/jwks.json").content)
    with pytest.raises(jws.InvalidJWSSignature):
        jws.JWS().deserialize(
            f"{header}.{forged}.{signature}",
            key=keys.get_key(header_of(f"{header}.{forged}.{signature}")["kid"]),
        )


def test_configured_pem_signs_the_tokens(integration, settings, private_pem):
    settings.WALLET = {"JWT_PRIVATE_KEY": private_pem}
    token = integration.token()
    key = jwk.JWK.from_pem(private_pem.encode())
    assert header_of(token)["kid"] == key.thumbprint()
    jwt.JWT(jwt=token, key=key, algs=["RS512"])  # raises unless signed by this key


def test_configured_key_file_signs_the_tokens(integration, settings, private_pem, tmp_path):
    path = tmp_path / "key.pem"
    path.write_text(private_pem)
    settings.WALLET = {"JWT_PRIVATE_KEY": str(path)}
    key = jwk.JWK.from_pem(private_pem.encode())
    assert header_of(integration.token())["kid"] == key.thumbprint()


def test_rs256_can_be_configured(integration, settings):
    settings.WALLET = {"JWT_ALGORITHM": "RS256"}
    token = integration.token()
    assert header_of(token)["alg"] == "RS256"
    assert verified_claims(token, algs=("RS256",))["application"]["kind"] == "integration"


def test_unknown_algorithm_is_a_configuration_error(settings):
    settings.WALLET = {"JWT_ALGORITHM": "HS256"}
    with pytest.raises(ImproperlyConfigured):
        jwt_tokens.algorithm()


def test_missing_key_file_is_a_configuration_error(settings, tmp_path):
    settings.WALLET = {"JWT_PRIVATE_KEY": str(tmp_path / "absent.pem")}
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        jwt_tokens.signing_key()


def test_a_non_rsa_pem_is_a_configuration_error(settings):
    settings.WALLET = {"JWT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nnope\n-----END"}
    with pytest.raises(ImproperlyConfigured):
        jwt_tokens.signing_key()


def test_without_a_configured_key_the_process_key_is_stable(settings):
    settings.WALLET = {}
    assert jwt_tokens.key_id() == jwt_tokens.key_id()


def test_key_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "keys" / "jwt.pem"
    jwt_tokens.ensure_private_key_file(path)
    first = path.read_bytes()
    jwt_tokens.ensure_private_key_file(path)
    assert path.read_bytes() == first
    assert first.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(path.parent.iterdir()) == [path]


# --- the database row stays the authority ----------------------------------------------------


def test_jwt_is_stored_only_as_a_checksum(integration):
    token = integration.token()
    stored = AccessToken.objects.get()
    assert stored.token == ""
    assert token.split(".")[2] not in stored.token_checksum


def test_jwt_authorizes_the_api(integration):
    token = integration.token()
    assert len(token) > 512
    assert len(token) <= MAX_TOKEN_LENGTH
    response = integration.client.get(PROBE, **bearer(token))
    assert response.json()["role"] == "integration"


def test_revoked_jwt_is_refused_although_its_signature_is_valid(integration):
    token = integration.token()
    response = integration.client.post(
        "/oauth/revoke",
        {"token": token, "client_id": integration.client_id, "client_secret": integration.secret},
    )
    assert response.status_code == 200
    assert verified_claims(token)["application"]["kind"] == "integration"
    assert integration.client.get(PROBE, **bearer(token)).status_code == 401


def test_expired_row_refuses_the_jwt(integration):
    token = integration.token()
    AccessToken.objects.update(expires="2000-01-01T00:00:00Z")
    assert integration.client.get(PROBE, **bearer(token)).status_code == 401


def test_a_well_signed_jwt_without_a_row_is_refused(integration):
    token = integration.token()
    AccessToken.objects.all().delete()
    assert integration.client.get(PROBE, **bearer(token)).status_code == 401


def test_bearer_longer_than_the_limit_is_refused_without_a_query(
    integration, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = integration.client.get(PROBE, **bearer("a" * (MAX_TOKEN_LENGTH + 1)))
    assert response.status_code == 401


# --- system check ----------------------------------------------------------------------------


def test_system_check_refuses_an_unreadable_key_file(settings, tmp_path):
    settings.WALLET = {"JWT_PRIVATE_KEY": str(tmp_path / "absent.pem")}
    [error] = check_jwt_settings()
    assert error.id == "wallet.E004"


def test_system_check_refuses_an_unknown_algorithm(settings):
    settings.WALLET = {"JWT_ALGORITHM": "none"}
    assert [error.id for error in check_jwt_settings()] == ["wallet.E004"]


def test_system_check_accepts_a_configured_key(settings, private_pem):
    settings.WALLET = {"JWT_PRIVATE_KEY": private_pem}
    assert check_jwt_settings() == []


# --- the demo project's key ------------------------------------------------------------------


def test_demo_project_keeps_its_key_in_a_file_across_restarts():
    from config import settings as demo

    if os.environ.get("WALLET_JWT_PRIVATE_KEY"):
        pytest.skip("WALLET_JWT_PRIVATE_KEY is set: the demo's own key file is not used")
    path = Path(demo.JWT_PRIVATE_KEY)
    assert path == demo.BASE_DIR / "var" / "jwt-private-key.pem"
    before = path.read_bytes()
    # A restart runs the settings again: the same file, the same key.
    assert jwt_tokens.ensure_private_key_file(path).read_bytes() == before
