"""Test and live never meet: a credential sees, changes and links only records of its mode."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api_client import JsonApiClient
from tests.support.isolation import (
    LIST_TYPES,
    MISSING_ID,
    answer,
    assert_absent,
    assert_unseen,
)
from tests.support.world import (
    World,
    build_world,
    built_for_the_module,
    fresh_copy,
    new_card_token,
)
from wallet.models import Customer, CustomerPaymentSource, ExternalPayment, Order

pytestmark = pytest.mark.usefixtures("generous_rate_limits")
DIRECTIONS = [("live", "test"), ("test", "live")]


@pytest.fixture(scope="module")
def module_worlds(django_db_setup, django_db_blocker) -> Iterator[dict[str, World]]:
    """The same shop in both modes, built once for the module."""
    yield from built_for_the_module(
        django_db_blocker, lambda: {"test": build_world("test"), "live": build_world("live")}
    )


@pytest.fixture
def worlds(db, module_worlds) -> dict[str, World]:
    """The same shop in both modes, as built."""
    return fresh_copy(module_worlds)


def client_of(make_credential, mode: str, kind: str = "integration", email: str = "") -> Any:
    """A JSON:API client with a token of ``kind`` in ``mode`` (a customer's if ``email``)."""
    credential = make_credential(kind, mode)
    token = credential.customer_token(email)["access_token"] if email else credential.token()
    client = JsonApiClient(credential.client)
    client.headers["AUTHORIZATION"] = f"Bearer {token}"
    return client


def ids_of(world: World) -> list[str]:
    """Every id of a world's records."""
    return [pk for pk in world.ids().values()] + [
        world.spare_payment.pk,
        world.empty_order.pk,
        world.lonely_customer.pk,
        world.placed_order.pk,
        world.placed_payment.pk,
    ]


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
@pytest.mark.parametrize("type_name", [*LIST_TYPES, "payment_gateways", "versions", "event_stores"])
def test_lists_show_only_the_credentials_mode(make_credential, worlds, mode, other, type_name):
    client = client_of(make_credential, mode)
    response = client.get(f"/api/{type_name}")
    assert_absent(response, ids_of(worlds[other]))
    own = {item["id"] for item in response.doc["data"]}
    assert worlds[mode].ids()[type_name] in own
    assert all(item["meta"]["mode"] == mode for item in response.doc["data"])


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
@pytest.mark.parametrize(
    ("type_name", "query"),
    [
        ("customer_payment_sources", "filter[ids]={source}"),
        ("customer_payment_sources", "filter[q][customer_email_eq]={email}"),
        ("customer_payment_sources", "include=customer,payment_source.order"),
        ("external_payments", "filter[q][order_id_eq]={order}"),
        ("external_payments", "include=order,wallet,payment_gateway"),
        ("orders", "filter[ids]={order}"),
        ("orders", "include=customer,external_payments,available_customer_payment_sources"),
        ("customers", "filter[q][email_eq]={email}"),
        ("customers", "include=customer_payment_sources,orders"),
    ],
)
def test_filters_and_includes_stay_in_the_mode(
    make_credential, worlds, mode, other, type_name, query
):
    theirs = worlds[other]
    values = {
        "source": theirs.source.pk,
        "order": theirs.order.pk,
        "email": theirs.customer.email,
    }
    client = client_of(make_credential, mode)
    response = client.get(f"/api/{type_name}?{query.format(**values)}")
    assert_absent(response, ids_of(theirs))


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
@pytest.mark.parametrize(
    "type_name",
    ["customer_payment_sources", "external_payments", "customers", "orders", "payment_gateways"],
)
def test_records_of_the_other_mode_answer_as_missing(
    make_credential, worlds, mode, other, type_name
):
    client = client_of(make_credential, mode)
    assert_unseen(client, type_name, worlds[other].ids()[type_name])


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
def test_audit_of_the_other_mode_answers_as_missing(make_credential, worlds, mode, other):
    client = client_of(make_credential, mode)
    for type_name in ("versions", "event_stores"):
        pk = worlds[other].audit.pk
        seen, missing = (
            client.get(f"/api/{type_name}/{pk}"),
            client.get(f"/api/{type_name}/{MISSING_ID}"),
        )
        assert seen.status_code == 404
        assert answer(seen) == answer(missing)


def relationship(type_name: str, pk: str) -> dict[str, Any]:
    return {"data": {"type": type_name, "id": pk}}


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
@pytest.mark.parametrize(
    "case",
    [
        "source_for_other_customer",
        "source_from_other_payment",
        "payment_on_other_order",
        "order_for_other_customer",
        "order_on_other_gateway",
    ],
)
def test_creating_a_link_to_the_other_mode_is_a_422(make_credential, worlds, mode, other, case):
    mine, theirs = worlds[mode], worlds[other]
    bodies = {
        "source_for_other_customer": (
            "customer_payment_sources",
            {
                "attributes": {"payment_source_token": new_card_token("5555")},
                "relationships": {"customer": relationship("customers", theirs.customer.pk)},
            },
        ),
        "source_from_other_payment": (
            "customer_payment_sources",
            {
                "attributes": {"payment_source_token": theirs.spare_payment.payment_source_token},
                "relationships": {
                    "customer": relationship("customers", mine.customer.pk),
                    "payment_source": relationship("external_payments", theirs.spare_payment.pk),
                },
            },
        ),
        "payment_on_other_order": (
            "external_payments",
            {
                "attributes": {"payment_source_token": new_card_token()},
                "relationships": {"order": relationship("orders", theirs.order.pk)},
            },
        ),
        "order_for_other_customer": (
            "orders",
            {
                "attributes": {"currency_code": "EUR", "total_amount_cents": 100},
                "relationships": {"customer": relationship("customers", theirs.customer.pk)},
            },
        ),
        "order_on_other_gateway": (
            "orders",
            {
                "attributes": {"currency_code": "EUR", "total_amount_cents": 100},
                "relationships": {
                    "payment_gateway": relationship("payment_gateways", theirs.gateway.pk)
                },
            },
        ),
    }
    type_name, data = bodies[case]
    counts = {
        model: model.objects.count()
        for model in (CustomerPaymentSource, ExternalPayment, Order, Customer)
    }
    client = client_of(make_credential, mode)
    response = client.post(f"/api/{type_name}", {"data": {"type": type_name, **data}})
    assert response.status_code == 422, response.content[:300]
    assert response.doc["errors"][0]["code"] == "VALIDATION_ERROR"
    assert counts == {model: model.objects.count() for model in counts}


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
def test_updating_a_link_to_the_other_mode_is_a_422(make_credential, worlds, mode, other):
    mine, theirs = worlds[mode], worlds[other]
    client = client_of(make_credential, mode)
    cases = [
        ("customer_payment_sources", mine.source.pk, "customer", "customers", theirs.customer.pk),
        ("external_payments", mine.payment.pk, "order", "orders", theirs.order.pk),
        ("orders", mine.order.pk, "customer", "customers", theirs.customer.pk),
    ]
    for type_name, pk, rel, target, other_id in cases:
        body = {
            "data": {
                "type": type_name,
                "id": pk,
                "relationships": {rel: relationship(target, other_id)},
            }
        }
        response = client.patch(f"/api/{type_name}/{pk}", body)
        assert response.status_code == 422, (type_name, response.content[:300])
    mine.source.refresh_from_db()
    mine.payment.refresh_from_db()
    mine.order.refresh_from_db()
    assert mine.source.customer_id == mine.customer.pk
    assert mine.payment.order_id == mine.order.pk
    assert mine.order.customer_id == mine.customer.pk


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
def test_paying_with_a_card_of_the_other_mode_is_a_422(make_credential, worlds, mode, other):
    mine, theirs = worlds[mode], worlds[other]
    client = client_of(make_credential, mode)
    body = {
        "data": {
            "type": "orders",
            "id": mine.order.pk,
            "attributes": {"_customer_payment_source_id": theirs.source.pk},
        }
    }
    response = client.patch(f"/api/orders/{mine.order.pk}", body)
    assert response.status_code == 422
    assert not ExternalPayment.objects.filter(saved_source=theirs.source).exists()


@pytest.mark.parametrize("mode", ["test", "live"])
def test_new_records_take_the_credentials_mode(make_credential, worlds, mode):
    client = client_of(make_credential, mode)
    customer = client.post(
        "/api/customers", {"data": {"type": "customers", "attributes": {"email": "m@example.com"}}}
    )
    order = client.post(
        "/api/orders",
        {
            "data": {
                "type": "orders",
                "attributes": {"currency_code": "EUR", "total_amount_cents": 100},
                "relationships": {
                    "customer": relationship("customers", customer.doc["data"]["id"])
                },
            }
        },
    )
    assert customer.status_code == order.status_code == 201
    assert customer.doc["data"]["meta"]["mode"] == order.doc["data"]["meta"]["mode"] == mode
    assert Customer.objects.get(pk=customer.doc["data"]["id"]).mode == mode
    assert Order.objects.get(pk=order.doc["data"]["id"]).mode == mode


@pytest.mark.parametrize(("mode", "other"), DIRECTIONS)
def test_customer_token_sees_only_its_modes_wallet(make_credential, db, mode, other):
    mine = build_world(mode, prefix="same")
    # The same person is also a customer in the other mode, with a card there.
    theirs_customer = Customer.objects.create(
        mode=other, email=mine.customer.email, user=mine.customer.user
    )
    theirs_order = Order.objects.create(
        mode=other,
        number="X-1",
        customer=theirs_customer,
        currency_code="EUR",
        total_amount_cents=1,
    )
    client = client_of(make_credential, mode, kind="sales_channel", email=mine.customer.email)
    response = client.get("/api/customer_payment_sources?include=customer")
    assert [item["id"] for item in response.doc["data"]] == [mine.source.pk]
    assert_absent(response, [theirs_customer.pk])
    orders = client.get("/api/orders")
    assert_absent(orders, [theirs_order.pk])
    assert client.get(f"/api/customers/{theirs_customer.pk}").status_code == 404
