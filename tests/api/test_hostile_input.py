"""Hostile input answers a JSON:API 4xx and changes nothing: never a 500."""

import pytest

from tests.support.api import assert_error, document
from wallet.models import Customer, Order


def test_a_page_number_past_any_database_offset_is_an_empty_page(api_client, order):
    response = api_client.get("/api/orders?page[number]=9223372036854775807")

    assert response.status_code == 200
    assert response.doc["data"] == []
    assert response.doc["meta"]["record_count"] == 1


def test_a_filtered_page_number_past_any_database_offset_is_an_empty_page(api_client, order):
    response = api_client.get(
        f"/api/orders?filter[q][reference_eq]={order.reference}&page[number]=9223372036854775807"
    )

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


# --- lone UTF-16 surrogates ---------------------------------------------------------------------

# A JSON escape of a lone surrogate: valid JSON, but no UTF-8 text (nor any database) can hold it.
LONE_SURROGATE = "a\\ud800b"


@pytest.mark.parametrize(
    "attributes",
    [
        f'{{"email": "{LONE_SURROGATE}@example.com"}}',
        f'{{"email": "s@example.com", "metadata": {{"{LONE_SURROGATE}": "v"}}}}',
        f'{{"email": "s@example.com", "reference": "{LONE_SURROGATE}"}}',
    ],
)
def test_a_lone_surrogate_in_an_api_body_is_a_bad_request(api_client, attributes):
    raw = f'{{"data": {{"type": "customers", "attributes": {attributes}}}}}'

    response = api_client.post("/api/customers", raw=raw)

    assert_error(response, 400, "BAD_REQUEST")
    assert not Customer.objects.exists()


def test_a_surrogate_pair_in_an_api_body_is_text(api_client):
    raw = '{"data": {"type": "customers", "attributes": {"email": "p@example.com", '
    raw += '"reference": "\\ud83d\\ude00"}}}'

    response = api_client.post("/api/customers", raw=raw)

    assert response.status_code == 201, response.content
    assert Customer.objects.get(email="p@example.com").reference == "\U0001f600"


