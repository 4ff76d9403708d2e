"""Hostile input answers a JSON:API 4xx and changes nothing: never a 500."""

import pytest

from tests.api.test_write import assert_error, document
from wallet.models import Customer, Order


def test_a_page_number_past_any_database_offset_is_an_empty_page(api_client, order):
    response = api_client.get("/api/orders?page[number]=9223372036854775807")

    assert response.status_code == 200
    assert response.doc["data"] == []
    assert response.doc["meta"]["record_count"] == 1


def test_a_nul_character_in_an_id_is_not_found(api_client, order):
    response = api_client.get("/api/orders/a%00b")

    assert_error(response, 404, "RECORD_NOT_FOUND")


def test_a_nul_character_in_a_related_route_id_is_not_found(api_client, order):
    response = api_client.get("/api/orders/a%00b/customer")

    assert_error(response, 404, "RECORD_NOT_FOUND")


def test_a_nul_character_in_a_query_parameter_is_a_bad_request(api_client, order):
    response = api_client.get("/api/external_payments?page[after]=a%00")

    assert_error(response, 400, "BAD_REQUEST")
    assert response.doc["errors"][0]["source"] == {"parameter": "page[after]"}


@pytest.mark.parametrize(
    "attributes",
    [
        {"email": "nul@example.com", "reference": "a\x00b"},
        {"email": "nul@example.com", "metadata": {"k": "a\x00b"}},
        {"email": "nul@example.com", "metadata": {"a\x00b": "v"}},
    ],
)
def test_a_nul_character_in_a_body_is_a_bad_request(api_client, attributes):
    response = api_client.post("/api/customers", document("customers", attributes))

    assert_error(response, 400, "BAD_REQUEST")
    assert not Customer.objects.filter(email="nul@example.com").exists()


def test_a_body_nested_too_deeply_is_a_bad_request(api_client):
    response = api_client.post("/api/orders", raw="[" * 100_000 + "]" * 100_000)

    assert_error(response, 400, "BAD_REQUEST")
    assert not Order.objects.exists()


def test_a_card_number_as_an_order_number_is_refused(api_client):
    body = document(
        "orders",
        {"number": "4242424242424242", "currency_code": "EUR", "total_amount_cents": 100},
    )

    response = api_client.post("/api/orders", body)

    assert_error(response, 422, "VALIDATION_ERROR")
    assert response.doc["errors"][0]["source"] == {"pointer": "/data/attributes/number"}
    assert not Order.objects.exists()
