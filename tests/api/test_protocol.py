"""Media types, HTTP errors, access, and the schema/docs pages of the API."""

import json

import pytest
from django.test import Client

from tests.support.api import assert_error, document, first_error
from wallet.api import viewsets


def test_anonymous_request_is_invalid_token(anonymous_client, source):
    response = anonymous_client.get(f"/api/customer_payment_sources/{source.pk}")

    assert_error(response, 401, "INVALID_TOKEN")


def test_anonymous_write_is_invalid_token(anonymous_client, customer):
    response = anonymous_client.post("/api/customers", document("customers", {"email": "a@b.co"}))

    assert_error(response, 401, "INVALID_TOKEN")


def test_non_staff_session_without_customer_role_cannot_read_the_audit_log(db, customer):
    client = Client()
    client.force_login(customer.user)

    response = client.get("/api/versions", HTTP_ACCEPT="application/vnd.api+json")

    assert response.status_code == 401
    assert json.loads(response.content)["errors"][0]["code"] in {"UNAUTHORIZED", "INVALID_TOKEN"}


@pytest.mark.parametrize("accept", ["application/vnd.api+json", "application/json", "*/*"])
def test_accepted_media_types(api_client, source, accept):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}", accept=accept)

    assert response.status_code == 200
    expected = "application/json" if accept == "application/json" else "application/vnd.api+json"
    assert response["Content-Type"] == expected


@pytest.mark.parametrize("accept", ["text/html", "application/xml"])
def test_other_accept_is_not_acceptable(api_client, source, accept):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}", accept=accept)

    assert_error(response, 406, "NOT_ACCEPTABLE")
    assert response["Content-Type"] == "application/vnd.api+json"


def test_plain_json_body_is_accepted(api_client, customer):
    response = api_client.post(
        "/api/customers",
        document("customers", {"email": "json@example.com"}),
        content_type="application/json",
    )

    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_other_content_type_is_unsupported(api_client, customer, content_type):
    response = api_client.request(
        "POST",
        "/api/customers",
        raw="email=a@b.co",
        content_type=content_type,
    )

    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/customer_payment_sources/{pk}"),
        ("OPTIONS", "/api/customer_payment_sources"),
        ("POST", "/api/customer_payment_sources/{pk}"),
        ("DELETE", "/api/customer_payment_sources"),
        ("PATCH", "/api/customer_payment_sources"),
        ("POST", "/api/customer_payment_sources/{pk}/customer"),
        ("PATCH", "/api/customer_payment_sources/{pk}/relationships/customer"),
    ],
)
def test_method_not_allowed(api_client, source, method, path):
    response = api_client.request(method, path.format(pk=source.pk), {"data": {}})

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/nope",
        "/api/customer_payment_sources/x/nope",
        "/api/customer_payment_sources/x/relationships/nope",
        "/api/customer_payment_sources/",
        "/api/customer_payment_sources/x/y/z/w",
    ],
)
def test_unknown_urls_under_the_api_are_json_api_404(api_client, path):
    response = api_client.get(path)

    assert_error(response, 404, "RECORD_NOT_FOUND")
    assert response["Content-Type"] == "application/vnd.api+json"


def test_unexpected_exception_is_a_logged_json_api_500(api_client, source, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(viewsets, "build_document", explode)
    # The 500 is signalled (got_request_exception), which the test client would re-raise.
    api_client.client.raise_request_exception = False

    response = api_client.get(f"/api/customer_payment_sources/{source.pk}")

    assert_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "boom" not in response.content.decode()
    assert "Unexpected error" in caplog.text


def test_gateway_down_is_service_unavailable(api_client, order, monkeypatch):
    from wallet import services

    def down(*args, **kwargs):
        raise services.GatewayDown("gateway unreachable")

    monkeypatch.setattr(services, "create_external_payment", down)
    body = document("external_payments", {"payment_source_token": "tok"}, None)
    body["data"]["relationships"] = {"order": {"data": {"type": "orders", "id": order.pk}}}

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 503, "SERVICE_UNAVAILABLE")


def test_database_down_is_service_unavailable(api_client, source, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(viewsets, "build_document", down)

    response = api_client.get(f"/api/customer_payment_sources/{source.pk}")

    assert_error(response, 503, "SERVICE_UNAVAILABLE")


def test_error_objects_have_every_member(api_client, customer):
    response = api_client.post("/api/customers", document("customers", {}))

    error = first_error(response)
    assert set(error) == {"title", "detail", "code", "status", "source", "meta"}
    assert error == {
        "title": "can't be blank",
        "detail": "email - can't be blank",
        "code": "VALIDATION_ERROR",
        "status": "422",
        "source": {"pointer": "/data/attributes/email"},
        "meta": {"error": "blank"},
    }
