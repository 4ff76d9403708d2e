"""Capture, cancel (void) and refund through the order triggers, and the transaction types
``authorizations``, ``captures``, ``voids`` and ``refunds`` that show them."""

import pytest

from tests import factories
from tests.support.api import assert_error, patch_order
from wallet import services
from wallet.models import AuditEntry, Order, Transaction


@pytest.fixture
def placed(payment):
    """An order placed and authorized through the test gateway."""
    services.place_order(payment.order)
    payment.order.refresh_from_db()
    return payment.order


@pytest.fixture
def paid(placed):
    """A placed order whose authorization is captured."""
    services.capture_order(placed)
    placed.refresh_from_db()
    return placed


def kinds(order: Order) -> list[tuple[str, bool]]:
    """The order's transactions, oldest first, as (kind, succeeded)."""
    return list(
        Transaction.objects.filter(payment__order=order)
        .order_by("created_at")
        .values_list("kind", "succeeded")
    )


def test_capture_makes_an_authorized_order_paid(api_client, placed):
    response = patch_order(api_client, placed, "?include=captures", _capture=True)

    assert response.status_code == 200
    assert response.doc["data"]["attributes"]["payment_status"] == "paid"
    capture = Transaction.objects.get(payment__order=placed, kind="capture")
    assert capture.succeeded and capture.token.startswith("cap_")
    assert capture.amount_cents == placed.total_amount_cents
    assert response.doc["included"] == [
        {
            "id": capture.pk,
            "type": "captures",
            "links": {"self": f"http://testserver/api/captures/{capture.pk}"},
            "attributes": {
                "currency_code": "EUR",
                "amount_cents": placed.total_amount_cents,
                "succeeded": True,
                "message": capture.message,
                "token": capture.token,
                "created_at": response.doc["included"][0]["attributes"]["created_at"],
                "updated_at": response.doc["included"][0]["attributes"]["created_at"],
            },
            "relationships": {
                "order": {
                    "links": {
                        "self": f"http://testserver/api/captures/{capture.pk}/relationships/order",
                        "related": f"http://testserver/api/captures/{capture.pk}/order",
                    }
                }
            },
            "meta": {"mode": "test"},
        }
    ]
    assert AuditEntry.objects.filter(resource_id=placed.pk, event="captured").exists()


def test_capturing_an_unpaid_order_is_refused(api_client, order):
    response = patch_order(api_client, order, _capture=True)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_capture", "invalid_state")
    assert not Transaction.objects.exists()


def test_capturing_twice_is_refused(api_client, paid):
    response = patch_order(api_client, paid, _capture=True)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_capture", "invalid_state")
    assert Transaction.objects.filter(kind="capture").count() == 1


def test_cancel_voids_the_authorization(api_client, placed):
    response = patch_order(api_client, placed, _cancel=True)

    assert response.status_code == 200
    attributes = response.doc["data"]["attributes"]
    assert (attributes["status"], attributes["payment_status"]) == ("cancelled", "voided")
    assert kinds(placed) == [("authorization", True), ("void", True)]


def test_cancel_an_unpaid_order_calls_no_gateway(api_client, order):
    response = patch_order(api_client, order, _cancel=True)

    assert response.status_code == 200
    assert response.doc["data"]["attributes"]["status"] == "cancelled"
    assert not Transaction.objects.exists()


def test_a_paid_order_is_refunded_not_cancelled(api_client, paid):
    response = patch_order(api_client, paid, _cancel=True)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_cancel", "invalid_state")
    paid.refresh_from_db()
    assert paid.status == "placed"


def test_refund_makes_a_paid_order_refunded(api_client, paid):
    response = patch_order(api_client, paid, _refund=True)

    assert response.status_code == 200
    assert response.doc["data"]["attributes"]["payment_status"] == "refunded"
    assert kinds(paid) == [("authorization", True), ("capture", True), ("refund", True)]


def test_refunding_an_order_only_authorized_is_refused(api_client, placed):
    response = patch_order(api_client, placed, _refund=True)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/_refund", "invalid_state")


@pytest.mark.parametrize("trigger", ["_capture", "_cancel", "_refund"])
def test_a_customer_cannot_move_money(trigger, placed):
    with pytest.raises(Exception) as excinfo:
        services.change_order(
            placed, {}, actor=services.actor_for_customer(placed.customer), **{trigger[1:]: True}
        )

    assert trigger in excinfo.value.message_dict
    placed.refresh_from_db()
    assert placed.payment_status == "authorized"


def test_a_capture_refused_by_the_gateway_is_recorded_and_changes_nothing(placed, monkeypatch):
    from wallet.gateways import GatewayResult, TestGateway

    monkeypatch.setattr(
        TestGateway, "capture", lambda self, token, amount: GatewayResult(False, "", "expired")
    )

    with pytest.raises(services.PaymentDeclined):
        services.capture_order(placed)

    placed.refresh_from_db()
    assert placed.payment_status == "authorized"
    assert kinds(placed) == [("authorization", True), ("capture", False)]


def test_a_disabled_gateway_still_refunds_what_it_charged(paid):
    from django.utils import timezone

    paid.payment_gateway.disabled_at = timezone.now()
    paid.payment_gateway.save()

    services.refund_order(paid)

    paid.refresh_from_db()
    assert paid.payment_status == "refunded"


# --- the transaction types ----------------------------------------------------------------


def test_order_lists_its_authorizations(api_client, placed):
    authorization = Transaction.objects.get(kind="authorization")

    response = api_client.get(f"/api/orders/{placed.pk}/authorizations")

    assert response.status_code == 200
    assert [item["id"] for item in response.doc["data"]] == [authorization.pk]
    assert response.doc["data"][0]["type"] == "authorizations"


def test_each_type_shows_only_its_kind(api_client, paid):
    captures = api_client.get("/api/captures").doc["data"]
    authorizations = api_client.get("/api/authorizations").doc["data"]

    assert [item["type"] for item in captures] == ["captures"]
    assert [item["type"] for item in authorizations] == ["authorizations"]
    assert api_client.get(f"/api/voids/{captures[0]['id']}").status_code == 404


def test_a_transaction_links_to_its_order(api_client, placed):
    authorization = Transaction.objects.get(kind="authorization")

    response = api_client.get(f"/api/authorizations/{authorization.pk}/order")

    assert response.doc["data"]["id"] == placed.pk


def test_transactions_are_read_only(api_client, placed):
    authorization = Transaction.objects.get(kind="authorization")

    response = api_client.delete(f"/api/authorizations/{authorization.pk}")

    assert response.status_code == 405


def test_another_customers_transactions_are_not_found(placed):
    from django.test import Client

    from tests.support.api_client import JsonApiClient

    stranger = factories.CustomerFactory()
    client = Client()
    client.force_login(stranger.user)
    authorization = Transaction.objects.get(kind="authorization")

    response = JsonApiClient(client).get(f"/api/authorizations/{authorization.pk}")

    assert response.status_code == 404
