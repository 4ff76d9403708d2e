"""Payment methods, and orders as Commerce Layer clients create them: defaults, the guest's
email, the current payment (``payment_source``) and free orders."""

import pytest
from django.utils import timezone

from tests import factories
from tests.support.api import assert_error, document, patch_order
from wallet import services
from wallet.models import Order, PaymentMethod, Transaction


@pytest.fixture
def method(gateway):
    """A payment method of the test gateway for EUR orders."""
    return PaymentMethod.objects.create(
        mode="test", name="Cards", payment_gateway=gateway, currency_code="EUR"
    )


def link(type_name: str, pk: str | None) -> tuple[str, str] | None:
    """A to-one relationship for ``document``: (type, id), or ``None`` to unset it."""
    return (type_name, pk) if pk else None


def test_an_integration_creates_a_payment_method(api_client, gateway):
    body = document(
        "payment_methods",
        {"name": "Cards", "currency_code": "eur", "auto_capture": True},
        relationships={"payment_gateway": link("payment_gateways", gateway.pk)},
    )

    response = api_client.post("/api/payment_methods", body)

    assert response.status_code == 201
    attributes = response.doc["data"]["attributes"]
    assert attributes["payment_source_type"] == "external_payments"
    assert (attributes["currency_code"], attributes["auto_capture"]) == ("EUR", True)
    assert PaymentMethod.objects.get().payment_gateway == gateway


def test_a_payment_method_needs_a_gateway(api_client):
    response = api_client.post("/api/payment_methods", document("payment_methods", {"name": "x"}))

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/payment_gateway", "blank")


def test_disable_and_enable_a_payment_method(api_client, method):
    url = f"/api/payment_methods/{method.pk}"

    disabled = api_client.patch(url, document("payment_methods", {"_disable": True}, pk=method.pk))
    enabled = api_client.patch(url, document("payment_methods", {"_enable": True}, pk=method.pk))

    assert disabled.doc["data"]["attributes"]["disabled_at"] is not None
    assert enabled.doc["data"]["attributes"]["disabled_at"] is None


def test_the_order_gateway_follows_its_payment_method(api_client, order, method):
    other_gateway = factories.PaymentGatewayFactory(name="Other")
    method.payment_gateway = other_gateway
    method.save()

    response = api_client.patch(
        f"/api/orders/{order.pk}?include=payment_method",
        document(
            "orders",
            {},
            pk=order.pk,
            relationships={"payment_method": link("payment_methods", method.pk)},
        ),
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.payment_method_id, order.payment_gateway_id) == (method.pk, other_gateway.pk)
    assert response.doc["included"][0]["id"] == method.pk


def test_a_disabled_method_cannot_be_chosen(api_client, order, method):
    method.disabled_at = timezone.now()
    method.save()

    response = api_client.patch(
        f"/api/orders/{order.pk}",
        document(
            "orders",
            {},
            pk=order.pk,
            relationships={"payment_method": link("payment_methods", method.pk)},
        ),
    )

    assert_error(response, 422, "VALIDATION_ERROR", "/data/relationships/payment_method", "invalid")


def test_a_method_for_another_currency_cannot_be_chosen(order, method):
    method.currency_code = "USD"
    method.save()

    with pytest.raises(Exception) as excinfo:
        services.update_order(order, {"payment_method": method})

    assert "payment_method" in excinfo.value.message_dict


def test_a_customer_chooses_a_payment_method_but_no_gateway(order, method):
    actor = services.actor_for_customer(order.customer)

    services.update_order(order, {"payment_method": method}, actor=actor)

    order.refresh_from_db()
    assert order.payment_method_id == method.pk


def test_a_method_in_use_cannot_be_deleted(api_client, order, method):
    Order.objects.filter(pk=order.pk).update(payment_method=method)

    response = api_client.delete(f"/api/payment_methods/{method.pk}")

    assert_error(response, 423, "LOCKED")