@pytest.mark.parametrize("field", ["username", "password", "client_id"])
def test_a_lone_surrogate_in_a_token_request_is_a_bad_request(db, field):
    from django.test import Client

    from wallet.oauth import create_credential

    credential, _secret = create_credential(name="shop", kind="sales_channel", mode="test")
    values = {
        "grant_type": '"password"',
        "client_id": f'"{credential.application.client_id}"',
        "username": '"someone@example.com"',
        "password": '"secret-password"',
    }
    values[field] = f'"{LONE_SURROGATE}"'
    raw = "{" + ", ".join(f'"{key}": {value}' for key, value in values.items()) + "}"

    response = Client().post("/oauth/token", data=raw, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"


# --- sizes and counts ---------------------------------------------------------------------------


def test_a_body_over_the_size_limit_is_content_too_large(api_client, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    padding = "x" * (limit + 1)
    body = document("customers", {"email": "big@example.com", "reference": padding})

    response = api_client.post("/api/customers", body)

    err = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert str(limit) in err["detail"]
    assert not Customer.objects.exists()


def test_a_body_over_the_size_limit_is_refused_at_the_default_limit(api_client):
    body = document("customers", {"email": "big@example.com", "reference": "x" * 3_000_000})

    response = api_client.post("/api/customers", body)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert not Customer.objects.exists()


def test_too_many_query_parameters_is_a_bad_request(api_client, settings):
    query = "&".join(f"p{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 300))

    response = api_client.get(f"/api/orders?{query}")

    assert_error(response, 400, "BAD_REQUEST")


def test_too_many_query_parameters_on_a_write_is_a_bad_request(api_client, settings):
    query = "&".join(f"p{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = api_client.post(
        f"/api/customers?{query}", document("customers", {"email": "q@example.com"})
    )

    assert_error(response, 400, "BAD_REQUEST")
    assert not Customer.objects.exists()


# --- include depth and width --------------------------------------------------------------------


def test_an_include_deeper_than_the_bound_is_invalid(api_client, order):
    path = ".".join(["customer", "orders"] * 95)

    response = api_client.get(f"/api/orders?include={path}")

    err = assert_error(response, 400, "INVALID_INCLUDE")
    assert err["source"] == {"parameter": "include"}


def test_an_include_four_levels_deep_is_invalid(api_client, order):
    response = api_client.get("/api/orders?include=customer.orders.customer.orders")

    err = assert_error(response, 400, "INVALID_INCLUDE")
    assert err["source"] == {"parameter": "include"}


def test_an_include_three_levels_deep_is_served(api_client, order):
    response = api_client.get("/api/orders?include=customer.orders.customer")

    assert response.status_code == 200, response.content


def test_an_include_wider_than_the_bound_is_invalid(api_client, order):
    paths = ",".join(["customer", "payment_gateway"] * 6)

    response = api_client.get(f"/api/orders?include={paths}")

    err = assert_error(response, 400, "INVALID_INCLUDE")
    assert err["source"] == {"parameter": "include"}


# --- nesting of metadata and options ------------------------------------------------------------


def nested(depth: int) -> dict:
    """A JSON object ``depth`` objects deep."""
    value: dict = {}
    for _level in range(depth - 1):
        value = {"k": value}
    return value


def test_metadata_nested_deeper_than_the_bound_is_refused(api_client):
    body = document("customers", {"email": "deep@example.com", "metadata": nested(450)})

    response = api_client.post("/api/customers", body)

    assert_error(response, 422, "VALIDATION_ERROR", pointer="/data/attributes/metadata")
    assert not Customer.objects.exists()


def test_metadata_nested_one_level_past_the_bound_is_refused(api_client):
    from wallet.validators import MAX_JSON_DEPTH

    body = document(
        "customers", {"email": "deep@example.com", "metadata": nested(MAX_JSON_DEPTH + 1)}
    )

    response = api_client.post("/api/customers", body)

    assert_error(response, 422, "VALIDATION_ERROR", pointer="/data/attributes/metadata")
    assert not Customer.objects.exists()


def test_metadata_nested_up_to_the_bound_is_stored(api_client):
    from wallet.validators import MAX_JSON_DEPTH

    body = document("customers", {"email": "deep@example.com", "metadata": nested(MAX_JSON_DEPTH)})

    response = api_client.post("/api/customers", body)

    assert response.status_code == 201, response.content
    assert Customer.objects.get(email="deep@example.com").metadata == nested(MAX_JSON_DEPTH)


def test_options_nested_deeper_than_the_bound_are_refused(api_client, order):
    body = document(
        "external_payments",
        {"payment_source_token": "tok_deep", "options": {"list": [nested(40)]}},
        {"order": ("orders", order.pk)},
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 422, "VALIDATION_ERROR", pointer="/data/attributes/options")
    assert not order.external_payments.exists()


# --- sparse fieldsets on relationship routes ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["fields[nope]=a", "fields[customers]=nope", "fields=email", "fields[orders]=number,nope"],
)
def test_fields_on_a_relationship_route_are_validated(api_client, order, query):
    response = api_client.get(f"/api/orders/{order.pk}/relationships/customer?{query}")

    err = assert_error(response, 400, "INVALID_FIELD")
    assert err["source"]["parameter"].startswith("fields")


def test_valid_fields_on_a_relationship_route_are_served(api_client, order):
    response = api_client.get(
        f"/api/orders/{order.pk}/relationships/customer?fields[customers]=email"
    )

    assert response.status_code == 200, response.content
    assert response.doc["data"] == {"type": "customers", "id": order.customer_id}


# --- the format override ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "xml", "api", "%00"])
def test_an_empty_or_unknown_format_is_a_bad_request(api_client, order, value):
    response = api_client.get(f"/api/orders?format={value}")

    err = assert_error(response, 400, "BAD_REQUEST")
    assert err["source"] == {"parameter": "format"}


def test_an_empty_format_on_an_item_is_a_bad_request(api_client, order):
    response = api_client.get(f"/api/orders/{order.pk}?format=")

    err = assert_error(response, 400, "BAD_REQUEST")
    assert err["source"] == {"parameter": "format"}


def test_a_token_request_over_the_size_limit_is_an_oauth_error(db, settings):
    from django.test import Client

    body = '{"grant_type": "client_credentials", "client_id": "' + "x" * 3_000_000 + '"}'

    response = Client().post("/oauth/token", data=body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "invalid_request"


def test_a_token_request_with_too_many_parameters_is_an_oauth_error(db, settings):
    from django.test import Client

    fields = {f"p{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = Client().post("/oauth/token", {"grant_type": "client_credentials", **fields})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
