"""Gateways: the documented test gateway, and the external one against a local HTTP server."""

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests import factories
from wallet import services
from wallet.gateways import (
    ExternalGateway,
    GatewayNotUsable,
    GatewayUnavailable,
    TestGateway,
    gateway_for,
    make_test_token,
)
from wallet.gateways.test import fingerprint_for
from wallet.models import Order, PaymentGateway, Transaction

# --- the test gateway -----------------------------------------------------------------------


def test_make_test_token_builds_the_documented_form():
    assert make_test_token("Visa", "4242", 12, 2030) == "tok_test_visa_4242_1230"
    assert make_test_token("amex", "0005", 3, 2029) == "tok_test_amex_0005_0329"


def test_tokenize_reads_brand_digits_and_expiry_from_the_token():
    instrument = TestGateway().tokenize("tok_test_visa_4242_1230", {})
    assert instrument == {
        "issuer_type": "card",
        "card_type": "visa",
        "card_last_digits": "4242",
        "card_expiry_month": "12",
        "card_expiry_year": "2030",
        "fingerprint": fingerprint_for("visa", "4242", 12, 2030),
    }


def test_tokenize_takes_the_holder_name_from_options():
    instrument = TestGateway().tokenize(
        "tok_test_mastercard_4444_0131", {"card_holder_name": "  Grace Hopper "}
    )
    assert instrument["card_holder_name"] == "Grace Hopper"
    assert instrument["card_type"] == "mastercard"
    assert instrument["card_expiry_month"] == "01"
    assert instrument["card_expiry_year"] == "2031"


def test_tokenize_accepts_a_suffix_after_one_more_underscore():
    plain = TestGateway().tokenize("tok_test_visa_4242_1230", {})
    suffixed = TestGateway().tokenize("tok_test_visa_4242_1230_second_try", {})
    assert suffixed == plain


@pytest.mark.parametrize(
    "token",
    [
        "",
        "tok_live_visa_4242_1230",
        "tok_test_visa_424_1230",  # three digits
        "tok_test_visa_4242_1330",  # month 13
        "tok_test_visa_4242_0030",  # month 00
        "tok_test_Visa_4242_1230",  # upper-case brand
        "tok_test_visa_4242_1230x",
        "pm_1234567890",
    ],
)
def test_tokens_not_matching_the_form_give_an_empty_instrument(token):
    assert TestGateway().tokenize(token, {}) == {}


def test_fingerprint_is_stable_for_the_same_card():
    gateway = TestGateway()
    first = gateway.tokenize("tok_test_visa_4242_1230", {})["fingerprint"]
    again = gateway.tokenize("tok_test_visa_4242_1230_other", {"card_holder_name": "X"})
    assert again["fingerprint"] == first


@pytest.mark.parametrize(
    "other",
    ["tok_test_mastercard_4242_1230", "tok_test_visa_4243_1230", "tok_test_visa_4242_1130"],
)
def test_fingerprint_differs_per_brand_digits_and_expiry(other):
    gateway = TestGateway()
    base = gateway.tokenize("tok_test_visa_4242_1230", {})["fingerprint"]
    assert gateway.tokenize(other, {})["fingerprint"] != base


@pytest.mark.parametrize(
    "token", ["tok_test_visa_0002_1230_decline", "decline", "tok_test_decline_0000_0130"]
)
def test_tokens_containing_decline_are_declined(token):
    result = TestGateway().authorize(token, 1000, "EUR")
    assert not result.succeeded
    assert result.token == ""
    assert "declined" in result.message


def test_other_tokens_are_authorized_with_an_opaque_token():
    token = "tok_test_visa_4242_1230"
    result = TestGateway().authorize(token, 1000, "EUR")
    assert result.succeeded
    assert result.token.startswith("auth_")
    assert token not in result.token
    assert "4242" not in result.token


