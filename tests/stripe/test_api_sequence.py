"""Issue 11's closing sequence through the API against localstripe, step by step.

Create the gateway (the command), a customer and an order, a payment with a PaymentMethod,
``_save_payment_source_to_customer_wallet`` + ``_place``, a second order paid with the saved
card, ``_capture``, ``_refund``, and a third order whose card asks for 3-D Secure. Each step's
answer is printed (``pytest -s`` shows the transcript) and checked, with Stripe's side.
"""

import io
import json

import pytest
from django.core.management import call_command

from tests.support.stripe import NEEDS_3DS, PUBLISHABLE_KEY, SECRET_KEY, authenticate

pytestmark = pytest.mark.django_db

FIELDS = "fields[orders]=status,payment_status"


def show(step, response):
    """Print one step: the request's name, the status and the useful part of the answer."""
    doc = response.doc or {}
    data = doc.get("data") or {}
    summary = {"http": response.status_code}
    if data:
        summary.update({"id": data.get("id"), **(data.get("attributes") or {})})
    if doc.get("errors"):
        error = doc["errors"][0]
        summary.update({"detail": error.get("detail"), "meta": error.get("meta")})
    for item in doc.get("included") or []:
        summary.setdefault("included", []).append(
            {"type": item["type"], "id": item["id"], **item["attributes"]}
        )
    print(f"{step}: {json.dumps(summary, default=str)}")
    return summary


def new_order(api_client, customer_id, gateway_id, cents):
    body = {
        "data": {
            "type": "orders",
            "attributes": {"currency_code": "EUR", "total_amount_cents": cents},
            "relationships": {
                "customer": {"data": {"type": "customers", "id": customer_id}},
                "payment_gateway": {"data": {"type": "payment_gateways", "id": gateway_id}},
            },
        }
    }
    return api_client.post(f"/api/orders?{FIELDS},total_amount_cents", body)


def patch(api_client, order_id, query, **attributes):
    body = {"data": {"type": "orders", "id": order_id, "attributes": attributes}}
    return api_client.patch(f"/api/orders/{order_id}?{query}", body)


def test_the_issue_11_sequence(api_client, localstripe_url, make_card, stripe_client):
    out = io.StringIO()
    call_command(
        "wallet_gateway",
        "--name=Stripe",
        "--kind=stripe",
        "--mode=test",
        f"--secret-key={SECRET_KEY}",
        f"--publishable-key={PUBLISHABLE_KEY}",
        f"--api-base={localstripe_url}",
        "--json",
        stdout=out,
    )
    gateway_id = json.loads(out.getvalue())["id"]
    print(f"wallet_gateway --json: {out.getvalue().strip()}")
    customer = api_client.post(
        "/api/customers",
        {"data": {"type": "customers", "attributes": {"email": "ada@example.com"}}},
    )
    customer_id = show("POST /api/customers", customer)["id"]

    first = show("POST /api/orders", new_order(api_client, customer_id, gateway_id, 4990))
    card = make_card()
    print(f"Stripe.js stand-in: PaymentMethod {card.id} ({card.card.brand} {card.card.last4})")
    payment = api_client.post(
        "/api/external_payments?fields[external_payments]=payment_source_token,payment_instrument",
        {
            "data": {
                "type": "external_payments",
                "attributes": {"payment_source_token": card.id},
                "relationships": {"order": {"data": {"type": "orders", "id": first["id"]}}},
            }
        },
    )
    assert show("POST /api/external_payments", payment)["http"] == 201

    placed = show(
        "PATCH _save_payment_source_to_customer_wallet + _place",
        patch(
            api_client,
            first["id"],
            f"{FIELDS},available_customer_payment_sources"
            "&include=available_customer_payment_sources"
            "&fields[customer_payment_sources]=name,customer_token,payment_source_token",
            _save_payment_source_to_customer_wallet=True,
            _place=True,
        ),
    )
    assert placed["payment_status"] == "authorized"
    (saved,) = placed["included"]
    assert saved["payment_source_token"] == card.id
    assert saved["name"] == "XXXX-XXXX-XXXX-4242"

    second = show("POST /api/orders", new_order(api_client, customer_id, gateway_id, 1250))
    paid = show(
        "PATCH _customer_payment_source_id + _place",
        patch(
            api_client,
            second["id"],
            f"{FIELDS},authorizations&include=authorizations"
            "&fields[authorizations]=amount_cents,token,succeeded",
            _customer_payment_source_id=saved["id"],
            _place=True,
        ),
    )
    intent_id = paid["included"][0]["token"]
    captured = show("PATCH _capture", patch(api_client, second["id"], FIELDS, _capture=True))
    assert captured["payment_status"] == "paid"
    refunded = show(
        "PATCH _refund",
        patch(
            api_client,
            second["id"],
            f"{FIELDS},refunds&include=refunds&fields[refunds]=amount_cents,token,succeeded",
            _refund=True,
        ),
    )
    assert refunded["payment_status"] == "refunded"

    third = show("POST /api/orders", new_order(api_client, customer_id, gateway_id, 990))
    api_client.post(
        "/api/external_payments",
        {
            "data": {
                "type": "external_payments",
                "attributes": {"payment_source_token": make_card(NEEDS_3DS).id},
                "relationships": {"order": {"data": {"type": "orders", "id": third["id"]}}},
            }
        },
    )
    challenge = show(
        "PATCH _place (3-D Secure card)", patch(api_client, third["id"], FIELDS, _place=True)
    )
    assert challenge["http"] == 422
    meta = challenge["meta"]
    authenticate(localstripe_url, meta["payment_intent"], meta["client_secret"], success=True)
    print("Stripe.js stand-in: the customer completed the 3-D Secure challenge")
    done = show(
        "PATCH _place (after 3-D Secure)", patch(api_client, third["id"], FIELDS, _place=True)
    )
    assert done["payment_status"] == "authorized"

    print("Stripe's side:")
    for intent in stripe_client.v1.payment_intents.list(params={"limit": 10}).data:
        print(
            f"  {intent.id} {intent.amount} {intent.currency} {intent.customer} "
            f"{intent.payment_method} {intent.capture_method} {intent.status}"
        )
    refund = stripe_client.v1.refunds.retrieve(refunded["included"][0]["token"])
    print(f"  {refund.id} {refund.amount} {refund.payment_intent} {refund.status}")
    assert refund.payment_intent == intent_id
    assert stripe_client.v1.payment_intents.retrieve(intent_id).customer == saved["customer_token"]
