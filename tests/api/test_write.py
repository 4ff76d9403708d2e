"""Contract tests of the write routes: create (201), update (200), delete (204) through the
services, and every attribute's create/update rule."""

import pytest

from tests import factories
from tests.support.api import assert_error, document, errors_of
from wallet import services
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    Transaction,
)

CARD = "4242 4242 4242 4242"


# --- customer_payment_sources --------------------------------------------------------------


def test_create_payment_source(api_client, customer):
    body = document(
        "customer_payment_sources",
        {
            "customer_token": "cus_123",
            "payment_source_token": "pm_123",
            "reference": "ERP-1",
            "reference_origin": "erp",
            "metadata": {"foo": "bar"},
        },
        {"customer": ("customers", customer.pk)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.status_code == 201
    data = response.doc["data"]
    source = CustomerPaymentSource.objects.get(pk=data["id"])
    assert response["Location"] == f"http://testserver/api/customer_payment_sources/{source.pk}"
    assert data["attributes"]["customer_token"] == "cus_123"
    assert data["attributes"]["metadata"] == {"foo": "bar"}
    assert data["attributes"]["default"] is True  # the first card becomes the default
    assert data["attributes"]["name"] == ""
    assert source.customer == customer
    entry = AuditEntry.objects.get(resource_id=source.pk, event="create")
    # Audited as the API caller (an integration), whatever credential the fixture uses.
    assert entry.who["application"]["kind"] == "integration"


def test_create_payment_source_from_an_external_payment(api_client, payment):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": payment.payment_source_token},
        {
            "customer": ("customers", payment.order.customer_id),
            "payment_source": ("external_payments", payment.pk),
        },
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.status_code == 201
    assert response.doc["data"]["attributes"]["name"] == "XXXX-XXXX-XXXX-4242"
    source = CustomerPaymentSource.objects.get(pk=response.doc["data"]["id"])
    assert source.payment == payment


def test_create_payment_source_default_false_keeps_existing_default(api_client, source):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_2", "default": False},
        {"customer": ("customers", source.customer_id)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert response.doc["data"]["attributes"]["default"] is False
    source.refresh_from_db()
    assert source.is_default


def test_create_payment_source_without_token_is_blank(api_client, customer):
    body = document("customer_payment_sources", {}, {"customer": ("customers", customer.pk)})

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/attributes/payment_source_token", "blank"
    )
    assert not CustomerPaymentSource.objects.exists()


def test_create_payment_source_with_empty_token_is_blank(api_client, customer):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": ""},
        {"customer": ("customers", customer.pk)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/attributes/payment_source_token", "blank"
    )


def test_create_payment_source_without_customer_is_blank(api_client, db):
    body = document("customer_payment_sources", {"payment_source_token": "pm_1"})

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/customer", "blank")


def test_create_payment_source_with_customer_of_other_mode(api_client, db):
    live = factories.CustomerFactory(mode="live")
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_1"},
        {"customer": ("customers", live.pk)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/customer")
    assert not CustomerPaymentSource.objects.exists()


@pytest.mark.parametrize("attribute", ["customer_token", "payment_source_token", "reference"])
def test_create_payment_source_refuses_card_numbers(api_client, customer, attribute):
    attributes = {"payment_source_token": "pm_1", attribute: CARD}
    body = document(
        "customer_payment_sources", attributes, {"customer": ("customers", customer.pk)}
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", f"/data/attributes/{attribute}", "invalid")
    assert not CustomerPaymentSource.objects.exists()


def test_create_payment_source_refuses_card_numbers_in_metadata(api_client, customer):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_1", "metadata": {"card": CARD}},
        {"customer": ("customers", customer.pk)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/metadata", "invalid")


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("name", "XXXX-XXXX-XXXX-1111"),
        ("created_at", "2018-01-01T12:00:00.000Z"),
        ("updated_at", "2018-01-01T12:00:00.000Z"),
        ("payment_instrument", {}),
        ("nonsense", 1),
    ],
)
def test_create_payment_source_refuses_read_only_and_unknown_attributes(
    api_client, customer, attribute, value
):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_1", attribute: value},
        {"customer": ("customers", customer.pk)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 400, "BAD_REQUEST", f"/data/attributes/{attribute}")
    assert not CustomerPaymentSource.objects.exists()


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("metadata", "not an object"), ("default", "yes"), ("customer_token", 12)],
)
def test_create_payment_source_refuses_values_of_the_wrong_type(
    api_client, customer, attribute, value
):
    body = document(
        "customer_payment_sources",
        {"payment_source_token": "pm_1", attribute: value},
        {"customer": ("customers", customer.pk)},
    )

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 422, "VALIDATION_ERROR", f"/data/attributes/{attribute}", "invalid")