def test_authorization_token_is_deterministic():
    gateway = TestGateway()
    first = gateway.authorize("tok_test_visa_4242_1230", 1000, "EUR")
    assert gateway.authorize("tok_test_visa_4242_1230", 1000, "EUR") == first


@pytest.mark.parametrize(
    ("token", "amount", "currency"),
    [
        ("tok_test_visa_4242_1231", 1000, "EUR"),
        ("tok_test_visa_4242_1230", 1001, "EUR"),
        ("tok_test_visa_4242_1230", 1000, "USD"),
    ],
)
def test_authorization_token_depends_on_token_amount_and_currency(token, amount, currency):
    gateway = TestGateway()
    base = gateway.authorize("tok_test_visa_4242_1230", 1000, "EUR").token
    assert gateway.authorize(token, amount, currency).token != base


def test_capture_void_and_refund_succeed_with_distinct_tokens():
    gateway = TestGateway()
    auth = gateway.authorize("tok_test_visa_4242_1230", 1000, "EUR").token
    capture = gateway.capture(auth, 1000)
    void = gateway.void(auth)
    refund = gateway.refund(capture.token, 1000)
    assert capture.succeeded and void.succeeded and refund.succeeded
    assert capture.token.startswith("cap_")
    assert void.token.startswith("void_")
    assert refund.token.startswith("ref_")


def test_gateway_for_picks_the_implementation_by_kind():
    assert isinstance(gateway_for(PaymentGateway(kind="test", mode="test")), TestGateway)
    external = gateway_for(
        PaymentGateway(
            kind="external", authorize_url="http://127.0.0.1:1/a", shared_secret="s3cret"
        )
    )
    assert isinstance(external, ExternalGateway)
    assert external.urls["authorize"] == "http://127.0.0.1:1/a"
    assert external.shared_secret == "s3cret"


def test_there_is_no_fallback_gateway():
    with pytest.raises(GatewayNotUsable):
        gateway_for(None)


def test_the_test_gateway_never_charges_in_live_mode():
    with pytest.raises(GatewayNotUsable):
        gateway_for(PaymentGateway(kind="test", mode="live"))


# --- the external gateway against a local server --------------------------------------------


