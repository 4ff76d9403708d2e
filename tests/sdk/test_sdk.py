"""Commerce Layer's own JavaScript SDKs, unchanged, against a live test server.

``tests/sdk/*.test.mjs`` (Node's test runner) drive ``@commercelayer/sdk`` and
``@commercelayer/js-auth`` (pinned in package.json) with nothing changed but the origin: the
SDK's request interceptor and a ``fetch`` override for js-auth send their requests to the live
server instead of ``*.commercelayer.io``. This test creates the data they need, passes it in
``WALLET_SDK_WORLD`` and fails with Node's report when any of them fails
(``WALLET_SDK_REPORT=<file>`` keeps the report of a passing run too). Without Node 20+ or
without ``npm ci`` it skips and says why.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from oauth2_provider.models import AccessToken

from tests import factories
from wallet import services
from wallet.models import ExternalPayment, PaymentMethod
from wallet.oauth import ORIGIN_HEADER, create_credential, jwt_access_token

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
PACKAGES = [ROOT / "node_modules" / "@commercelayer" / name for name in ("sdk", "js-auth")]
ORGANIZATION = "wallet-sdk-tests"


def _node_major() -> int:
    """The major version of ``node`` on the PATH, 0 when it cannot be told."""
    if NODE is None:
        return 0
    try:
        version = subprocess.run(
            [NODE, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    match = re.match(r"v(\d+)\.", version.strip())
    return int(match.group(1)) if match else 0


def _skip_reason() -> str | None:
    """Why the SDK tests cannot run here, or ``None``."""
    if NODE is None:
        return "node is not installed: the Commerce Layer SDK tests need Node 20+"
    if _node_major() < 20:
        return "the Commerce Layer SDK tests need Node 20+ (node:test, fetch, WebCrypto)"
    missing = [path.name for path in PACKAGES if not (path / "package.json").exists()]
    if missing:
        return f"@commercelayer/{', '.join(missing)} not installed: run `npm ci` (make test does)"
    return None


SKIP_REASON = _skip_reason()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def _expired_customer_token(credential: Any, customer: Any, origin: str) -> str:
    """A customer JWT whose ``exp`` and database row both lie in the past."""
    application = credential.application
    request = SimpleNamespace(
        client=application,
        user=customer.user,
        wallet_customer_id=customer.pk,
        scopes=["read", "write"],
        expires_in=-60,
        headers={ORIGIN_HEADER: origin},
    )
    token = jwt_access_token(request)  # type: ignore[arg-type]
    AccessToken.objects.create(
        user=customer.user,
        application=application,
        token="",
        token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest(),
        expires=timezone.now() - timedelta(minutes=1),
        scope="read write",
    )
    return token


@pytest.fixture
def world(live_server, settings) -> dict[str, Any]:
    """The records and credentials the SDK tests use, as the JSON they receive."""
    settings.WALLET = {
        **settings.WALLET,
        "ORGANIZATION_SLUG": ORGANIZATION,
        # Below js-auth's ten-minute threshold, so makeSalesChannel refreshes customer tokens.
        "ACCESS_TOKEN_EXPIRE_SECONDS": 500,
        "RATE_LIMITS": {"test": [(10_000, 60)], "live": [(10_000, 60)], "token": [(1_000, 60)]},
    }
    cache.clear()
    integration, secret = create_credential(name="sdk integration", kind="integration", mode="test")
    channel, _channel_secret = create_credential(
        name="sdk storefront", kind="sales_channel", mode="test"
    )
    gateway = factories.PaymentGatewayFactory()
    method = PaymentMethod.objects.create(mode="test", name="Cards", payment_gateway=gateway)
    shopper = factories.CustomerFactory(mode="test")
    order = factories.OrderFactory(customer=shopper, payment_gateway=gateway, payment_method=method)
    payment = factories.ExternalPaymentFactory(order=order)
    source = factories.CustomerPaymentSourceFactory(customer=shopper, payment=payment)
    # The payment was made with the saved card (its ``wallet`` relationship).
    ExternalPayment.objects.filter(pk=payment.pk).update(saved_source=source)
    spare_order = factories.OrderFactory(customer=shopper, payment_gateway=gateway)
    spare_payment = factories.ExternalPaymentFactory(order=spare_order)
    others = [factories.CustomerFactory(mode="test") for _ in range(3)]
    for number in range(3):
        services.update_customer(others[0], {"reference": f"SDK-{number}"})
    return {
        "origin": live_server.url,
        "organization": ORGANIZATION,
        "integration": {"clientId": integration.application.client_id, "clientSecret": secret},
        "salesChannel": {"clientId": channel.application.client_id},
        "customer": {
            "id": shopper.pk,
            "email": shopper.email,
            "password": factories.TEST_PASSWORD,
        },
        "otherCustomerIds": [other.pk for other in others],
        "gatewayId": gateway.pk,
        "orderId": order.pk,
        "paymentId": payment.pk,
        "sourceId": source.pk,
        "spareOrderId": spare_order.pk,
        "sparePaymentId": spare_payment.pk,
        "sparePaymentToken": spare_payment.payment_source_token,
        "expiredCustomerToken": _expired_customer_token(channel, shopper, live_server.url),
    }


def test_commerce_layer_sdks(world):
    files = sorted(str(path) for path in HERE.glob("*.test.mjs"))
    assert files, "no tests/sdk/*.test.mjs"
    environment = {**os.environ, "WALLET_SDK_WORLD": json.dumps(world), "NO_COLOR": "1"}
    result = subprocess.run(
        [NODE or "node", "--test", "--test-reporter=spec", "--test-concurrency=1", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=600,
        check=False,
    )
    report = result.stdout + result.stderr
    if os.environ.get("WALLET_SDK_REPORT"):  # keep Node's whole report, e.g. to list todo calls
        Path(os.environ["WALLET_SDK_REPORT"]).write_text(report)
    assert result.returncode == 0, report[-20_000:]
    assert re.search(r"\bpass \d+", report), report[-5_000:]
