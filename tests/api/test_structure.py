"""The API on DRF's structure: routes from the resource registry, 405s from the router, the
roles table covering every type, and the rules that moved into the services (keyed by actor)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse

from tests import factories
from tests.support.api import assert_error
from wallet import services
from wallet.api.filters import FilterSpec, QueryError, apply_filters, parse_sort
from wallet.api.resources import RESOURCES, TRANSACTION_TYPES, Attribute, Resource
from wallet.api.resources.payment_gateways import PAYMENT_GATEWAYS
from wallet.api.routers import ResourceRouter
from wallet.audit import actor_for_customer, actor_for_user
from wallet.roles import CUSTOMER, INTEGRATION, ROLE_ACTIONS, SALES_CHANNEL, TRANSACTIONS


def test_every_type_and_relationship_has_its_named_routes():
    for type_name, resource in RESOURCES.items():
        assert reverse(f"wallet-api:{type_name}-list") == f"/api/{type_name}"
        assert reverse(f"wallet-api:{type_name}-detail", args=["a.b"]) == f"/api/{type_name}/a.b"
        for rel in resource.relationships:
            assert (
                reverse(f"wallet-api:{type_name}-{rel.name}", args=["x"])
                == f"/api/{type_name}/x/{rel.name}"
            )
            assert (
                reverse(f"wallet-api:{type_name}-relationships-{rel.name}", args=["x"])
                == f"/api/{type_name}/x/relationships/{rel.name}"
            )


def test_a_resource_is_routed_by_registering_it():
    probe = Resource(
        type="gateway_probes",
        model=PAYMENT_GATEWAYS.model,
        selector=PAYMENT_GATEWAYS.selector,
        attributes=PAYMENT_GATEWAYS.attributes[:1],
        relationships=PAYMENT_GATEWAYS.relationships[:1],
        filters=PAYMENT_GATEWAYS.filters,
        actions=frozenset({"list", "retrieve"}),
    )
    router = ResourceRouter()
    router.register_resource(probe)

    names = {pattern.name: str(pattern.pattern) for pattern in router.urls}

    assert names == {
        "gateway_probes-list": "gateway_probes",
        "gateway_probes-detail": "gateway_probes/<str:pk>",
        "gateway_probes-relationships-versions": "gateway_probes/<str:pk>/relationships/versions",
        "gateway_probes-versions": "gateway_probes/<str:pk>/versions",
    }


def test_a_read_only_type_refuses_writes_with_405_and_names_what_it_allows(api_client, gateway):
    response = api_client.post("/api/payment_gateways", {"data": {"type": "payment_gateways"}})

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"] == "GET, HEAD"
    detail = api_client.delete(f"/api/payment_gateways/{gateway.pk}")
    assert_error(detail, 405, "METHOD_NOT_ALLOWED")
    assert detail["Allow"] == "GET, HEAD"


def test_a_writable_type_names_its_writes_in_allow(api_client, order):
    response = api_client.request("PUT", f"/api/orders/{order.pk}", {"data": {}})

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"] == "GET, HEAD, PATCH, DELETE"


def test_options_is_not_a_json_api_method(api_client):
    assert_error(
        api_client.request("OPTIONS", "/api/customer_payment_sources"), 405, "METHOD_NOT_ALLOWED"
    )


def test_an_unknown_api_url_is_a_json_api_404(api_client):
    assert_error(api_client.get("/api/nothing/here"), 404, "RECORD_NOT_FOUND")
    with pytest.raises(NoReverseMatch):
        reverse("wallet-api:nothing-list")


def test_the_roles_table_covers_every_type_and_only_those():
    assert set(ROLE_ACTIONS[INTEGRATION]) == set(RESOURCES)
    assert set(TRANSACTIONS) == set(TRANSACTION_TYPES)
    for role in (SALES_CHANNEL, CUSTOMER):
        assert set(ROLE_ACTIONS[role]) <= set(RESOURCES)


def test_an_empty_write_body_is_a_bad_request(api_client):
    response = api_client.request("POST", "/api/orders", None)

    assert_error(response, 400, "BAD_REQUEST")


def test_a_customer_creating_an_order_for_someone_else_gets_their_own(db, customer):
    other = factories.CustomerFactory()

    order = services.create_order(
        mode=customer.mode, customer=other, actor=actor_for_customer(customer)
    )

    assert order.customer_id == customer.pk
    assert order.customer_email == customer.email


def test_a_customer_cannot_hand_their_order_to_someone_else(db, customer, gateway):
    order = factories.OrderFactory(customer=customer, payment_gateway=gateway)
    other = factories.CustomerFactory()

    for new_owner in (other, None):
        with pytest.raises(ValidationError) as refused:
            services.update_order(
                order, {"customer": new_owner}, actor=actor_for_customer(customer)
            )
        assert refused.value.message_dict == {"customer": ["cannot be changed"]}
    order.refresh_from_db()
    assert order.customer_id == customer.pk


def test_staff_may_hand_an_order_to_another_customer(db, customer, gateway, staff_user):
    order = factories.OrderFactory(customer=customer, payment_gateway=gateway)
    other = factories.CustomerFactory()

    services.update_order(order, {"customer": other}, actor=actor_for_user(staff_user))

    order.refresh_from_db()
    assert order.customer_id == other.pk


def test_a_customer_saves_only_a_card_they_paid_with(db, customer, gateway):
    own = factories.ExternalPaymentFactory(
        order=factories.OrderFactory(customer=customer, payment_gateway=gateway)
    )
    foreign = factories.ExternalPaymentFactory(
        order=factories.OrderFactory(payment_gateway=gateway)
    )
    actor = actor_for_customer(customer)

    assert services.paid_by(actor, own)
    assert not services.paid_by(actor, foreign)
    with pytest.raises(ValidationError) as refused:
        services.create_payment_source(
            customer=customer, payment_source_token="", payment=foreign, actor=actor
        )
    assert "payment" in refused.value.message_dict
    saved = services.create_payment_source(
        customer=customer, payment_source_token="", payment=own, actor=actor
    )
    assert saved.customer_id == customer.pk
    assert saved.payment_id == own.pk


def test_a_flagged_attribute_is_filterable_and_sortable_by_its_name(db, gateway):
    probe = Resource(
        type="gateway_probes",
        model=PAYMENT_GATEWAYS.model,
        selector=PAYMENT_GATEWAYS.selector,
        attributes=(Attribute("kind", filterable=True, sortable=True), Attribute("name")),
        relationships=(),
        filters=FilterSpec(fields={"id": "id"}),
    )
    queryset = PAYMENT_GATEWAYS.model.objects.all()

    assert probe.filters.fields == {"kind": "kind", "id": "id"}
    assert probe.filters.sortable == {"kind": "kind"}
    assert list(apply_filters(queryset, {"filter[kind]": gateway.kind}, probe.filters)) == [gateway]
    with pytest.raises(QueryError):
        apply_filters(queryset, {"filter[name]": gateway.name}, probe.filters)
    assert parse_sort("-kind", probe.filters) == ["-kind", "-pk"]
