"""Contract tests of the read routes: resource object shape, retrieve, list, related routes,
relationship routes, includes and sparse fieldsets, for every resource type."""

import json
import re
from datetime import UTC, datetime

import pytest

from tests import factories
from tests.support.api import first_error
from tests.support.jsonapi import seed_document
from wallet import services
from wallet.instruments import CARD_COLUMNS, card_columns
from wallet.models import AuditEntry, CustomerPaymentSource, ExternalPayment, Order

SEED_TIME = datetime(2018, 1, 1, 12, 0, tzinfo=UTC)
HOST = "http://testserver"


@pytest.fixture
def seed_source(db, gateway):
    """The customer payment source of the retrieve seed, with the seed's id and values."""
    customer = factories.CustomerFactory()
    payment = factories.ExternalPaymentFactory(
        order=factories.OrderFactory(customer=customer, payment_gateway=gateway), last4="1111"
    )
    source = CustomerPaymentSource.objects.create(
        id="xYZkjABcde",
        mode="test",
        customer=customer,
        payment=payment,
        customer_token="cus_xxxyyyzzz",
        payment_source_token="pm_xxxyyyzzz",
        payment_instrument=payment.payment_instrument,
        # What the services keep from the instrument; this fixture writes the row directly.
        **dict(zip(CARD_COLUMNS, card_columns(payment.payment_instrument), strict=True)),
        reference="ANY-EXTERNAL-REFEFERNCE",
        reference_origin="ANY-EXTERNAL-REFEFERNCE-ORIGIN",
        metadata={"foo": "bar"},
        is_default=True,
    )
    CustomerPaymentSource.objects.filter(pk=source.pk).update(
        created_at=SEED_TIME, updated_at=SEED_TIME
    )
    return source


def test_retrieve_matches_the_seed_byte_for_byte_plus_documented_additions(api_client, seed_source):
    seed = seed_document("retrieve_customer_payment_source.md")
    expected = json.loads(json.dumps(seed).replace("https://yourdomain.commercelayer.io", HOST))
    # Our additions: the `default` attribute, the payment method (Commerce Layer has it too)
    # and the audit relationships.
    expected["data"]["attributes"]["default"] = True
    base = f"{HOST}/api/customer_payment_sources/xYZkjABcde"
    for name in ("payment_method", "versions", "event_stores"):
        expected["data"]["relationships"][name] = {
            "links": {"self": f"{base}/relationships/{name}", "related": f"{base}/{name}"}
        }

    response = api_client.get("/api/customer_payment_sources/xYZkjABcde")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.api+json"
    assert response.doc == expected
    # Same key order as the seed, additions at the end.
    assert list(response.doc["data"]) == list(seed["data"])
    assert list(response.doc["data"]["attributes"])[:-1] == list(seed["data"]["attributes"])
    assert list(response.doc["data"]["relationships"])[:2] == list(seed["data"]["relationships"])


def test_external_payment_object_has_the_documented_fields(api_client, payment):
    response = api_client.get(f"/api/external_payments/{payment.pk}")

    data = response.doc["data"]
    assert response.status_code == 200
    assert data["type"] == "external_payments"
    assert list(data["attributes"]) == [
        "payment_source_token",
        "options",
        "payment_instrument",
        "created_at",
        "updated_at",
        "reference",
        "reference_origin",
        "metadata",
    ]
    assert list(data["relationships"]) == [
        "order",
        "payment_gateway",
        "wallet",
        "versions",
        "event_stores",
    ]
    assert data["attributes"]["payment_instrument"]["card_last_digits"] == "4242"
    assert data["links"]["self"] == f"{HOST}/api/external_payments/{payment.pk}"
    assert data["meta"] == {"mode": "test"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["attributes"]["created_at"])


def test_customer_never_renders_the_password(api_client, customer):
    response = api_client.get(f"/api/customers/{customer.pk}")

    assert list(response.doc["data"]["attributes"]) == [
        "email",
        "status",
        "created_at",
        "updated_at",
        "reference",
        "reference_origin",
        "metadata",
    ]
    assert list(response.doc["data"]["relationships"]) == [
        "customer_payment_sources",
        "orders",
        "versions",
        "event_stores",
    ]


