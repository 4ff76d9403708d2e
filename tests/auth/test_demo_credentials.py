"""wallet_demo prints one integration and one sales-channel credential that get tokens."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from wallet.models import ApiCredential


@pytest.fixture(autouse=True)
def _development(settings):
    """The demo command runs with DEBUG on only (pytest-django turns it off)."""
    settings.DEBUG = True


def run_demo() -> str:
    out = StringIO()
    call_command("wallet_demo", stdout=out)
    return out.getvalue()


def printed(output: str, label: str) -> str:
    block = output.split("API credentials (test mode)", 1)[1]
    return re.search(rf"^\s+{re.escape(label)}:\s+(\S+)$", block, re.MULTILINE).group(1)


@pytest.mark.django_db
def test_demo_prints_credentials_that_get_tokens():
    output = run_demo()
    client = Client()
    integration = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": printed(output, "integration client_id"),
            "client_secret": printed(output, "integration client_secret"),
        },
    )
    assert integration.status_code == 200
    customer = client.post(
        "/oauth/token",
        {
            "grant_type": "password",
            "username": "customer@example.com",
            "password": "wallet-demo-1234",
            "client_id": printed(output, "sales channel client_id"),
            "client_secret": printed(output, "sales channel client_secret"),
        },
    )
    assert customer.status_code == 200
    assert customer.json()["owner_type"] == "customer"
    assert printed(output, "token URL").endswith("/oauth/token")


@pytest.mark.django_db
def test_demo_credentials_are_created_once_in_test_mode():
    assert run_demo() == run_demo()
    assert sorted(ApiCredential.objects.values_list("kind", "mode")) == [
        ("integration", "test"),
        ("sales_channel", "test"),
    ]
