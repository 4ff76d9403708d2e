"""Staff guardrails: a saved card keeps its customer; gateway secrets are encrypted at rest.

(The admin's side of both, the read-only customer and the expired-default message, is in
tests/test_admin.py.)
"""

import json
from io import StringIO
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests import factories
from wallet import crypto, services
from wallet.models import AuditEntry, CustomerPaymentSource, PaymentGateway

pytestmark = pytest.mark.django_db

JSONAPI = "application/vnd.api+json"
MOVE_MESSAGE = "customer can't be changed; save the card again for the other customer"
SECRET = "whsec_plaintext_shared_secret_42"


@pytest.fixture
def source(db) -> CustomerPaymentSource:
    return factories.CustomerPaymentSourceFactory(customer=factories.CustomerFactory())


@pytest.fixture
def superuser_client(db) -> Client:
    """A superuser's session: the API's integration role, in test mode."""
    client = Client()
    client.force_login(
        factories.UserFactory(username="root@example.com", is_staff=True, is_superuser=True)
    )
    return client


# --- a saved card's customer never changes --------------------------------------------------


def test_service_refuses_to_move_a_card_to_another_customer(source):
    owner = source.customer_id
    other = factories.CustomerFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.update_payment_source(source, {"customer": other})

    assert excinfo.value.message_dict == {"customer": [MOVE_MESSAGE]}
    source.refresh_from_db()
    assert source.customer_id == owner
    assert not AuditEntry.objects.filter(resource_id=source.pk, event="update").exists()


def test_service_accepts_the_same_customer_restated(source):
    services.update_payment_source(source, {"customer": source.customer, "reference": "R-1"})

    source.refresh_from_db()
    assert source.reference == "R-1"


def test_api_patch_moving_a_card_is_a_422_on_the_relationship(superuser_client, source):
    owner = source.customer_id
    other = factories.CustomerFactory()
    body = {
        "data": {
            "type": "customer_payment_sources",
            "id": source.pk,
            "relationships": {"customer": {"data": {"type": "customers", "id": other.pk}}},
        }
    }

    response = superuser_client.patch(
        f"/api/customer_payment_sources/{source.pk}",
        json.dumps(body),
        content_type=JSONAPI,
        HTTP_ACCEPT=JSONAPI,
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["source"]["pointer"] == "/data/relationships/customer"
    assert MOVE_MESSAGE in error["detail"]
    source.refresh_from_db()
    assert source.customer_id == owner


# --- gateway secrets encrypted at rest ------------------------------------------------------


def raw_secret(gateway: PaymentGateway) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shared_secret FROM wallet_paymentgateway WHERE id = %s", [gateway.pk]
        )
        return cursor.fetchone()[0]


def external_gateway(secret: str = SECRET) -> PaymentGateway:
    return services.create_record(
        PaymentGateway(name="Shop gateway", kind="external", mode="live", shared_secret=secret),
        actor=services.SYSTEM,
    )


def test_the_stored_column_holds_no_plaintext():
    gateway = external_gateway()

    stored = raw_secret(gateway)

    assert SECRET not in stored
    assert stored.startswith(crypto.PREFIX)


def test_the_secret_reads_back_as_plaintext():
    gateway = external_gateway()

    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == SECRET


def test_an_empty_secret_stays_empty():
    gateway = external_gateway(secret="")

    assert raw_secret(gateway) == ""
    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == ""


def test_updating_the_secret_stores_it_encrypted_and_audits_it_masked():
    gateway = external_gateway()

    services.update_record(gateway, {"shared_secret": "rotated-secret-7"}, actor=services.SYSTEM)

    assert "rotated-secret-7" not in raw_secret(gateway)
    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == "rotated-secret-7"
    changes = AuditEntry.objects.filter(resource_id=gateway.pk, event="update").get().changes
    assert changes == {"shared_secret": ["********", "********"]}


def test_a_new_first_key_still_decrypts_with_the_old_one_and_rotation_rewrites(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.WALLET = {"SECRET_KEYS": [old_key]}
    gateway = external_gateway()
    before = raw_secret(gateway)

    settings.WALLET = {"SECRET_KEYS": [new_key, old_key]}
    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == SECRET
    out = StringIO()
    call_command("wallet_rotate_secrets", stdout=out)
    assert "Re-encrypted 1 gateway secret" in out.getvalue()
    assert raw_secret(gateway) != before

    settings.WALLET = {"SECRET_KEYS": [new_key]}
    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == SECRET


def test_dropping_a_key_too_early_is_a_clear_configuration_error(settings):
    settings.WALLET = {"SECRET_KEYS": [Fernet.generate_key().decode()]}
    gateway = external_gateway()

    settings.WALLET = {"SECRET_KEYS": [Fernet.generate_key().decode()]}
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEYS"):
        PaymentGateway.objects.get(pk=gateway.pk)


def test_without_keys_one_is_derived_from_secret_key(settings):
    settings.WALLET = {}
    gateway = external_gateway()
    stored = raw_secret(gateway)

    expected = Fernet(crypto.derived_key(settings.SECRET_KEY))
    assert expected.decrypt(stored.removeprefix(crypto.PREFIX).encode()).decode() == SECRET


def test_the_migration_encrypts_secrets_stored_in_plaintext():
    import importlib

    migration = importlib.import_module("wallet.migrations.0006_encrypt_gateway_secrets")
    gateway = external_gateway()
    with connection.cursor() as cursor:  # as an older version stored it
        cursor.execute(
            "UPDATE wallet_paymentgateway SET shared_secret = %s WHERE id = %s",
            [SECRET, gateway.pk],
        )

    migration.encrypt_secrets(None, SimpleNamespace(connection=connection))

    assert SECRET not in raw_secret(gateway)
    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == SECRET


def test_the_api_never_shows_a_gateway_secret(superuser_client, settings):
    settings.WALLET = {"MODE": "live"}
    gateway = external_gateway()

    response = superuser_client.get(f"/api/payment_gateways/{gateway.pk}", HTTP_ACCEPT=JSONAPI)

    assert response.status_code == 200
    assert "shared_secret" not in response.json()["data"]["attributes"]
    assert SECRET not in response.content.decode()


def test_a_secret_that_looks_encrypted_is_still_encrypted_and_read_back():
    gateway = external_gateway(secret=f"{crypto.PREFIX}not-really-a-token")

    assert raw_secret(gateway) != f"{crypto.PREFIX}not-really-a-token"
    assert PaymentGateway.objects.get(pk=gateway.pk).shared_secret == (
        f"{crypto.PREFIX}not-really-a-token"
    )