def test_order_object_leaves_out_the_write_only_triggers(api_client, order):
    response = api_client.get(f"/api/orders/{order.pk}")

    attributes = response.doc["data"]["attributes"]
    assert attributes["status"] == "draft"
    assert attributes["payment_status"] == "unpaid"
    assert attributes["total_amount_cents"] == 4990
    assert attributes["placed_at"] is None
    assert not [name for name in attributes if name.startswith("_")]
    assert list(response.doc["data"]["relationships"]) == [
        "customer",
        "payment_method",
        "payment_gateway",
        "payment_source",
        "external_payments",
        "available_customer_payment_sources",
        "authorizations",
        "captures",
        "voids",
        "refunds",
        "versions",
        "event_stores",
    ]


def test_payment_gateway_object(api_client, gateway):
    response = api_client.get(f"/api/payment_gateways/{gateway.pk}")

    assert response.status_code == 200
    assert response.doc["data"]["attributes"]["name"] == "Test gateway"
    assert response.doc["data"]["attributes"]["kind"] == "test"
    assert "shared_secret" not in response.doc["data"]["attributes"]


def test_versions_show_the_audit_changes(api_client, staff_user, customer):
    services.update_customer(
        customer, {"reference": "CRM-1"}, actor=services.actor_for_user(staff_user)
    )
    entry = AuditEntry.objects.get(resource_id=customer.pk, event="update")

    response = api_client.get(f"/api/versions/{entry.pk}")

    attributes = response.doc["data"]["attributes"]
    assert attributes["resource_type"] == "customers"
    assert attributes["resource_id"] == customer.pk
    assert attributes["event"] == "update"
    assert attributes["changes"] == {"reference": ["", "CRM-1"]}
    assert attributes["who"]["owner"] == {"id": str(staff_user.pk), "type": "user"}
    assert attributes["updated_at"] == attributes["created_at"]


def test_event_stores_show_a_from_to_payload(api_client, customer):
    services.update_customer(customer, {"reference": "CRM-1"})
    entry = AuditEntry.objects.get(resource_id=customer.pk, event="update")

    response = api_client.get(f"/api/event_stores/{entry.pk}")

    assert response.doc["data"]["attributes"]["payload"] == {
        "reference": {"from": "", "to": "CRM-1"}
    }


def test_versions_list_only_create_update_destroy(api_client, source, payment):
    ExternalPayment.objects.filter(pk=payment.pk).update(saved_source=source)
    payment.refresh_from_db()
    services.save_payment_to_wallet(payment)  # a domain event, not a version

    versions = api_client.get(f"/api/customer_payment_sources/{source.pk}/versions")
    events = api_client.get(f"/api/customer_payment_sources/{source.pk}/event_stores")

    assert {v["attributes"]["event"] for v in versions.doc["data"]} <= {"update", "create"}
    assert "saved_to_wallet" in {e["attributes"]["event"] for e in events.doc["data"]}


@pytest.mark.parametrize(
    "type_name",
    ["customer_payment_sources", "external_payments", "customers", "orders", "payment_gateways"],
)
def test_list_every_resource(api_client, source, type_name):
    response = api_client.get(f"/api/{type_name}")

    assert response.status_code == 200
    assert response.doc["meta"]["record_count"] >= 1
    assert {item["type"] for item in response.doc["data"]} == {type_name}


def test_list_versions_and_event_stores(api_client, source):
    services.update_payment_source(source, {"reference": "X"})

    versions = api_client.get("/api/versions")
    events = api_client.get("/api/event_stores")

    assert versions.status_code == events.status_code == 200
    assert {v["type"] for v in versions.doc["data"]} == {"versions"}
    assert {e["type"] for e in events.doc["data"]} == {"event_stores"}
    assert "next" not in events.doc["links"]


def test_retrieve_unknown_id_is_record_not_found(api_client, db):
    response = api_client.get("/api/customer_payment_sources/nope123456")

    assert response.status_code == 404
    assert first_error(response)["code"] == "RECORD_NOT_FOUND"
    assert first_error(response)["status"] == "404"


def test_records_of_the_other_mode_are_not_found(api_client, db):
    live = factories.CustomerPaymentSourceFactory(
        customer=factories.CustomerFactory(mode="live"), mode="live"
    )

    assert api_client.get(f"/api/customer_payment_sources/{live.pk}").status_code == 404
    listed = api_client.get("/api/customer_payment_sources")
    assert live.pk not in {item["id"] for item in listed.doc["data"]}
    related = api_client.get(f"/api/customers/{live.customer_id}/customer_payment_sources")
    assert related.status_code == 404


# --- related routes ------------------------------------------------------------------------


