"""The ``stripe`` gateway: Stripe's PaymentMethods, PaymentIntents and Customers.

Built on the official ``stripe`` library with a client per gateway (its own secret key and,
for a local Stripe such as localstripe, its own API base); the global ``stripe.api_key`` is
never used. The browser's Stripe.js makes a PaymentMethod (``pm_…``); the wallet then

- describes it (:meth:`StripeGateway.tokenize`): brand, last four, expiry, holder, Stripe's
  card fingerprint;
- authorizes with a PaymentIntent created and confirmed at once, capture ``manual``, with the
  saved Stripe Customer when the card came from the wallet (``off_session`` through the API);
- captures, cancels (void) and refunds that PaymentIntent;
- saves a card by attaching the PaymentMethod to the wallet customer's Stripe Customer,
  created once, and forgets it by detaching it.

A decline is a failed :class:`GatewayResult` carrying Stripe's message and decline code; Stripe
out of reach, a bad key or a Stripe server error raise :class:`GatewayUnavailable`.
"""

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import stripe

from wallet.conf import wallet_settings
from wallet.gateways.base import (
    Gateway,
    GatewayResult,
    GatewayUnavailable,
    InstrumentRefused,
    SavedInstrument,
)

if TYPE_CHECKING:  # the SDK's request types (its own module, in recent versions only)
    from stripe.params import (
        CustomerCreateParams,
        PaymentIntentCreateParams,
        SetupIntentCreateParams,
    )

logger = logging.getLogger("wallet.gateways")
T = TypeVar("T")

# Stripe's answers that mean "Stripe could not do it now", never "the card was declined".
UNAVAILABLE_ERRORS = (
    stripe.APIConnectionError,
    stripe.AuthenticationError,
    stripe.PermissionError,
    stripe.RateLimitError,
    stripe.APIError,
)
AUTHORIZED_STATUSES = ("requires_capture", "succeeded", "processing")
STRIPE_JS_URL = "https://js.stripe.com/v3/"
# Metadata key naming the wallet customer on the Stripe Customer made for it.
CUSTOMER_METADATA_KEY = "wallet_customer_id"


def _decline_code(error: stripe.StripeError) -> str:
    """Stripe's most precise reason for a refusal: the decline code, else the error code."""
    detail = getattr(error, "error", None)
    return str(getattr(detail, "decline_code", None) or getattr(error, "code", None) or "")


def _message(error: stripe.StripeError, fallback: str) -> str:
    return str(getattr(error, "user_message", None) or fallback)