def test_create_with_the_wrong_type_is_a_conflict(api_client, customer):
    body = document("external_payments", {"payment_source_token": "pm_1"})

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 409, "CONFLICT", "/data/type")


def test_create_with_a_client_id_is_refused(api_client, customer):
    body = document("customer_payment_sources", {"payment_source_token": "pm_1"}, pk="abc")

    response = api_client.post("/api/customer_payment_sources", body)

    assert_error(response, 400, "BAD_REQUEST", "/data/id")


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "{}",
        '{"data": []}',
        '{"data": "x"}',
        '{"data": {"attributes": {}}}',
        '{"data": {"type": "customer_payment_sources", "attributes": []}}',
        '{"data": {"type": "customer_payment_sources", "relationships": {"customer": 1}}}',
        '{"data": {"type": "customer_payment_sources", "bogus": 1}}',
        "",
    ],
)
def test_malformed_bodies_are_bad_requests(api_client, db, raw):
    response = api_client.post("/api/customer_payment_sources", raw=raw)

    assert_error(response, 400, "BAD_REQUEST")


def test_update_payment_source(api_client, source):
    body = document(
        "customer_payment_sources",
        {"customer_token": "cus_new", "reference": None, "metadata": {"a": 1}},
        pk=source.pk,
    )

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert response.status_code == 200
    assert response.doc["data"]["attributes"]["customer_token"] == "cus_new"
    source.refresh_from_db()
    assert source.customer_token == "cus_new"
    assert source.reference == ""
    assert source.metadata == {"a": 1}
    assert AuditEntry.objects.filter(resource_id=source.pk, event="update").exists()


def test_update_default_moves_the_default(api_client, source):
    other = factories.CustomerPaymentSourceFactory(customer=source.customer)
    body = document("customer_payment_sources", {"default": True}, pk=other.pk)

    response = api_client.patch(f"/api/customer_payment_sources/{other.pk}", body)

    assert response.doc["data"]["attributes"]["default"] is True
    source.refresh_from_db()
    assert not source.is_default


def test_update_payment_source_relationships(api_client, source):
    # The customer may be restated unchanged (changing it is a 422: test_customer_guardrails).
    body = document(
        "customer_payment_sources",
        relationships={"customer": ("customers", source.customer_id), "payment_source": None},
        pk=source.pk,
    )

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert response.status_code == 200
    customer_id = source.customer_id
    source.refresh_from_db()
    assert source.customer_id == customer_id
    assert source.payment is None


def test_update_payment_source_customer_cannot_be_removed(api_client, source):
    body = document("customer_payment_sources", relationships={"customer": None}, pk=source.pk)

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/customer", "blank")


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("name", "x"), ("created_at", "2018-01-01T12:00:00.000Z"), ("updated_at", None)],
)
def test_update_refuses_read_only_attributes_and_changes_nothing(
    api_client, source, attribute, value
):
    before = CustomerPaymentSource.objects.filter(pk=source.pk).values().get()
    body = document(
        "customer_payment_sources", {"customer_token": "cus_x", attribute: value}, pk=source.pk
    )

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert_error(response, 400, "BAD_REQUEST", f"/data/attributes/{attribute}")
    assert CustomerPaymentSource.objects.filter(pk=source.pk).values().get() == before


def test_update_with_another_id_is_key_not_included_in_url(api_client, source):
    body = document("customer_payment_sources", {"reference": "x"}, pk="another123")

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert_error(response, 400, "KEY_NOT_INCLUDED_IN_URL", "/data/id")


def test_update_without_id_is_a_bad_request(api_client, source):
    body = document("customer_payment_sources", {"reference": "x"})

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert_error(response, 400, "BAD_REQUEST", "/data/id")


def test_update_with_wrong_type_is_a_conflict(api_client, source):
    body = document("customers", {"reference": "x"}, pk=source.pk)

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert_error(response, 409, "CONFLICT")