def test_related_customer_of_a_source(api_client, source):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}/customer")

    assert response.status_code == 200
    assert response.doc["data"]["type"] == "customers"
    assert response.doc["data"]["id"] == source.customer_id


def test_related_payment_source_is_the_external_payment(api_client, source):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}/payment_source")

    assert response.doc["data"]["type"] == "external_payments"
    assert response.doc["data"]["id"] == source.payment_id


def test_related_to_one_without_target_is_null(api_client, source):
    CustomerPaymentSource.objects.filter(pk=source.pk).update(payment=None)

    response = api_client.get(f"/api/customer_payment_sources/{source.pk}/payment_source")

    assert response.status_code == 200
    assert response.doc == {"data": None}


@pytest.mark.parametrize(
    ("relationship", "target"),
    [
        ("order", "orders"),
        ("payment_gateway", "payment_gateways"),
        ("wallet", "customer_payment_sources"),
    ],
)
def test_related_to_one_routes_of_an_external_payment(
    api_client, source, payment, relationship, target
):
    ExternalPayment.objects.filter(pk=payment.pk).update(saved_source=source)

    response = api_client.get(f"/api/external_payments/{payment.pk}/{relationship}")

    assert response.status_code == 200
    assert response.doc["data"]["type"] == target


@pytest.mark.parametrize("type_name", ["customer_payment_sources", "external_payments"])
@pytest.mark.parametrize("relationship", ["versions", "event_stores"])
def test_related_audit_lists(api_client, source, payment, type_name, relationship):
    pk = source.pk if type_name == "customer_payment_sources" else payment.pk
    services.update_record(
        source if type_name == "customer_payment_sources" else payment,
        {"reference": "R-1"},
        actor=services.SYSTEM,
    )

    response = api_client.get(f"/api/{type_name}/{pk}/{relationship}")

    assert response.status_code == 200
    assert [item["attributes"]["resource_id"] for item in response.doc["data"]] == [pk]
    assert response.doc["data"][0]["type"] == relationship


def test_customer_payment_sources_of_a_customer(api_client, source):
    other = factories.CustomerPaymentSourceFactory()

    response = api_client.get(f"/api/customers/{source.customer_id}/customer_payment_sources")

    ids = [item["id"] for item in response.doc["data"]]
    assert ids == [source.pk]
    assert other.pk not in ids
    assert response.doc["meta"]["record_count"] == 1


def test_orders_of_a_customer(api_client, order):
    response = api_client.get(f"/api/customers/{order.customer_id}/orders")

    assert [item["id"] for item in response.doc["data"]] == [order.pk]


def test_available_customer_payment_sources_of_an_order_default_first(api_client, order):
    older = factories.CustomerPaymentSourceFactory(customer=order.customer, is_default=True)
    newer = factories.CustomerPaymentSourceFactory(customer=order.customer)
    factories.CustomerPaymentSourceFactory()  # another customer's

    response = api_client.get(f"/api/orders/{order.pk}/available_customer_payment_sources")

    assert [item["id"] for item in response.doc["data"]] == [older.pk, newer.pk]


def test_available_customer_payment_sources_of_a_guest_order_is_empty(api_client, gateway):
    guest = factories.OrderFactory(customer=None, payment_gateway=gateway)

    response = api_client.get(f"/api/orders/{guest.pk}/available_customer_payment_sources")

    assert response.status_code == 200
    assert response.doc["data"] == []
    assert response.doc["meta"]["record_count"] == 0


def test_order_related_routes(api_client, payment):
    order = payment.order

    assert api_client.get(f"/api/orders/{order.pk}/customer").doc["data"]["id"] == order.customer_id
    gateway = api_client.get(f"/api/orders/{order.pk}/payment_gateway")
    assert gateway.doc["data"]["id"] == order.payment_gateway_id
    payments = api_client.get(f"/api/orders/{order.pk}/external_payments")
    assert [item["id"] for item in payments.doc["data"]] == [payment.pk]


def test_related_list_of_unknown_parent_is_not_found(api_client, db):
    response = api_client.get("/api/customers/missing000/customer_payment_sources")

    assert response.status_code == 404
    assert first_error(response)["code"] == "RECORD_NOT_FOUND"


def test_related_list_can_be_filtered_and_paginated(api_client, order):
    for reference in ("a", "b", "c"):
        factories.CustomerPaymentSourceFactory(customer=order.customer, reference=reference)

    response = api_client.get(
        f"/api/customers/{order.customer_id}/customer_payment_sources"
        "?filter[q][reference_in]=a,b&page[size]=1&sort=reference"
    )

    assert [item["attributes"]["reference"] for item in response.doc["data"]] == ["a"]
    assert response.doc["meta"] == {"record_count": 2, "page_count": 2}


