"""Commerce Layer's create/update rules, row by row, for both wire-compatible resources.

Each row says whether a create and an update may carry the field; a field that may not is a
400 pointing at it and changes nothing, a field that may is accepted and stored.
"""

import pytest

from tests import factories
from wallet.models import CustomerPaymentSource, ExternalPayment

# (member, name, value, creatable, updatable)
CPS_ROWS = [
    ("attributes", "name", "XXXX-XXXX-XXXX-0000", False, False),
    ("attributes", "customer_token", "cus_rule", True, True),
    ("attributes", "payment_source_token", "pm_rule", True, True),
    ("attributes", "default", True, True, True),
    ("attributes", "reference", "ref-rule", True, True),
    ("attributes", "reference_origin", "origin-rule", True, True),
    ("attributes", "metadata", {"rule": "yes"}, True, True),
    ("attributes", "created_at", "2018-01-01T12:00:00.000Z", False, False),
    ("attributes", "updated_at", "2018-01-01T12:00:00.000Z", False, False),
    ("relationships", "customer", "customer", True, True),
    ("relationships", "payment_source", "payment", True, True),
    ("relationships", "versions", None, False, False),
    ("relationships", "event_stores", None, False, False),
]

EP_ROWS = [
    ("attributes", "payment_source_token", "tok_test_visa_4111_1230", True, False),
    ("attributes", "options", {"card_holder_name": "Rule"}, True, True),
    ("attributes", "payment_instrument", {"card_type": "visa"}, False, False),
    ("attributes", "reference", "ref-rule", True, True),
    ("attributes", "reference_origin", "origin-rule", True, True),
    ("attributes", "metadata", {"rule": "yes"}, True, True),
    ("attributes", "created_at", "2018-01-01T12:00:00.000Z", False, False),
    ("attributes", "updated_at", "2018-01-01T12:00:00.000Z", False, False),
    ("relationships", "order", "order", True, True),
    ("relationships", "payment_gateway", "gateway", False, False),
    ("relationships", "wallet", "source", False, False),
    ("relationships", "versions", None, False, False),
    ("relationships", "event_stores", None, False, False),
]

TARGET_TYPES = {
    "customer": "customers",
    "payment": "external_payments",
    "order": "orders",
    "gateway": "payment_gateways",
    "source": "customer_payment_sources",
}


@pytest.fixture
def records(db, gateway):
    """A customer, a second order and payment, and a saved source to point relationships at."""
    customer = factories.CustomerFactory()
    order = factories.OrderFactory(customer=customer, payment_gateway=gateway)
    payment = factories.ExternalPaymentFactory(order=order)
    source = factories.CustomerPaymentSourceFactory(customer=customer)
    return {
        "customer": customer,
        "order": order,
        "payment": payment,
        "gateway": gateway,
        "source": source,
    }


def member_value(member, name, value, records):
    """The body value of one row: an attribute value or a relationship object."""
    if member == "attributes":
        return value
    if value is None:
        return {"data": [{"type": name, "id": "x"}]}
    return {"data": {"type": TARGET_TYPES[value], "id": records[value].pk}}


def stored(instance, member, name, value, records):
    """Whether ``instance`` now holds the row's value."""
    instance.refresh_from_db()
    if member == "relationships":
        # The model names a saved card's payment ``payment``; the wire, ``payment_source``.
        field = "payment" if name == "payment_source" else name
        return getattr(instance, f"{field}_id") == records[value].pk
    field = "is_default" if name == "default" else name
    return getattr(instance, field) == value


def check(response, allowed, member, name):
    """A refused field is a 400 pointing at it; an allowed one is a success."""
    if allowed:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 400, response.content
        error = response.doc["errors"][0]
        assert error["code"] == "BAD_REQUEST"
        assert error["source"] == {"pointer": f"/data/{member}/{name}"}


@pytest.mark.parametrize(("member", "name", "value", "creatable", "updatable"), CPS_ROWS)
def test_customer_payment_source_create_rule(
    api_client, records, member, name, value, creatable, updatable
):
    data = {
        "type": "customer_payment_sources",
        "attributes": {"payment_source_token": "pm_base"},
        "relationships": {
            "customer": {"data": {"type": "customers", "id": records["customer"].pk}}
        },
    }
    data[member][name] = member_value(member, name, value, records)
    before = CustomerPaymentSource.objects.count()

    response = api_client.post("/api/customer_payment_sources", {"data": data})

    check(response, creatable, member, name)
    if creatable:
        created = CustomerPaymentSource.objects.get(pk=response.doc["data"]["id"])
        assert stored(created, member, name, value, records)
    else:
        assert CustomerPaymentSource.objects.count() == before


@pytest.mark.parametrize(("member", "name", "value", "creatable", "updatable"), CPS_ROWS)
def test_customer_payment_source_update_rule(
    api_client, records, member, name, value, creatable, updatable
):
    source = records["source"]
    data = {"type": "customer_payment_sources", "id": source.pk, member: {}}
    data[member][name] = member_value(member, name, value, records)
    if name == "default":
        CustomerPaymentSource.objects.filter(pk=source.pk).update(is_default=False)
    before = CustomerPaymentSource.objects.filter(pk=source.pk).values().get()

    response = api_client.patch(f"/api/customer_payment_sources/{source.pk}", {"data": data})

    check(response, updatable, member, name)
    if updatable:
        assert stored(source, member, name, value, records)
    else:
        assert CustomerPaymentSource.objects.filter(pk=source.pk).values().get() == before


@pytest.mark.parametrize(("member", "name", "value", "creatable", "updatable"), EP_ROWS)
def test_external_payment_create_rule(
    api_client, records, member, name, value, creatable, updatable
):
    data = {
        "type": "external_payments",
        "attributes": {"payment_source_token": "tok_test_visa_4000_1230"},
        "relationships": {"order": {"data": {"type": "orders", "id": records["order"].pk}}},
    }
    data[member][name] = member_value(member, name, value, records)
    before = ExternalPayment.objects.count()

    response = api_client.post("/api/external_payments", {"data": data})

    check(response, creatable, member, name)
    if creatable:
        created = ExternalPayment.objects.get(pk=response.doc["data"]["id"])
        assert stored(created, member, name, value, records)
    else:
        assert ExternalPayment.objects.count() == before


@pytest.mark.parametrize(("member", "name", "value", "creatable", "updatable"), EP_ROWS)
def test_external_payment_update_rule(
    api_client, records, member, name, value, creatable, updatable
):
    payment = records["payment"]
    if name == "order":
        records["order"] = factories.OrderFactory(
            customer=records["customer"], payment_gateway=records["gateway"]
        )
    data = {"type": "external_payments", "id": payment.pk, member: {}}
    data[member][name] = member_value(member, name, value, records)
    before = ExternalPayment.objects.filter(pk=payment.pk).values().get()

    response = api_client.patch(f"/api/external_payments/{payment.pk}", {"data": data})

    check(response, updatable, member, name)
    if updatable:
        assert stored(payment, member, name, value, records)
    else:
        assert ExternalPayment.objects.filter(pk=payment.pk).values().get() == before