def test_update_unknown_record_is_not_found(api_client, db):
    body = document("customer_payment_sources", {"reference": "x"}, pk="missing000")

    response = api_client.patch("/api/customer_payment_sources/missing000", body)

    assert_error(response, 404, "RECORD_NOT_FOUND")


def test_update_card_number_is_invalid_and_changes_nothing(api_client, source):
    body = document("customer_payment_sources", {"customer_token": CARD}, pk=source.pk)

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/customer_token", "invalid")
    source.refresh_from_db()
    assert source.customer_token != CARD


def test_delete_payment_source(api_client, source):
    response = api_client.delete(f"/api/customer_payment_sources/{source.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not CustomerPaymentSource.objects.filter(pk=source.pk).exists()
    assert AuditEntry.objects.filter(resource_id=source.pk, event="destroy").exists()


def test_delete_unknown_payment_source_is_not_found(api_client, db):
    response = api_client.delete("/api/customer_payment_sources/missing000")

    assert_error(response, 404, "RECORD_NOT_FOUND")


# --- external_payments -----------------------------------------------------------------------


def test_create_external_payment(api_client, order):
    body = document(
        "external_payments",
        {
            "payment_source_token": "tok_test_mastercard_5454_0931",
            "options": {"card_holder_name": "Ada"},
            "reference": "R",
        },
        {"order": ("orders", order.pk)},
    )

    response = api_client.post("/api/external_payments", body)

    assert response.status_code == 201
    attributes = response.doc["data"]["attributes"]
    assert attributes["payment_instrument"]["card_last_digits"] == "5454"
    assert attributes["payment_instrument"]["card_holder_name"] == "Ada"
    payment = ExternalPayment.objects.get(pk=response.doc["data"]["id"])
    assert payment.payment_gateway == order.payment_gateway
    assert response["Location"].endswith(f"/api/external_payments/{payment.pk}")


def test_create_external_payment_without_token_is_blank(api_client, order):
    body = document("external_payments", {"options": {}}, {"order": ("orders", order.pk)})

    response = api_client.post("/api/external_payments", body)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/attributes/payment_source_token", "blank"
    )


def test_create_external_payment_with_null_token_is_blank(api_client, order):
    body = document(
        "external_payments", {"payment_source_token": None}, {"order": ("orders", order.pk)}
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/attributes/payment_source_token", "blank"
    )


def test_create_external_payment_without_order_is_blank(api_client, db):
    body = document("external_payments", {"payment_source_token": "tok"})

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/order", "blank")