# --- relationship (linkage) routes ---------------------------------------------------------


def test_relationship_route_to_one(api_client, source):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}/relationships/customer")

    base = f"{HOST}/api/customer_payment_sources/{source.pk}"
    assert response.status_code == 200
    assert response.doc == {
        "links": {"self": f"{base}/relationships/customer", "related": f"{base}/customer"},
        "data": {"type": "customers", "id": source.customer_id},
    }


def test_relationship_route_polymorphic_payment_source(api_client, source):
    response = api_client.get(
        f"/api/customer_payment_sources/{source.pk}/relationships/payment_source"
    )

    assert response.doc["data"] == {"type": "external_payments", "id": source.payment_id}


def test_relationship_route_to_one_null(api_client, payment):
    response = api_client.get(f"/api/external_payments/{payment.pk}/relationships/wallet")

    assert response.status_code == 200
    assert response.doc["data"] is None


def test_relationship_route_to_many(api_client, source):
    response = api_client.get(
        f"/api/customers/{source.customer_id}/relationships/customer_payment_sources"
    )

    assert response.doc["data"] == [{"type": "customer_payment_sources", "id": source.pk}]


@pytest.mark.parametrize(
    ("type_name", "relationships"),
    [
        (
            "customer_payment_sources",
            ["customer", "payment_source", "payment_method", "versions", "event_stores"],
        ),
        (
            "external_payments",
            ["order", "payment_gateway", "wallet", "versions", "event_stores"],
        ),
        ("customers", ["customer_payment_sources", "orders", "versions", "event_stores"]),
        (
            "orders",
            [
                "customer",
                "payment_method",
                "payment_gateway",
                "payment_source",
                "external_payments",
                "available_customer_payment_sources",
                "authorizations",
                "captures",
                "voids",
                "refunds",
                "versions",
                "event_stores",
            ],
        ),
        ("payment_gateways", ["versions", "event_stores"]),
    ],
)
def test_every_relationship_link_answers(api_client, source, type_name, relationships):
    ids = {
        "customer_payment_sources": source.pk,
        "external_payments": source.payment_id,
        "customers": source.customer_id,
        "orders": source.payment.order_id,
        "payment_gateways": source.payment.payment_gateway_id,
    }
    document = api_client.get(f"/api/{type_name}/{ids[type_name]}").doc

    assert list(document["data"]["relationships"]) == relationships
    for member in document["data"]["relationships"].values():
        for link in member["links"].values():
            assert link.startswith(HOST)
            response = api_client.get(link.removeprefix(HOST))
            assert response.status_code == 200, link
            assert "data" in response.doc


# --- include ---------------------------------------------------------------------------------

INCLUDE_PATHS = {
    "customer_payment_sources": [
        "customer",
        "payment_source",
        "versions",
        "customer.customer_payment_sources",
        "customer.orders",
        "payment_source.order",
        "payment_source.payment_gateway",
        "payment_source.wallet",
        "payment_source.order.customer",
        "payment_source.order.available_customer_payment_sources",
    ],
    "external_payments": [
        "order",
        "payment_gateway",
        "wallet",
        "versions",
        "order.customer",
        "order.external_payments",
        "wallet.customer",
    ],
    "customers": ["customer_payment_sources", "orders", "versions", "orders.external_payments"],
    "orders": [
        "customer",
        "payment_gateway",
        "external_payments",
        "available_customer_payment_sources",
        "versions",
        "external_payments.wallet",
    ],
    "payment_gateways": ["versions"],
}


@pytest.fixture
def linked(source, payment):
    """A source and its payment linked both ways, with one audit version each."""
    ExternalPayment.objects.filter(pk=payment.pk).update(saved_source=source)
    payment.refresh_from_db()
    order = payment.order
    for record in (source, payment, order, order.customer, order.payment_gateway):
        services.update_record(record, {"reference": "R"}, actor=services.SYSTEM)
    return source


