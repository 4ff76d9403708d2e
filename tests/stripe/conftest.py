"""Stripe tests run against localstripe, a fake but stateful Stripe the suite starts itself.

The session fixture starts it as a subprocess on a free port and skips (with the reason) only
when it cannot start: not installed, or not answering in time.
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import stripe

from tests.support.api_client import JsonApiClient, integration_client
from tests.support.stripe import PUBLISHABLE_KEY, SECRET_KEY, VISA, WEBHOOK_SECRET
from wallet import services
from wallet.models import PaymentGateway

RUNNER = Path(__file__).with_name("run_localstripe.py")
START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(
        f"{url}/v1/customers?limit=1", headers={"Authorization": f"Bearer {SECRET_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def localstripe_url():
    """The base URL of a localstripe started for this test session."""
    try:
        import localstripe  # noqa: F401
    except ImportError:
        pytest.skip("localstripe is not installed (pip install localstripe)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, str(RUNNER), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, stderr = process.communicate(timeout=5)
            tail = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            pytest.skip(f"localstripe did not start on port {port}: {tail[0]}")
        time.sleep(0.1)
    yield url
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def stripe_client(localstripe_url):
    """A Stripe client on localstripe, to read Stripe's side back (and make PaymentMethods)."""
    return stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": localstripe_url}, max_network_retries=0
    )


@pytest.fixture
def stripe_gateway(db, localstripe_url):
    """A test-mode Stripe gateway on localstripe."""
    gateway = PaymentGateway(
        name="Stripe",
        kind="stripe",
        mode="test",
        secret_key=SECRET_KEY,
        publishable_key=PUBLISHABLE_KEY,
        webhook_secret=WEBHOOK_SECRET,
        api_base=localstripe_url,
    )
    return services.create_record(gateway, actor=services.SYSTEM)


@pytest.fixture
def make_card(stripe_client):
    """Make a PaymentMethod in localstripe, as Stripe.js would in the browser."""

    def make(number=VISA, *, exp_month=12, exp_year=2030, name="Ada Lovelace"):
        return stripe_client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {
                    "number": number,
                    "exp_month": exp_month,
                    "exp_year": exp_year,
                    "cvc": "123",
                },
                "billing_details": {"name": name},
            }
        )

    return make


@pytest.fixture
def api_client(db, staff_user) -> JsonApiClient:
    """The API caller (as in the API tests): an integration in test mode."""
    return integration_client()
