"""The built-in deterministic ``test`` gateway.

Tokens have the form ``tok_test_<brand>_<last4>_<MMYY>``: ``tok_test_visa_4242_1230`` is a Visa
ending 4242 that expires in December 2030. Anything may follow after one more underscore.

- ``tokenize`` reads brand, last digits and expiry from the token; the holder name comes from
  ``options["card_holder_name"]`` when given. The fingerprint is derived from brand, last digits
  and expiry, so the same card always has the same fingerprint.
- ``authorize`` declines any token containing ``decline``; a token containing ``3ds`` needs the
  customer's 3-D Secure authentication first (a challenge ``3ds_…`` that the storefront's
  challenge page answers with ``approved`` or ``failed``); any other token is authorized with
  an opaque transaction token derived from the token, amount and currency.
- ``capture``, ``void`` and ``refund`` succeed for any token they were given by this gateway.
"""

import hashlib
import re
from typing import Any

from wallet.gateways.base import Gateway, GatewayResult

TEST_TOKEN = re.compile(
    r"^tok_test_(?P<brand>[a-z]+)_(?P<last4>\d{4})_(?P<month>0[1-9]|1[0-2])(?P<year>\d{2})(?:_.*)?$"
)


def make_test_token(brand: str, last4: str, month: int, year: int) -> str:
    """Build a test-gateway token for a card, e.g. ``tok_test_visa_4242_1230``."""
    return f"tok_test_{brand.lower()}_{last4}_{month:02d}{year % 100:02d}"


def fingerprint_for(brand: str, last4: str, month: int, year: int) -> str:
    """The test gateway's fingerprint of a card: stable for the same brand, digits and expiry."""
    material = f"{brand.lower()}:{last4}:{month:02d}:{year}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


# Stripe's code for a failed 3-D Secure authentication, shared so the storefront explains both.
AUTHENTICATION_FAILED = "payment_intent_authentication_failure"


def _challenge(challenge_token: str) -> GatewayResult:
    return GatewayResult(
        succeeded=False,
        token=challenge_token,
        message="The card requires authentication (3-D Secure).",
        code="authentication_required",
        meta={"client_secret": challenge_token},
        requires_authentication=True,
    )


def _opaque(*parts: object) -> str:
    return hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()[:24]


class TestGateway(Gateway):
    """Deterministic gateway for demos and tests; it never talks to the network."""

    def tokenize(self, payment_source_token: str, options: dict[str, Any]) -> dict[str, Any]:
        """Read the card's details from a ``tok_test_…`` token; other tokens give ``{}``."""
        match = TEST_TOKEN.match(payment_source_token or "")
        if not match:
            return {}
        brand, last4 = match["brand"], match["last4"]
        month, year = int(match["month"]), 2000 + int(match["year"])
        instrument: dict[str, Any] = {
            "issuer_type": "card",
            "card_type": brand,
            "card_last_digits": last4,
            "card_expiry_month": f"{month:02d}",
            "card_expiry_year": str(year),
            "fingerprint": fingerprint_for(brand, last4, month, year),
        }
        holder = (options or {}).get("card_holder_name")
        if isinstance(holder, str) and holder.strip():
            instrument["card_holder_name"] = holder.strip()[:100]
        return instrument

    def authorize(
        self, payment_source_token: str, amount_cents: int, currency_code: str
    ) -> GatewayResult:
        """Decline tokens containing ``decline``; authorize everything else."""
        if "decline" in (payment_source_token or ""):
            return GatewayResult(succeeded=False, message="The card was declined.")
        if "3ds" in (payment_source_token or ""):
            challenge = "3ds_" + _opaque(payment_source_token, amount_cents, currency_code)
            return _challenge(challenge)
        token = "auth_" + _opaque(payment_source_token, amount_cents, currency_code)
        return GatewayResult(succeeded=True, token=token, message="Authorized.")

    def complete_authentication(
        self, challenge_token: str, amount_cents: int, currency_code: str, *, outcome: str = ""
    ) -> GatewayResult:
        """Authorize once the challenge page reports ``approved``; ``failed`` is a decline."""
        if outcome == "approved":
            token = "auth_" + _opaque(challenge_token, amount_cents, currency_code)
            return GatewayResult(succeeded=True, token=token, message="Authorized.")
        if outcome == "failed":
            return GatewayResult(
                succeeded=False,
                message="The card's authentication failed.",
                code=AUTHENTICATION_FAILED,
                meta={"decline_code": AUTHENTICATION_FAILED},
            )
        return _challenge(challenge_token)

    def authentication_details(self, challenge_token: str) -> dict[str, Any]:
        """The challenge is the shop's own page: it needs nothing but the challenge's name."""
        return {"challenge": challenge_token}

    def capture(self, authorization_token: str, amount_cents: int) -> GatewayResult:
        """Capture any authorization of this gateway."""
        return GatewayResult(True, "cap_" + _opaque(authorization_token, amount_cents), "Captured.")

    def void(self, authorization_token: str) -> GatewayResult:
        """Void any authorization of this gateway."""
        return GatewayResult(True, "void_" + _opaque(authorization_token), "Voided.")

    def refund(self, capture_token: str, amount_cents: int) -> GatewayResult:
        """Refund any capture of this gateway."""
        return GatewayResult(True, "ref_" + _opaque(capture_token, amount_cents), "Refunded.")