@pytest.mark.parametrize(
    ("type_name", "path"),
    [(type_name, path) for type_name, paths in INCLUDE_PATHS.items() for path in paths],
)
def test_every_include_path(api_client, linked, type_name, path):
    ids = {
        "customer_payment_sources": linked.pk,
        "external_payments": linked.payment_id,
        "customers": linked.customer_id,
        "orders": linked.payment.order_id,
        "payment_gateways": linked.payment.payment_gateway_id,
    }

    response = api_client.get(f"/api/{type_name}/{ids[type_name]}?include={path}")

    assert response.status_code == 200
    included = {(item["type"], item["id"]) for item in response.doc["included"]}
    assert included, path
    # Full linkage: every included object is reachable from the primary data's relationships.
    first = path.split(".")[0]
    linkage = response.doc["data"]["relationships"][first]["data"]
    linkage = linkage if isinstance(linkage, list) else [linkage]
    assert {(item["type"], item["id"]) for item in linkage} & (
        included | {(type_name, ids[type_name])}
    )
    # Relationships not included carry links only.
    for name, member in response.doc["data"]["relationships"].items():
        assert ("data" in member) == (name == first)


def test_include_on_a_list(api_client, order):
    sources = [factories.CustomerPaymentSourceFactory(customer=order.customer) for _ in range(3)]

    response = api_client.get("/api/customer_payment_sources?include=customer")

    assert response.doc["included"] == [
        api_client.get(f"/api/customers/{order.customer_id}").doc["data"]
    ]
    for item in response.doc["data"]:
        assert item["relationships"]["customer"]["data"] == {
            "type": "customers",
            "id": order.customer_id,
        }
    assert len(response.doc["data"]) == len(sources)


def test_include_does_not_repeat_primary_data(api_client, source, payment):
    ExternalPayment.objects.filter(pk=payment.pk).update(saved_source=source)

    response = api_client.get(
        f"/api/customer_payment_sources/{source.pk}?include=payment_source.wallet"
    )

    assert ("customer_payment_sources", source.pk) not in {
        (item["type"], item["id"]) for item in response.doc["included"]
    }


def test_included_records_stay_in_scope(api_client, order):
    source = factories.CustomerPaymentSourceFactory(customer=order.customer)
    Order.objects.filter(pk=order.pk).update(mode="live")  # corrupt data: another mode
    payment = ExternalPayment.objects.create(
        mode="test", order=order, payment_source_token="tok_test_visa_4242_1230"
    )
    CustomerPaymentSource.objects.filter(pk=source.pk).update(payment=payment)

    response = api_client.get(
        f"/api/customer_payment_sources/{source.pk}?include=payment_source.order"
    )

    assert ("orders", order.pk) not in {
        (item["type"], item["id"]) for item in response.doc["included"]
    }


@pytest.mark.parametrize(
    "include",
    ["event_stores", "unknown", "customer.unknown", "customer,", "payment_source.event_stores"],
)
def test_invalid_include(api_client, source, include):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}?include={include}")

    assert response.status_code == 400
    assert first_error(response)["code"] == "INVALID_INCLUDE"
    assert first_error(response)["source"] == {"parameter": "include"}


# --- sparse fieldsets ------------------------------------------------------------------------


def test_sparse_fieldset_of_the_primary_type(api_client, source):
    response = api_client.get(
        f"/api/customer_payment_sources/{source.pk}?fields[customer_payment_sources]=name,customer"
    )

    assert response.doc["data"]["attributes"] == {"name": "XXXX-XXXX-XXXX-1111"}
    assert list(response.doc["data"]["relationships"]) == ["customer"]


def test_sparse_fieldset_of_an_included_type(api_client, source):
    response = api_client.get(
        f"/api/customer_payment_sources/{source.pk}?include=customer&fields[customers]=email"
    )

    assert response.doc["included"][0]["attributes"] == {"email": source.customer.email}
    assert "relationships" not in response.doc["included"][0]
    assert "customer_token" in response.doc["data"]["attributes"]


def test_sparse_fieldset_on_a_list(api_client, source):
    response = api_client.get(
        "/api/customer_payment_sources?fields[customer_payment_sources]=default"
    )

    assert response.doc["data"][0]["attributes"] == {"default": True}


@pytest.mark.parametrize(
    "parameter",
    [
        "fields[customer_payment_sources]=nope",
        "fields[customers]=password",
        "fields[nope]=name",
        "fields=name",
    ],
)
def test_invalid_sparse_fieldset(api_client, source, parameter):
    response = api_client.get(f"/api/customer_payment_sources/{source.pk}?{parameter}")

    assert response.status_code == 400
    assert first_error(response)["code"] == "INVALID_FIELD"
    assert first_error(response)["source"] == {"parameter": parameter.split("=")[0]}
