"""Issue 11, item 1 in the admin: Stripe keys of the gateway's mode, secrets write-only."""

import pytest
from django.urls import reverse

from tests.support.admin import form_data
from tests.support.stripe import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET
from wallet import services
from wallet.models import AuditEntry, PaymentGateway

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:wallet_paymentgateway_add")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def add_stripe(admin_client, **overrides):
    data = {
        "mode": "test",
        "name": "Stripe",
        "kind": "stripe",
        "authorize_url": "",
        "capture_url": "",
        "void_url": "",
        "refund_url": "",
        "token_url": "",
        "shared_secret": "",
        "secret_key": SECRET_KEY,
        "publishable_key": PUBLISHABLE_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": "",
        "reference": "",
        "reference_origin": "",
        "metadata": "{}",
    }
    data.update(overrides)
    return admin_client.post(ADD_URL, data)


@pytest.fixture
def stored(db):
    gateway = PaymentGateway(
        name="Stripe",
        kind="stripe",
        mode="test",
        secret_key=SECRET_KEY,
        publishable_key=PUBLISHABLE_KEY,
        webhook_secret=WEBHOOK_SECRET,
    )
    return services.create_record(gateway, actor=services.SYSTEM)


def test_admin_adds_a_stripe_gateway_through_the_services(admin_client, staff_user):
    response = add_stripe(admin_client)

    assert response.status_code == 302
    gateway = PaymentGateway.objects.get()
    assert (gateway.secret_key, gateway.webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)
    created = AuditEntry.objects.get(resource_id=gateway.pk, event="create")
    assert created.changes["secret_key"] == [None, "********"]


def test_admin_refuses_live_keys_on_a_test_gateway(admin_client):
    response = add_stripe(admin_client, secret_key="sk_live_abc", publishable_key="pk_live_abc")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"secret_key", "publishable_key"} <= set(errors)
    assert not PaymentGateway.objects.exists()


def test_admin_never_renders_the_stripe_secrets(admin_client, stored):
    for url in (
        reverse("admin:wallet_paymentgateway_changelist"),
        reverse("admin:wallet_paymentgateway_change", args=[stored.pk]),
        reverse("admin:wallet_auditentry_changelist"),
    ):
        page = admin_client.get(url).content.decode()
        assert SECRET_KEY not in page
        assert WEBHOOK_SECRET not in page


def test_admin_empty_secret_fields_keep_the_stored_secrets(admin_client, stored):
    url = reverse("admin:wallet_paymentgateway_change", args=[stored.pk])
    data = form_data(admin_client.get(url), publishable_key="pk_test_other")

    assert admin_client.post(url, data).status_code == 302

    stored.refresh_from_db()
    assert stored.publishable_key == "pk_test_other"
    assert (stored.secret_key, stored.webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)
