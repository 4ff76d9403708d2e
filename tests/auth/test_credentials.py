"""Creating credentials: the wallet_create_client command and the admin."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from oauth2_provider.models import AccessToken, Application

from tests.support.tokens import PROBE, bearer
from wallet.models import ApiCredential
from wallet.oauth import ClientSecretHasher, ensure_demo_credential, rotate_secret

pytestmark = pytest.mark.urls("tests.auth.urls")
ROOT = Path(__file__).resolve().parents[2]


def create_client(*args: str) -> str:
    """Run ``wallet_create_client`` and return its standard output."""
    out = StringIO()
    call_command("wallet_create_client", *args, stdout=out)
    return out.getvalue()


def test_command_json_prints_one_object_whose_secret_works(db, client):
    output = create_client("--name", "ERP", "--kind", "integration", "--mode", "live", "--json")
    payload = json.loads(output)
    assert set(payload) == {"client_id", "client_secret", "kind", "mode"}
    assert (payload["kind"], payload["mode"]) == ("integration", "live")
    credential = ApiCredential.objects.get(application__client_id=payload["client_id"])
    assert (credential.kind, credential.mode, credential.application.name) == (
        "integration",
        "live",
        "ERP",
    )
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": payload["client_id"],
            "client_secret": payload["client_secret"],
        },
    )
    assert response.status_code == 200
    probe = client.get(PROBE, **bearer(response.json()["access_token"]))
    assert probe.json()["mode"] == "live"


def test_command_stores_the_secret_hashed(db, real_secret_hashing):
    payload = json.loads(
        create_client("--name", "Shop", "--kind", "sales_channel", "--mode", "test", "--json")
    )
    stored = Application.objects.get(client_id=payload["client_id"]).client_secret
    assert stored != payload["client_secret"]
    assert payload["client_secret"] not in stored
    assert stored.startswith("wallet_pbkdf2_sha256$10000$")
    assert ClientSecretHasher().verify(payload["client_secret"], stored)


def test_command_text_output_shows_id_and_secret(db):
    output = create_client("--name", "Shop", "--kind", "sales_channel", "--mode", "test")
    application = Application.objects.get()
    assert application.client_id in output
    assert "client_secret:" in output
    assert "sales channel" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "integration", "--mode", "test"], "--name"),
        (["--name", "X", "--kind", "admin", "--mode", "test"], "--kind"),
        (["--name", "X", "--kind", "integration", "--mode", "prod"], "--mode"),
        (["--name", "X", "--kind", "integration"], "--mode"),
        (["--name", "X" * 300, "--kind", "integration", "--mode", "test"], "too long"),
    ],
)
def test_command_refuses_bad_options(db, args, message):
    with pytest.raises(CommandError, match=message):
        create_client(*args)
    assert not ApiCredential.objects.exists()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "X", "--kind", "nope", "--mode", "test"],
        ["--name", "X", "--kind", "integration", "--mode", "test", "--bogus"],
    ],
)
def test_command_line_errors_are_one_line_and_non_zero(args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "wallet_create_client", "--skip-checks", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged(client, staff_user):
    client.force_login(staff_user)
    return client


def test_admin_creates_a_credential_and_shows_the_secret_once(admin_client_logged):
    response = admin_client_logged.post(
        "/admin/wallet/apicredential/add/",
        {"name": "Storefront", "kind": "sales_channel", "mode": "test"},
    )
    assert response.status_code == 200
    credential = ApiCredential.objects.select_related("application").get()
    assert (credential.kind, credential.mode) == ("sales_channel", "test")
    [(shown, secret)] = response.context["rows"]
    assert shown.pk == credential.pk
    assert secret and secret.encode() in response.content
    assert credential.application.client_id.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert secret not in credential.application.client_secret
    token = admin_client_logged.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": credential.application.client_id,
            "client_secret": secret,
        },
    )
    assert token.status_code == 200
    change = admin_client_logged.get(f"/admin/wallet/apicredential/{credential.pk}/change/")
    assert change.status_code == 200
    assert secret.encode() not in change.content


def test_admin_refuses_an_incomplete_form(admin_client_logged):
    response = admin_client_logged.post(
        "/admin/wallet/apicredential/add/", {"name": "", "kind": "integration", "mode": "test"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not ApiCredential.objects.exists()


def test_admin_kind_and_mode_cannot_change(admin_client_logged, integration):
    url = f"/admin/wallet/apicredential/{integration.model.pk}/change/"
    admin_client_logged.post(url, {"kind": "sales_channel", "mode": "live"})
    integration.model.refresh_from_db()
    assert (integration.model.kind, integration.model.mode) == ("integration", "test")


def test_admin_delete_removes_the_application_and_its_tokens(admin_client_logged, integration):
    token = integration.token()
    url = f"/admin/wallet/apicredential/{integration.model.pk}/delete/"
    response = admin_client_logged.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Application.objects.exists()
    assert not AccessToken.objects.exists()
    assert admin_client_logged.get(PROBE, **bearer(token)).status_code == 401


def test_admin_rotates_a_secret_and_shows_it_once(admin_client_logged, integration):
    old_token = integration.token()
    response = admin_client_logged.post(
        "/admin/wallet/apicredential/",
        {"action": "rotate_secrets", "_selected_action": [integration.model.pk]},
    )
    assert response.status_code == 200
    [(shown, secret)] = response.context["rows"]
    assert shown.pk == integration.model.pk
    assert secret.encode() in response.content
    old_secret = integration.secret
    assert integration.token_request(grant_type="client_credentials").status_code == 401
    integration.secret = secret
    assert integration.token_request(grant_type="client_credentials").status_code == 200
    assert secret != old_secret
    # Tokens issued before the rotation live on until they expire or are revoked.
    assert admin_client_logged.get(PROBE, **bearer(old_token)).status_code == 200


# --- demo credentials ------------------------------------------------------------------------


def test_demo_credential_is_created_once_with_a_stable_working_secret(db, client):
    first, secret = ensure_demo_credential(name="Demo integration", kind="integration", mode="test")
    again, same_secret = ensure_demo_credential(
        name="Demo integration", kind="integration", mode="test"
    )
    assert again.pk == first.pk and same_secret == secret
    assert ApiCredential.objects.count() == 1
    assert secret not in again.application.client_secret
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": first.application.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200


def test_demo_credential_secret_is_restored_after_a_rotation(db):
    credential, secret = ensure_demo_credential(name="Demo", kind="sales_channel", mode="test")
    rotate_secret(credential)
    credential, again = ensure_demo_credential(name="Demo", kind="sales_channel", mode="test")
    credential.application.refresh_from_db()
    assert again == secret
    assert ClientSecretHasher().verify(secret, credential.application.client_secret)


def test_demo_secrets_differ_by_kind(db):
    _a, first = ensure_demo_credential(name="Demo", kind="integration", mode="test")
    _b, second = ensure_demo_credential(name="Demo", kind="sales_channel", mode="test")
    assert first != second
