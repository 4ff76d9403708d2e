"""Customer B, with every route and query parameter, never sees, changes or detects A's records."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.support.api_client import JsonApiClient
from tests.support.isolation import MISSING_ID, answer, assert_absent, assert_unseen
from tests.support.world import (
    World,
    build_world,
    built_for_the_module,
    fresh_copy,
    new_card_token,
)
from wallet.models import AuditEntry, CustomerPaymentSource, ExternalPayment, Order

pytestmark = pytest.mark.usefixtures("generous_rate_limits")


def two_customers() -> tuple[World, World]:
    """Customers A and B of the same shop, in test mode; A's records carry recognisable data."""
    a, b = build_world("test", prefix="a"), build_world("test", prefix="b")
    for record in (a.source, a.payment, a.order, a.customer):
        type(record).objects.filter(pk=record.pk).update(reference="a-ref", metadata={"owner": "a"})
    return a, b


@pytest.fixture(scope="module")
def module_shop(django_db_setup, django_db_blocker) -> Iterator[tuple[World, World]]:
    """The two customers, built once for the module."""
    yield from built_for_the_module(django_db_blocker, two_customers)


@pytest.fixture
def shop(db, module_shop) -> tuple[World, World]:
    """Customers A and B, as built."""
    return fresh_copy(module_shop)


def a_ids(a: World) -> list[str]:
    """Every id of A's records (and A's email) that B must never see."""
    return [
        a.customer.pk,
        a.customer.email,
        a.order.pk,
        a.empty_order.pk,
        a.placed_order.pk,
        a.payment.pk,
        a.spare_payment.pk,
        a.placed_payment.pk,
        a.source.pk,
    ]


@pytest.fixture
def b_client(shop, make_credential) -> JsonApiClient:
    """Customer B, signed in with the password grant of a test sales channel."""
    _a, b = shop
    credential = make_credential("sales_channel", "test")
    client = JsonApiClient(credential.client)
    token = credential.customer_token(b.customer.email)["access_token"]
    client.headers["AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.mark.parametrize(
    "record",
    ["source", "payment", "spare_payment", "placed_payment", "order", "empty_order", "customer"],
)
def test_every_route_of_a_record_answers_as_if_it_did_not_exist(shop, b_client, record):
    a, _b = shop
    obj = getattr(a, record)
    type_name = {
        CustomerPaymentSource: "customer_payment_sources",
        ExternalPayment: "external_payments",
        Order: "orders",
    }.get(type(obj), "customers")
    assert_unseen(b_client, type_name, obj.pk)
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_unseen_also_means_unchanged(shop, b_client):
    a, _b = shop
    for type_name, pk in (
        ("customer_payment_sources", a.source.pk),
        ("external_payments", a.payment.pk),
        ("orders", a.order.pk),
        ("customers", a.customer.pk),
    ):
        assert_unseen(b_client, type_name, pk)
    assert CustomerPaymentSource.objects.get(pk=a.source.pk).reference == "a-ref"
    assert ExternalPayment.objects.get(pk=a.payment.pk).reference == "a-ref"
    assert ExternalPayment.objects.filter(pk=a.spare_payment.pk).exists()
    assert Order.objects.get(pk=a.order.pk).reference == "a-ref"
    assert not AuditEntry.objects.filter(event__in=["update", "destroy"]).exists()


