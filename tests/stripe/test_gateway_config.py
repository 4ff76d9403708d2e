"""Issue 11, item 1: the ``stripe`` gateway kind, its keys, and the ``wallet_gateway`` command."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.support.stripe import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET
from wallet import services
from wallet.gateways import GatewayNotUsable, StripeGateway, gateway_for
from wallet.models import AuditEntry, PaymentGateway

pytestmark = pytest.mark.django_db


def stripe_row(**fields):
    values = {
        "name": "Stripe",
        "kind": "stripe",
        "mode": "test",
        "secret_key": SECRET_KEY,
        "publishable_key": PUBLISHABLE_KEY,
    }
    values.update(fields)
    return PaymentGateway(**values)


def refusal(gateway):
    with pytest.raises(ValidationError) as caught:
        services.create_record(gateway, actor=services.SYSTEM)
    return caught.value.message_dict


def test_test_mode_gateway_with_test_keys_is_created():
    gateway = services.create_record(stripe_row(), actor=services.SYSTEM)

    gateway.refresh_from_db()
    assert (gateway.kind, gateway.secret_key) == ("stripe", SECRET_KEY)
    assert isinstance(gateway_for(gateway), StripeGateway)


def test_test_mode_gateway_refuses_live_keys():
    errors = refusal(stripe_row(secret_key="sk_live_abc", publishable_key="pk_live_abc"))

    assert set(errors) == {"secret_key", "publishable_key"}


def test_live_mode_gateway_refuses_test_keys():
    errors = refusal(stripe_row(mode="live"))

    assert set(errors) == {"secret_key", "publishable_key"}


def test_live_mode_gateway_accepts_live_keys():
    gateway = stripe_row(mode="live", secret_key="sk_live_abc", publishable_key="pk_live_abc")

    services.create_record(gateway, actor=services.SYSTEM)

    assert PaymentGateway.objects.get(mode="live").kind == "stripe"


def test_stripe_gateway_needs_both_keys():
    errors = refusal(stripe_row(secret_key="", publishable_key=""))

    assert set(errors) == {"secret_key", "publishable_key"}


def test_webhook_secret_must_be_a_signing_secret():
    errors = refusal(stripe_row(webhook_secret="not-a-signing-secret"))

    assert list(errors) == ["webhook_secret"]


def test_live_gateway_cannot_point_at_another_api():
    row = stripe_row(
        mode="live",
        secret_key="sk_live_abc",
        publishable_key="pk_live_abc",
        api_base="http://127.0.0.1:8420",
    )

    assert list(refusal(row)) == ["api_base"]


def test_the_database_refuses_a_publishable_key_of_the_other_mode():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        stripe_row(publishable_key="pk_live_abc").save()


def test_a_key_of_the_other_mode_written_around_validation_never_charges():
    gateway = stripe_row(secret_key="sk_live_abc")

    with pytest.raises(GatewayNotUsable):
        gateway_for(gateway)


def test_secrets_are_encrypted_at_rest():
    gateway = services.create_record(
        stripe_row(webhook_secret=WEBHOOK_SECRET), actor=services.SYSTEM
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_key, webhook_secret, publishable_key FROM wallet_paymentgateway "
            "WHERE id = %s",
            [gateway.pk],
        )
        secret_key, webhook_secret, publishable_key = cursor.fetchone()
    assert secret_key.startswith("fernet:") and SECRET_KEY not in secret_key
    assert webhook_secret.startswith("fernet:") and WEBHOOK_SECRET not in webhook_secret
    assert publishable_key == PUBLISHABLE_KEY  # public by design


def test_audit_log_masks_the_secrets():
    gateway = services.create_record(
        stripe_row(webhook_secret=WEBHOOK_SECRET), actor=services.SYSTEM
    )

    entry = AuditEntry.objects.get(resource_id=gateway.pk, event="create")
    assert entry.changes["secret_key"] == [None, "********"]
    assert entry.changes["webhook_secret"] == [None, "********"]
    assert entry.changes["publishable_key"] == [None, PUBLISHABLE_KEY]


def test_rotating_the_encryption_key_reencrypts_stripe_secrets(settings):
    from cryptography.fernet import Fernet

    settings.WALLET = {"SECRET_KEYS": [Fernet.generate_key().decode()]}
    gateway = services.create_record(
        stripe_row(webhook_secret=WEBHOOK_SECRET), actor=services.SYSTEM
    )
    settings.WALLET = {
        "SECRET_KEYS": [Fernet.generate_key().decode(), *settings.WALLET["SECRET_KEYS"]]
    }

    assert services.reencrypt_gateway_secrets() == 2

    settings.WALLET = {"SECRET_KEYS": settings.WALLET["SECRET_KEYS"][:1]}
    gateway.refresh_from_db()
    assert (gateway.secret_key, gateway.webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)


# --- the wallet_gateway command -------------------------------------------------------------


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("wallet_gateway", *args, stdout=out)
    return out.getvalue().strip()


STRIPE_ARGS = (
    "--name",
    "Stripe",
    "--kind",
    "stripe",
    "--mode",
    "test",
    "--secret-key",
    SECRET_KEY,
    "--publishable-key",
    PUBLISHABLE_KEY,
)


def test_command_creates_a_stripe_gateway_and_prints_its_id():
    printed = run(
        *STRIPE_ARGS, "--webhook-secret", WEBHOOK_SECRET, "--api-base", "http://localhost:8420"
    )

    gateway = PaymentGateway.objects.get(pk=printed)
    assert (gateway.name, gateway.kind, gateway.mode) == ("Stripe", "stripe", "test")
    assert (gateway.secret_key, gateway.webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)
    assert gateway.api_base == "http://localhost:8420"


def test_command_json_prints_an_object_with_the_id_and_no_secret():
    printed = run(*STRIPE_ARGS, "--json")

    payload = json.loads(printed)
    assert payload["id"] == PaymentGateway.objects.get().pk
    assert payload["created"] is True
    assert SECRET_KEY not in printed


def test_command_updates_by_name_and_mode_keeping_unsent_secrets():
    first = run(*STRIPE_ARGS)

    again = run(
        "--name", "Stripe", "--kind", "stripe", "--mode", "test", "--publishable-key", "pk_test_new"
    )

    assert again == first
    gateway = PaymentGateway.objects.get()
    assert (gateway.publishable_key, gateway.secret_key) == ("pk_test_new", SECRET_KEY)


def test_command_same_name_in_the_other_mode_is_another_gateway():
    test_id = run(*STRIPE_ARGS)

    live_id = run(
        "--name", "Stripe", "--kind", "stripe", "--mode", "live",
        "--secret-key", "sk_live_abc", "--publishable-key", "pk_live_abc",
    )  # fmt: skip

    assert live_id != test_id
    assert PaymentGateway.objects.count() == 2


def test_command_refuses_test_keys_for_a_live_gateway():
    with pytest.raises(CommandError, match="--secret-key"):
        run(
            "--name", "Stripe", "--kind", "stripe", "--mode", "live",
            "--secret-key", SECRET_KEY, "--publishable-key", PUBLISHABLE_KEY,
        )  # fmt: skip

    assert not PaymentGateway.objects.exists()


def test_command_refuses_the_test_kind_in_live_mode():
    with pytest.raises(CommandError, match="only in --mode test"):
        run("--name", "Test", "--kind", "test", "--mode", "live")

    assert not PaymentGateway.objects.exists()


def test_command_creates_a_test_gateway():
    gateway = PaymentGateway.objects.get(
        pk=run("--name", "Test", "--kind", "test", "--mode", "test")
    )

    assert gateway.kind == "test"


def test_command_creates_an_external_gateway():
    printed = run(
        "--name", "Shop PSP", "--kind", "external", "--mode", "live",
        "--authorize-url", "https://psp.example/authorize", "--shared-secret", "s3cret",
    )  # fmt: skip

    gateway = PaymentGateway.objects.get(pk=printed)
    assert (gateway.authorize_url, gateway.shared_secret) == (
        "https://psp.example/authorize",
        "s3cret",
    )


def test_command_refuses_an_unknown_kind():
    with pytest.raises(CommandError, match="--kind"):
        run("--name", "X", "--kind", "paypal", "--mode", "test")