class _Recorder:
    """What the local gateway service received, and what it answers next."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: bytes = b"{}"
        self.status = 200


@pytest.fixture
def service() -> Iterator[tuple[str, _Recorder]]:
    """A gateway service on 127.0.0.1 (ephemeral port) that records requests."""
    recorder = _Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            recorder.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(recorder.answer)))
            self.end_headers()
            self.wfile.write(recorder.answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _external(base: str, secret: str = "shh") -> ExternalGateway:
    return ExternalGateway(
        urls={op: f"{base}/{op}" for op in ("authorize", "capture", "void", "refund", "token")},
        shared_secret=secret,
    )


def test_external_authorize_posts_json_signed_with_hmac_sha256(service):
    base, recorder = service
    recorder.answer = b'{"success": true, "token": "ch_1", "message": "ok"}'
    _external(base, secret="top-secret").authorize("tok_abc", 1250, "EUR")
    request = recorder.requests[0]
    assert request["path"] == "/authorize"
    assert json.loads(request["body"]) == {
        "payment_source_token": "tok_abc",
        "amount_cents": 1250,
        "currency_code": "EUR",
    }
    expected = hmac.new(b"top-secret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Wallet-Signature"] == expected
    assert request["headers"]["Content-Type"] == "application/json"


def test_external_authorize_parses_a_success(service):
    base, recorder = service
    recorder.answer = b'{"success": true, "token": "ch_1", "message": "Approved"}'
    result = _external(base).authorize("tok_abc", 1250, "EUR")
    assert (result.succeeded, result.token, result.message) == (True, "ch_1", "Approved")


def test_external_authorize_parses_a_decline(service):
    base, recorder = service
    recorder.answer = b'{"success": false, "message": "Insufficient funds"}'
    result = _external(base).authorize("tok_abc", 1250, "EUR")
    assert (result.succeeded, result.token, result.message) == (False, "", "Insufficient funds")


@pytest.mark.parametrize(
    ("operation", "args", "payload"),
    [
        ("capture", ("ch_1", 500), {"token": "ch_1", "amount_cents": 500}),
        ("void", ("ch_1",), {"token": "ch_1"}),
        ("refund", ("cap_1", 300), {"token": "cap_1", "amount_cents": 300}),
    ],
)
def test_external_capture_void_refund_post_to_their_urls(service, operation, args, payload):
    base, recorder = service
    recorder.answer = b'{"success": true, "token": "t"}'
    result = getattr(_external(base), operation)(*args)
    assert result.succeeded
    assert recorder.requests[0]["path"] == f"/{operation}"
    assert json.loads(recorder.requests[0]["body"]) == payload


def test_external_tokenize_reads_the_payment_instrument(service):
    base, recorder = service
    recorder.answer = json.dumps(
        {"payment_instrument": {"card_type": "visa", "card_last_digits": "1111"}}
    ).encode()
    instrument = _external(base).tokenize("tok_abc", {})
    assert instrument == {"card_type": "visa", "card_last_digits": "1111"}
    assert json.loads(recorder.requests[0]["body"]) == {"payment_source_token": "tok_abc"}


def test_external_tokenize_without_token_url_asks_nothing(service):
    base, recorder = service
    gateway = ExternalGateway(urls={"authorize": f"{base}/authorize"}, shared_secret="s")
    assert gateway.tokenize("tok_abc", {}) == {}
    assert recorder.requests == []


def test_external_server_error_raises_gateway_unavailable(service):
    base, recorder = service
    recorder.status = 500
    with pytest.raises(GatewayUnavailable):
        _external(base).authorize("tok_abc", 1250, "EUR")


@pytest.mark.parametrize("answer", [b"not json", b"[1, 2]"])
def test_external_nonsense_answer_raises_gateway_unavailable(service, answer):
    base, recorder = service
    recorder.answer = answer
    with pytest.raises(GatewayUnavailable):
        _external(base).authorize("tok_abc", 1250, "EUR")


def test_external_unreachable_server_raises_gateway_unavailable():
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(GatewayUnavailable):
        _external(f"http://127.0.0.1:{port}").authorize("tok_abc", 1250, "EUR")


def test_external_missing_url_raises_gateway_unavailable():
    with pytest.raises(GatewayUnavailable):
        ExternalGateway(urls={}, shared_secret="s").authorize("tok_abc", 1250, "EUR")


# --- the services through an external gateway -----------------------------------------------


def _external_order(base: str):
    gateway = factories.PaymentGatewayFactory(
        name="Shop gateway",
        kind=PaymentGateway.Kind.EXTERNAL,
        authorize_url=f"{base}/authorize",
        shared_secret="shh",
    )
    return factories.OrderFactory(payment_gateway=gateway, customer=None)


@pytest.mark.django_db
def test_place_order_through_the_external_gateway_stores_its_token(service):
    base, recorder = service
    recorder.answer = b'{"success": true, "token": "ch_ext_1", "message": "Approved"}'
    order = _external_order(base)
    services.create_external_payment(order=order, payment_source_token="sdk_tok_1")
    services.place_order(order)
    assert Transaction.objects.get().token == "ch_ext_1"
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.AUTHORIZED
    assert json.loads(recorder.requests[0]["body"])["payment_source_token"] == "sdk_tok_1"


@pytest.mark.django_db
def test_an_unreachable_external_gateway_charges_nothing():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    order = _external_order(f"http://127.0.0.1:{port}")
    services.create_external_payment(order=order, payment_source_token="sdk_tok_1")
    with pytest.raises(services.GatewayDown):
        services.place_order(order)
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert not Transaction.objects.exists()