LIST_QUERIES: dict[str, list[str]] = {
    "customer_payment_sources": [
        "",
        "filter[ids]={source},{b_source}",
        "filter[q][id_eq]={source}",
        "filter[q][id_in]={source},{b_source}",
        "filter[q][customer_id_eq]={customer}",
        "filter[customer_id]={customer}",
        "filter[q][customer_email_eq]={email}",
        "filter[q][customer_email_cont]=a-test",
        "filter[q][reference_eq]=a-ref",
        'filter[q][metadata_jcont]={{"owner":"a"}}',
        "filter[q][payment_source_token_start]=tok_",
        "include=customer,payment_source",
        "include=payment_source.order,payment_source.wallet",
        "sort=-created_at&page[size]=25",
    ],
    "external_payments": [
        "",
        "filter[ids]={payment},{b_payment}",
        "filter[q][order_id_eq]={order}",
        "filter[order_id]={order}",
        "filter[q][reference_eq]=a-ref",
        'filter[q][metadata_jcont]={{"owner":"a"}}',
        "include=order,wallet,order.customer",
        "include=order.available_customer_payment_sources",
    ],
    "orders": [
        "",
        "filter[ids]={order},{b_order}",
        "filter[q][customer_id_eq]={customer}",
        "filter[q][customer_email_eq]={email}",
        "filter[q][reference_eq]=a-ref",
        "filter[q][status_eq]=placed",
        "include=customer,external_payments,available_customer_payment_sources",
        "include=external_payments.wallet",
    ],
    "customers": [
        "",
        "filter[ids]={customer},{b_customer}",
        "filter[q][email_eq]={email}",
        "filter[q][email_cont]=a-",
        "filter[q][reference_eq]=a-ref",
        "include=customer_payment_sources,orders",
        "include=orders.external_payments,customer_payment_sources.payment_source",
    ],
}


def own_count(b: World, type_name: str) -> int:
    """How many records of ``type_name`` customer B owns."""
    return {
        "customer_payment_sources": 1,
        "external_payments": 3,
        "orders": 3,
        "customers": 1,
    }[type_name]


@pytest.mark.parametrize(
    ("type_name", "query"),
    [(type_name, query) for type_name, queries in LIST_QUERIES.items() for query in queries],
)
def test_lists_filters_and_includes_never_reach_a_records(shop, b_client, type_name, query):
    a, b = shop
    values: dict[str, Any] = {
        "source": a.source.pk,
        "payment": a.payment.pk,
        "order": a.order.pk,
        "customer": a.customer.pk,
        "email": a.customer.email,
        "b_source": b.source.pk,
        "b_payment": b.payment.pk,
        "b_order": b.order.pk,
        "b_customer": b.customer.pk,
    }
    response = b_client.get(f"/api/{type_name}?{query.format(**values)}")
    assert_absent(response, a_ids(a))
    assert response.doc["meta"]["record_count"] <= own_count(b, type_name)
    if not query or query.startswith(("include", "sort")):
        assert response.doc["meta"]["record_count"] == own_count(b, type_name)


def test_related_lists_of_b_exclude_a(shop, b_client):
    a, b = shop
    for path in (
        f"/api/customers/{b.customer.pk}/customer_payment_sources",
        f"/api/customers/{b.customer.pk}/orders",
        f"/api/orders/{b.order.pk}/external_payments",
        f"/api/orders/{b.order.pk}/available_customer_payment_sources",
        f"/api/customers/{b.customer.pk}/relationships/orders",
    ):
        assert_absent(b_client.get(path), a_ids(a))


def relationship(type_name: str, pk: str) -> dict[str, Any]:
    return {"data": {"type": type_name, "id": pk}}


def assert_refused_like_missing(client, method, path, body, a_id) -> None:
    """A write naming A's record is refused exactly like one naming a missing id."""
    send = getattr(client, method)
    refused = send(path, body)
    missing_body = json.loads(json.dumps(body).replace(a_id, MISSING_ID))
    missing = send(path, missing_body)
    assert refused.status_code == 422, refused.content[:300]
    assert answer(refused) == answer(missing, (MISSING_ID, a_id))


def test_b_cannot_save_a_card_for_a(shop, b_client):
    a, b = shop
    body = {
        "data": {
            "type": "customer_payment_sources",
            "attributes": {"payment_source_token": new_card_token()},
            "relationships": {
                "customer": relationship("customers", a.customer.pk),
                "payment_source": relationship("external_payments", b.spare_payment.pk),
            },
        }
    }
    before = CustomerPaymentSource.objects.count()
    assert_refused_like_missing(
        b_client, "post", "/api/customer_payment_sources", body, a.customer.pk
    )
    assert CustomerPaymentSource.objects.count() == before