def test_create_external_payment_with_unknown_order(api_client, db):
    body = document(
        "external_payments", {"payment_source_token": "tok"}, {"order": ("orders", "missing000")}
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/order")


def test_create_external_payment_with_related_type_mismatch(api_client, order):
    body = document(
        "external_payments", {"payment_source_token": "tok"}, {"order": ("customers", order.pk)}
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/order", "invalid")


def test_create_external_payment_card_number_is_invalid(api_client, order):
    body = document(
        "external_payments", {"payment_source_token": CARD}, {"order": ("orders", order.pk)}
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(
        response, 422, "VALIDATION_ERROR", "/data/attributes/payment_source_token", "invalid"
    )
    assert not ExternalPayment.objects.exists()


def test_create_external_payment_card_number_in_options_is_invalid(api_client, order):
    body = document(
        "external_payments",
        {"payment_source_token": "tok", "options": {"nested": {"pan": CARD}}},
        {"order": ("orders", order.pk)},
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/options", "invalid")


@pytest.mark.parametrize("relationship", ["payment_gateway", "wallet", "versions"])
def test_create_external_payment_refuses_read_only_relationships(
    api_client, order, source, relationship
):
    targets = {
        "payment_gateway": ("payment_gateways", order.payment_gateway_id),
        "wallet": ("customer_payment_sources", source.pk),
        "versions": ("versions", "x"),
    }
    body = document(
        "external_payments",
        {"payment_source_token": "tok"},
        {"order": ("orders", order.pk), relationship: targets[relationship]},
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 400, "BAD_REQUEST", f"/data/relationships/{relationship}")


def test_create_external_payment_refuses_payment_instrument(api_client, order):
    body = document(
        "external_payments",
        {"payment_source_token": "tok", "payment_instrument": {"card_type": "visa"}},
        {"order": ("orders", order.pk)},
    )

    response = api_client.post("/api/external_payments", body)

    assert_error(response, 400, "BAD_REQUEST", "/data/attributes/payment_instrument")


def test_update_external_payment(api_client, payment):
    other_order = factories.OrderFactory(payment_gateway=payment.payment_gateway)
    body = document(
        "external_payments",
        {"options": {"x": "y"}, "reference_origin": "o"},
        {"order": ("orders", other_order.pk)},
        pk=payment.pk,
    )

    response = api_client.patch(f"/api/external_payments/{payment.pk}", body)

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.options == {"x": "y"}
    assert payment.reference_origin == "o"
    assert payment.order == other_order


@pytest.mark.parametrize(
    ("member", "name", "value"),
    [
        ("attributes", "payment_source_token", "tok_test_visa_1111_1230"),
        ("attributes", "payment_instrument", {}),
        ("relationships", "payment_gateway", None),
        ("relationships", "wallet", None),
    ],
)
def test_update_external_payment_refuses_immutable_fields(api_client, payment, member, name, value):
    before = ExternalPayment.objects.filter(pk=payment.pk).values().get()
    body = {
        "data": {
            "type": "external_payments",
            "id": payment.pk,
            "attributes": {"reference": "changed"},
            member: {name: {"data": value} if member == "relationships" else value},
        }
    }
    if member == "relationships":
        body["data"]["attributes"] = {"reference": "changed"}

    response = api_client.patch(f"/api/external_payments/{payment.pk}", body)

    assert_error(response, 400, "BAD_REQUEST", f"/data/{member}/{name}")
    assert ExternalPayment.objects.filter(pk=payment.pk).values().get() == before


def test_delete_external_payment(api_client, payment):
    response = api_client.delete(f"/api/external_payments/{payment.pk}")

    assert response.status_code == 204
    assert not ExternalPayment.objects.filter(pk=payment.pk).exists()


def test_delete_external_payment_with_transactions_is_locked(api_client, payment):
    Transaction.objects.create(
        payment=payment, kind="authorization", succeeded=True, amount_cents=1, currency_code="EUR"
    )

    response = api_client.delete(f"/api/external_payments/{payment.pk}")

    assert_error(response, 423, "LOCKED")
    assert ExternalPayment.objects.filter(pk=payment.pk).exists()


# --- customers -----------------------------------------------------------------------------


def test_create_customer_with_password(api_client, db, django_user_model):
    body = document(
        "customers", {"email": "New@Example.com", "password": "s3cret-pass", "reference": "C-1"}
    )

    response = api_client.post("/api/customers", body)

    assert response.status_code == 201
    attributes = response.doc["data"]["attributes"]
    assert attributes["email"] == "new@example.com"
    assert attributes["status"] == "prospect"
    assert "password" not in attributes
    customer = Customer.objects.get(pk=response.doc["data"]["id"])
    assert customer.user.check_password("s3cret-pass")


def test_create_customer_email_taken(api_client, customer):
    response = api_client.post("/api/customers", document("customers", {"email": customer.email}))

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/email", "taken")


def test_create_customer_without_email_is_blank(api_client, db):
    response = api_client.post("/api/customers", document("customers", {}))

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/email", "blank")


def test_create_customer_with_bad_email_is_invalid(api_client, db):
    response = api_client.post("/api/customers", document("customers", {"email": "nope"}))

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/email", "invalid")


def test_create_customer_refuses_status(api_client, db):
    body = document("customers", {"email": "a@example.com", "status": "repeat"})

    response = api_client.post("/api/customers", body)

    assert_error(response, 400, "BAD_REQUEST", "/data/attributes/status")
    assert not Customer.objects.exists()


def test_update_customer_email_and_password(api_client, db):
    # Only a login the wallet created for the customer is changed through the API.
    customer = services.create_customer(mode="test", email="pw@example.com", password="first-pw-1")
    body = document(
        "customers", {"email": "changed@example.com", "password": "an0ther-pass"}, pk=customer.pk
    )

    response = api_client.patch(f"/api/customers/{customer.pk}", body)

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "changed@example.com"
    assert customer.user.check_password("an0ther-pass")


def test_update_customer_short_password_is_invalid(api_client, customer):
    body = document("customers", {"password": "short"}, pk=customer.pk)

    response = api_client.patch(f"/api/customers/{customer.pk}", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/password")


def test_delete_customer_without_orders(api_client, customer):
    response = api_client.delete(f"/api/customers/{customer.pk}")

    assert response.status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_delete_customer_with_orders_is_locked(api_client, order):
    response = api_client.delete(f"/api/customers/{order.customer_id}")

    assert_error(response, 423, "LOCKED")


# --- orders ----------------------------------------------------------------------------------


def test_create_order(api_client, customer, gateway):
    body = document(
        "orders",
        {"currency_code": "eur", "total_amount_cents": 1250},
        {"customer": ("customers", customer.pk)},
    )

    response = api_client.post("/api/orders", body)

    assert response.status_code == 201
    attributes = response.doc["data"]["attributes"]
    assert attributes["currency_code"] == "EUR"
    assert attributes["number"]
    assert attributes["status"] == "draft"
    order = Order.objects.get(pk=response.doc["data"]["id"])
    assert order.payment_gateway == gateway
    assert order.customer == customer


def test_create_guest_order_with_number(api_client, gateway):
    body = document(
        "orders",
        {"currency_code": "USD", "total_amount_cents": 0, "number": "A-1"},
        {"payment_gateway": ("payment_gateways", gateway.pk), "customer": None},
    )

    response = api_client.post("/api/orders", body)

    assert response.status_code == 201
    assert response.doc["data"]["attributes"]["number"] == "A-1"
    assert Order.objects.get(number="A-1").customer is None


def test_create_order_defaults_currency_and_total(api_client, gateway, settings):
    settings.WALLET = {"DEFAULT_CURRENCY": "USD"}

    response = api_client.post("/api/orders", document("orders", {}))

    assert response.status_code == 201
    attributes = response.doc["data"]["attributes"]
    assert (attributes["currency_code"], attributes["total_amount_cents"]) == ("USD", 0)


def test_create_order_negative_total_is_invalid(api_client, gateway):
    body = document("orders", {"currency_code": "EUR", "total_amount_cents": -1})

    response = api_client.post("/api/orders", body)

    assert_error(response, 422, "VALIDATION_ERROR", "/data/attributes/total_amount_cents")


@pytest.mark.parametrize("attribute", ["status", "payment_status", "placed_at"])
def test_order_status_is_read_only(api_client, order, attribute):
    body = document("orders", {attribute: "placed"}, pk=order.pk)

    response = api_client.patch(f"/api/orders/{order.pk}", body)

    assert_error(response, 400, "BAD_REQUEST", f"/data/attributes/{attribute}")
    order.refresh_from_db()
    assert order.status == "draft"


def test_order_triggers_are_not_creatable(api_client, gateway):
    body = document("orders", {"currency_code": "EUR", "total_amount_cents": 1, "_place": True})

    response = api_client.post("/api/orders", body)

    assert_error(response, 400, "BAD_REQUEST", "/data/attributes/_place")


def test_update_order(api_client, order):
    body = document("orders", {"total_amount_cents": 100, "metadata": {"k": "v"}}, pk=order.pk)

    response = api_client.patch(f"/api/orders/{order.pk}", body)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.total_amount_cents == 100
    assert order.metadata == {"k": "v"}


def test_delete_order_without_payments(api_client, order):
    response = api_client.delete(f"/api/orders/{order.pk}")

    assert response.status_code == 204


def test_delete_order_with_payments_is_locked(api_client, payment):
    response = api_client.delete(f"/api/orders/{payment.order_id}")

    assert_error(response, 423, "LOCKED")


# --- read-only resource types -------------------------------------------------------------


@pytest.mark.parametrize("type_name", ["payment_gateways", "versions", "event_stores"])
def test_read_only_types_refuse_writes(api_client, gateway, type_name):
    response = api_client.post(f"/api/{type_name}", document(type_name, {"name": "x"}))

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


def test_read_only_type_refuses_update_and_delete(api_client, gateway):
    body = document("payment_gateways", {"name": "x"}, pk=gateway.pk)

    assert_error(
        api_client.patch(f"/api/payment_gateways/{gateway.pk}", body), 405, "METHOD_NOT_ALLOWED"
    )
    assert_error(
        api_client.delete(f"/api/payment_gateways/{gateway.pk}"), 405, "METHOD_NOT_ALLOWED"
    )


def test_validation_errors_list_every_field(api_client, db):
    body = document("customers", {"email": "bad", "password": "short"})

    response = api_client.post("/api/customers", body)

    assert response.status_code == 422
    assert {e["source"]["pointer"] for e in errors_of(response)} >= {"/data/attributes/password"}
