"""The ``external`` gateway: forwards each operation to the shop's own gateway service.

Each call POSTs a JSON body to the configured URL, signed with HMAC-SHA256 of the body under the
gateway's shared secret in the ``X-Wallet-Signature`` header. The service answers
``{"success": bool, "token": str, "message": str}``; ``token_url`` answers a payment instrument.
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from wallet.conf import wallet_settings
from wallet.gateways.base import Gateway, GatewayResult, GatewayUnavailable

logger = logging.getLogger("wallet.gateways")


class ExternalGateway(Gateway):
    """Calls the shop's gateway service over HTTP."""

    def __init__(self, urls: dict[str, str], shared_secret: str) -> None:
        self.urls = urls
        self.shared_secret = shared_secret

    def _post(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = self.urls.get(operation)
        if not url:
            raise GatewayUnavailable(f"No {operation} URL is configured for this gateway.")
        body = json.dumps(payload).encode()
        signature = hmac.new(self.shared_secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(  # noqa: S310 - the URL is staff-configured http(s)
            url,
            data=body,
            headers={"Content-Type": "application/json", "X-Wallet-Signature": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=wallet_settings.GATEWAY_TIMEOUT
            ) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
            logger.warning("Gateway %s call failed: %s", operation, type(exc).__name__)
            raise GatewayUnavailable(f"The gateway's {operation} call failed.") from exc
        if not isinstance(answer, dict):
            raise GatewayUnavailable(f"The gateway's {operation} answer is not an object.")
        return answer

    def _result(self, operation: str, payload: dict[str, Any]) -> GatewayResult:
        answer = self._post(operation, payload)
        return GatewayResult(
            succeeded=bool(answer.get("success")),
            token=str(answer.get("token") or ""),
            message=str(answer.get("message") or ""),
        )

    def tokenize(self, payment_source_token: str, options: dict[str, Any]) -> dict[str, Any]:
        """Ask the service to describe the token; without a token URL the instrument is empty."""
        if not self.urls.get("token"):
            return {}
        answer = self._post("token", {"payment_source_token": payment_source_token})
        instrument = answer.get("payment_instrument", answer)
        return instrument if isinstance(instrument, dict) else {}

    def authorize(
        self, payment_source_token: str, amount_cents: int, currency_code: str
    ) -> GatewayResult:
        """Authorize through the service's authorize URL."""
        return self._result(
            "authorize",
            {
                "payment_source_token": payment_source_token,
                "amount_cents": amount_cents,
                "currency_code": currency_code,
            },
        )

    def capture(self, authorization_token: str, amount_cents: int) -> GatewayResult:
        """Capture through the service's capture URL."""
        return self._result("capture", {"token": authorization_token, "amount_cents": amount_cents})

    def void(self, authorization_token: str) -> GatewayResult:
        """Void through the service's void URL."""
        return self._result("void", {"token": authorization_token})

    def refund(self, capture_token: str, amount_cents: int) -> GatewayResult:
        """Refund through the service's refund URL."""
        return self._result("refund", {"token": capture_token, "amount_cents": amount_cents})