def test_b_cannot_save_as_card_a_payment_of_a(shop, b_client):
    a, b = shop
    body = {
        "data": {
            "type": "customer_payment_sources",
            "attributes": {"payment_source_token": a.spare_payment.payment_source_token},
            "relationships": {
                "customer": relationship("customers", b.customer.pk),
                "payment_source": relationship("external_payments", a.spare_payment.pk),
            },
        }
    }
    assert_refused_like_missing(
        b_client, "post", "/api/customer_payment_sources", body, a.spare_payment.pk
    )
    assert not CustomerPaymentSource.objects.filter(payment=a.spare_payment).exists()


def test_b_cannot_pay_on_an_order_of_a(shop, b_client):
    a, _b = shop
    body = {
        "data": {
            "type": "external_payments",
            "attributes": {"payment_source_token": new_card_token()},
            "relationships": {"order": relationship("orders", a.order.pk)},
        }
    }
    before = ExternalPayment.objects.filter(order=a.order).count()
    assert_refused_like_missing(b_client, "post", "/api/external_payments", body, a.order.pk)
    assert ExternalPayment.objects.filter(order=a.order).count() == before


def test_b_cannot_create_an_order_for_a(shop, b_client):
    a, _b = shop
    body = {
        "data": {
            "type": "orders",
            "attributes": {"currency_code": "EUR", "total_amount_cents": 100},
            "relationships": {"customer": relationship("customers", a.customer.pk)},
        }
    }
    before = Order.objects.filter(customer=a.customer).count()
    assert_refused_like_missing(b_client, "post", "/api/orders", body, a.customer.pk)
    assert Order.objects.filter(customer=a.customer).count() == before


@pytest.mark.parametrize(
    ("type_name", "record", "rel", "fk", "target", "a_record"),
    [
        ("customer_payment_sources", "source", "customer", "customer_id", "customers", "customer"),
        (
            "customer_payment_sources",
            "source",
            "payment_source",
            "payment_id",
            "external_payments",
            "payment",
        ),
        ("external_payments", "payment", "order", "order_id", "orders", "order"),
        ("orders", "order", "customer", "customer_id", "customers", "customer"),
    ],
)
def test_b_cannot_point_own_records_at_a(
    shop, b_client, type_name, record, rel, fk, target, a_record
):
    a, b = shop
    own = getattr(b, record)
    a_id = getattr(a, a_record).pk
    body = {
        "data": {
            "type": type_name,
            "id": own.pk,
            "relationships": {rel: relationship(target, a_id)},
        }
    }
    assert_refused_like_missing(b_client, "patch", f"/api/{type_name}/{own.pk}", body, a_id)
    own.refresh_from_db()
    assert getattr(own, fk) != a_id


def test_b_cannot_pay_own_order_with_a_card_of_a(shop, b_client):
    a, b = shop
    body = {
        "data": {
            "type": "orders",
            "id": b.order.pk,
            "attributes": {"_customer_payment_source_id": a.source.pk},
        }
    }
    assert_refused_like_missing(b_client, "patch", f"/api/orders/{b.order.pk}", body, a.source.pk)
    assert not ExternalPayment.objects.filter(saved_source=a.source).exists()


def test_storefront_session_of_b_sees_only_b(shop):
    a, b = shop
    client = Client()
    client.force_login(b.customer.user)
    api = JsonApiClient(client)
    response = api.get("/api/customer_payment_sources?include=customer,payment_source")
    assert_absent(response, a_ids(a))
    assert [item["id"] for item in response.doc["data"]] == [b.source.pk]
    assert api.get(f"/api/customer_payment_sources/{a.source.pk}").status_code == 404