class StripeGateway(Gateway):
    """Payments through Stripe with one gateway's keys (see the module docstring)."""

    keeps_customers = True

    def __init__(self, secret_key: str, *, api_base: str = "", publishable_key: str = "") -> None:
        if not secret_key:
            raise GatewayUnavailable("The Stripe gateway has no secret key.")
        base_addresses: dict[str, str] = {}
        if api_base:
            base_addresses = {"api": api_base.rstrip("/")}
        self.publishable_key = publishable_key
        self.api_base = api_base
        self.client = stripe.StripeClient(
            secret_key,
            # Stripe types this as its BaseAddresses TypedDict, which only a private module exports.
            base_addresses=base_addresses,  # type: ignore[arg-type]
            max_network_retries=1,  # retried POSTs carry an idempotency key: never twice
            http_client=stripe.RequestsClient(timeout=wallet_settings.GATEWAY_TIMEOUT),
        )

    # --- calls ---

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        """Run one Stripe call; Stripe out of reach (or refusing the key) is unavailability."""
        try:
            return call()
        except UNAVAILABLE_ERRORS as exc:
            logger.warning("Stripe %s failed: %s", operation, type(exc).__name__)
            raise GatewayUnavailable(f"Stripe's {operation} call failed.") from exc

    def _operation(
        self, operation: str, call: Callable[[], Any], token: Callable[[Any], str], done: str
    ) -> GatewayResult:
        """A capture, void or refund: Stripe's refusal is a failed result saying why."""
        try:
            answer = self._call(operation, call)
        except stripe.StripeError as exc:
            return GatewayResult(
                succeeded=False,
                message=_message(exc, f"Stripe refused the {operation}."),
                code=_decline_code(exc),
                meta={"decline_code": _decline_code(exc)} if _decline_code(exc) else {},
            )
        return GatewayResult(succeeded=True, token=token(answer), message=done)

    # --- Gateway ---

    def tokenize(self, payment_source_token: str, options: dict[str, Any]) -> dict[str, Any]:
        """Describe a PaymentMethod (``pm_…``); an unknown or non-card one gives ``{}``."""
        if not (payment_source_token or "").startswith("pm_"):
            return {}
        try:
            method = self._call(
                "payment method",
                lambda: self.client.v1.payment_methods.retrieve(payment_source_token),
            )
        except stripe.StripeError:
            return {}  # no such PaymentMethod: authorizing it will say so
        return describe_payment_method(method, options)

    def authorize(
        self, payment_source_token: str, amount_cents: int, currency_code: str
    ) -> GatewayResult:
        """Authorize a new card: a PaymentIntent without a customer."""
        return self.authorize_payment(payment_source_token, amount_cents, currency_code)

    def authorize_payment(
        self,
        payment_source_token: str,
        amount_cents: int,
        currency_code: str,
        *,
        customer_token: str = "",
        off_session: bool = False,
        metadata: Mapping[str, str] | None = None,
    ) -> GatewayResult:
        """Create and confirm a PaymentIntent (capture ``manual``) for the amount.

        The result's token is the PaymentIntent id. A decline is a failed result with Stripe's
        message and decline code (``meta["decline_code"]``); a card that needs 3-D Secure gives
        a result that ``requires_authentication``, its PaymentIntent left for Stripe.js to
        finish with the client secret in ``meta``.
        """
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": currency_code.lower(),
            "payment_method": payment_source_token,
            "payment_method_types": ["card"],
            "capture_method": "manual",
            "confirm": True,
            "metadata": dict(metadata or {}),
        }
        if customer_token:
            params["customer"] = customer_token
            if off_session:
                params["off_session"] = True
        try:
            intent = self._call(
                "authorize",
                # ``payment_method_types``: accepted by Stripe's API, absent from its SDK's types.
                lambda: self.client.v1.payment_intents.create(
                    params=cast("PaymentIntentCreateParams", params)
                ),
            )
        except stripe.CardError as exc:
            return self._declined(exc)
        except stripe.InvalidRequestError as exc:
            return GatewayResult(
                succeeded=False,
                message=_message(exc, "Stripe refused the payment."),
                code=str(exc.code or "invalid_request"),
                meta={"decline_code": str(exc.code or "invalid_request")},
            )
        return self._outcome(intent)

    def _outcome(self, intent: Any) -> GatewayResult:
        """A PaymentIntent's state as a result: authorized, awaiting 3-D Secure, or declined."""
        if intent.status in AUTHORIZED_STATUSES:
            return GatewayResult(succeeded=True, token=intent.id, message="Authorized.")
        if intent.status == "requires_action":
            return _challenge(intent)
        error = getattr(intent, "last_payment_error", None)
        code = str(getattr(error, "decline_code", None) or getattr(error, "code", None) or "")
        return GatewayResult(
            succeeded=False,
            token=intent.id,
            message=str(getattr(error, "message", None) or "The card was declined."),
            code=code,
            meta={"decline_code": code} if code else {},
        )

    def _declined(self, exc: stripe.CardError) -> GatewayResult:
        detail = getattr(exc, "error", None)
        intent = getattr(detail, "payment_intent", None)
        code = _decline_code(exc) or "card_declined"
        if code == "authentication_required" and getattr(intent, "client_secret", None):
            # Off-session, Stripe refuses instead of asking: the customer confirms on-session.
            return _challenge(intent)
        return GatewayResult(
            succeeded=False,
            token=str(getattr(intent, "id", "") or ""),
            message=_message(exc, "The card was declined."),
            code=code,
            meta={"decline_code": code},
        )

    def complete_authentication(
        self, challenge_token: str, amount_cents: int, currency_code: str, *, outcome: str = ""
    ) -> GatewayResult:
        """Read the PaymentIntent back after Stripe.js ran its challenge (``outcome`` unused).

        Authorized, still awaiting the customer, or declined (a failed authentication leaves
        the PaymentIntent without its PaymentMethod and Stripe's reason in
        ``last_payment_error``). An intent of another amount or currency is never accepted.
        """
        intent = self._intent(challenge_token)
        if intent is None:
            return GatewayResult(succeeded=False, message="Stripe has no such payment.")
        if intent.amount != amount_cents or str(intent.currency).lower() != currency_code.lower():
            if intent.status in ("requires_action", "requires_capture"):
                self._cancel_quietly(intent.id)  # release the hold a stale amount put on the card
            return GatewayResult(succeeded=False, message="Stripe's payment is for another amount.")
        return self._outcome(intent)

    def _cancel_quietly(self, intent_id: str) -> None:
        try:
            self._call("cancel", lambda: self.client.v1.payment_intents.cancel(intent_id))
        except (stripe.StripeError, GatewayUnavailable):
            logger.warning("Could not cancel Stripe PaymentIntent %s", intent_id)

    def authentication_details(self, challenge_token: str) -> dict[str, Any]:
        """The PaymentIntent's client secret, for Stripe.js's ``handleNextAction``."""
        intent = self._intent(challenge_token)
        if intent is None or intent.status != "requires_action":
            return {}
        return {"client_secret": intent.client_secret}

    def _intent(self, intent_id: str) -> Any:
        if not (intent_id or "").startswith("pi_"):
            return None
        try:
            return self._call(
                "payment intent", lambda: self.client.v1.payment_intents.retrieve(intent_id)
            )
        except stripe.StripeError:
            return None

    def create_setup_intent(self, *, customer_token: str = "") -> str:
        """A SetupIntent for a card the browser confirms with Stripe.js: its client secret."""
        params: dict[str, Any] = {"payment_method_types": ["card"], "usage": "off_session"}
        if customer_token:
            params["customer"] = customer_token
        intent = self._call(
            "setup intent",
            # ``payment_method_types``: accepted by Stripe's API, absent from its SDK's types.
            lambda: self.client.v1.setup_intents.create(
                params=cast("SetupIntentCreateParams", params)
            ),
        )
        return str(intent.client_secret)

    @property
    def js_url(self) -> str:
        """Where the browser loads Stripe.js: Stripe's, or the one a local Stripe serves."""
        if self.api_base:
            return f"{self.api_base.rstrip('/')}/js.stripe.com/v3/"
        return STRIPE_JS_URL

    def capture(self, authorization_token: str, amount_cents: int) -> GatewayResult:
        """Capture the PaymentIntent (its id is the authorization token); the token stays it."""
        return self._operation(
            "capture",
            lambda: self.client.v1.payment_intents.capture(
                authorization_token, params={"amount_to_capture": amount_cents}
            ),
            lambda intent: intent.id,
            "Captured.",
        )

    def void(self, authorization_token: str) -> GatewayResult:
        """Cancel the uncaptured PaymentIntent."""
        return self._operation(
            "void",
            lambda: self.client.v1.payment_intents.cancel(authorization_token),
            lambda intent: intent.id,
            "Voided.",
        )

    def refund(self, capture_token: str, amount_cents: int) -> GatewayResult:
        """Refund the captured PaymentIntent; the token is the Refund's id (``re_…``)."""
        return self._operation(
            "refund",
            lambda: self.client.v1.refunds.create(
                params={"payment_intent": capture_token, "amount": amount_cents}
            ),
            lambda refund: refund.id,
            "Refunded.",
        )

    # --- saved cards ---

    def save_for_customer(
        self,
        payment_source_token: str,
        *,
        customer_token: str = "",
        customer_email: str = "",
        customer_reference: str = "",
    ) -> SavedInstrument:
        """Attach the PaymentMethod to the Stripe Customer, made first when none is given.

        A Customer made earlier for the same wallet customer (its metadata names it) is found
        again rather than duplicated, e.g. after a save whose database transaction rolled back.
        """
        if not customer_token:
            customer_token = self.customer_for(customer_email, customer_reference)
        try:
            method = self._call(
                "payment method",
                lambda: self.client.v1.payment_methods.retrieve(payment_source_token),
            )
            if _customer_id(method) != customer_token:
                self._call(
                    "attach",
                    lambda: self.client.v1.payment_methods.attach(
                        payment_source_token, params={"customer": customer_token}
                    ),
                )
        except stripe.CardError as exc:
            code = _decline_code(exc) or "card_declined"
            raise InstrumentRefused(
                _message(exc, "The card was declined."), code=code, meta={"decline_code": code}
            ) from exc
        except stripe.InvalidRequestError as exc:
            code = str(exc.code or "invalid_request")
            raise InstrumentRefused(
                _message(exc, "Stripe refused to save this card."),
                code=code,
                meta={"decline_code": code},
            ) from exc
        return SavedInstrument(customer_token, payment_source_token)

    def customer_for(self, email: str, reference: str) -> str:
        """The Stripe Customer of a wallet customer: found by email and metadata, else made."""
        if email and reference:
            found = self._call(
                "customer lookup",
                lambda: self.client.v1.customers.list(params={"email": email, "limit": 100}),
            )
            for candidate in found.data:
                metadata = candidate.to_dict().get("metadata") or {}
                if metadata.get(CUSTOMER_METADATA_KEY) == reference:
                    return str(candidate.id)
        params: CustomerCreateParams = {"metadata": {CUSTOMER_METADATA_KEY: reference}}
        if email:
            params["email"] = email
        created = self._call("customer", lambda: self.client.v1.customers.create(params=params))
        return str(created.id)

    def forget(self, payment_source_token: str, *, customer_token: str = "") -> None:
        """Detach the PaymentMethod from its Customer; one already detached or gone is fine."""
        if not (payment_source_token or "").startswith("pm_"):
            return
        try:
            self._call(
                "detach", lambda: self.client.v1.payment_methods.detach(payment_source_token)
            )
        except stripe.InvalidRequestError:
            # Not attached (any more) or unknown: there is nothing left to forget.
            logger.info("Stripe PaymentMethod %s was not attached", payment_source_token)