def test_every_role_reads_payment_methods(method):
    from django.test import Client

    from tests.support.api_client import JsonApiClient

    customer = factories.CustomerFactory()
    client = Client()
    client.force_login(customer.user)

    response = JsonApiClient(client).get("/api/payment_methods")

    assert [item["id"] for item in response.doc["data"]] == [method.pk]


def test_an_auto_capture_method_captures_when_placed(api_client, payment, method):
    method.auto_capture = True
    method.save()
    Order.objects.filter(pk=payment.order_id).update(payment_method=method)

    response = patch_order(api_client, payment.order, _place=True)

    assert response.doc["data"]["attributes"]["payment_status"] == "paid"
    kinds = Transaction.objects.filter(payment=payment).values_list("kind", flat=True)
    assert sorted(kinds) == ["authorization", "capture"]


def test_a_saved_card_shows_the_payment_method_it_was_paid_with(api_client, source, method):
    Order.objects.filter(pk=source.payment.order_id).update(payment_method=method)

    response = api_client.get(f"/api/customer_payment_sources/{source.pk}/payment_method")

    assert response.doc["data"]["id"] == method.pk


# --- orders as Commerce Layer clients create them ------------------------------------------------


def test_a_guest_order_keeps_the_guests_email(api_client, gateway):
    response = api_client.post(
        "/api/orders", document("orders", {"customer_email": "Guest@Example.com"})
    )

    assert response.status_code == 201
    assert response.doc["data"]["attributes"]["customer_email"] == "guest@example.com"


def test_a_customers_order_carries_the_customers_email(api_client, customer):
    response = api_client.post(
        "/api/orders",
        document("orders", {}, relationships={"customer": link("customers", customer.pk)}),
    )

    assert response.doc["data"]["attributes"]["customer_email"] == customer.email


def test_a_customer_creating_an_order_cannot_price_it(customer):
    with pytest.raises(Exception) as excinfo:
        services.create_order(
            mode="test",
            customer=customer,
            total_amount_cents=1,
            actor=services.actor_for_customer(customer),
        )

    assert "total_amount_cents" in excinfo.value.message_dict
    assert not Order.objects.exists()


def test_a_free_order_is_placed_without_a_payment(api_client, gateway):
    order = factories.OrderFactory(total_amount_cents=0)

    response = patch_order(api_client, order, _place=True)

    assert response.status_code == 200
    attributes = response.doc["data"]["attributes"]
    assert (attributes["status"], attributes["payment_status"]) == ("placed", "free")
    assert not Transaction.objects.exists()


def test_the_newest_payment_is_the_orders_payment_source(api_client, order):
    payment = services.create_external_payment(
        order=order, payment_source_token="tok_test_visa_4242_1230"
    )

    response = api_client.get(f"/api/orders/{order.pk}?include=payment_source")

    linkage = response.doc["data"]["relationships"]["payment_source"]["data"]
    assert linkage == {"type": "external_payments", "id": payment.pk}


def test_place_authorizes_the_chosen_payment_source(api_client, order):
    chosen = services.create_external_payment(
        order=order, payment_source_token="tok_test_visa_4242_1230"
    )
    services.create_external_payment(order=order, payment_source_token="tok_test_visa_0002_1230_x")

    response = patch_order_with(api_client, order, {"_place": True}, chosen.pk)

    assert response.status_code == 200
    assert Transaction.objects.get().payment_id == chosen.pk


def test_another_orders_payment_cannot_be_the_payment_source(api_client, order):
    elsewhere = factories.ExternalPaymentFactory()

    response = patch_order_with(api_client, order, {}, elsewhere.pk)

    assert response.status_code == 422
    order.refresh_from_db()
    assert order.payment_source_id != elsewhere.pk


def patch_order_with(api_client, order, attributes, payment_id):
    """PATCH the order's ``payment_source`` (and attributes) in one request."""
    body = document(
        "orders",
        attributes,
        pk=order.pk,
        relationships={"payment_source": link("external_payments", payment_id)},
    )
    return api_client.patch(f"/api/orders/{order.pk}", body)