def _challenge(intent: Any) -> GatewayResult:
    """A PaymentIntent waiting for the customer's 3-D Secure authentication."""
    return GatewayResult(
        succeeded=False,
        token=str(intent.id),
        message="The card requires authentication (3-D Secure).",
        code="authentication_required",
        meta={"client_secret": str(intent.client_secret), "payment_intent": str(intent.id)},
        requires_authentication=True,
    )


def _customer_id(method: Any) -> str:
    customer = getattr(method, "customer", None)
    if customer is None:
        return ""
    return str(getattr(customer, "id", customer))


def describe_payment_method(
    method: Any, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A Stripe PaymentMethod (the library's object or its JSON) as a ``payment_instrument``.

    Non-card methods give ``{}``. The holder is the billing name, else
    ``options["card_holder_name"]``.
    """
    if hasattr(method, "to_dict"):
        method = method.to_dict()
    if not isinstance(method, Mapping):
        return {}
    card = method.get("card")
    if method.get("type") != "card" or not isinstance(card, Mapping):
        return {}
    instrument: dict[str, Any] = {"issuer_type": "card"}
    if card.get("brand"):
        instrument["card_type"] = str(card["brand"])
    if card.get("last4"):
        instrument["card_last_digits"] = str(card["last4"])
    if card.get("exp_month"):
        instrument["card_expiry_month"] = f"{int(card['exp_month']):02d}"
    if card.get("exp_year"):
        instrument["card_expiry_year"] = str(card["exp_year"])
    if card.get("fingerprint"):
        instrument["fingerprint"] = str(card["fingerprint"])
    billing = method.get("billing_details")
    holder = billing.get("name") if isinstance(billing, Mapping) else None
    if not holder:
        holder = (options or {}).get("card_holder_name")
    if isinstance(holder, str) and holder.strip():
        instrument["card_holder_name"] = holder.strip()[:100]
    return instrument


class WebhookRefused(Exception):
    """A webhook request whose signature, timestamp or body Stripe's rules refuse."""


def verify_webhook(payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The event of a webhook request, after checking its ``Stripe-Signature`` with ``secret``.

    Uses :meth:`stripe.Webhook.construct_event` (signature and five-minute timestamp
    tolerance); raises :class:`WebhookRefused` for a bad signature or an event without an id,
    a type and a data object.
    """
    if not secret:
        raise WebhookRefused("The gateway has no webhook signing secret.")
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret).to_dict()
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookRefused("The webhook signature is not valid.") from exc
    data = event.get("data")
    if not (
        isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    ):
        raise WebhookRefused("The webhook body is not a Stripe event.")
    return event
