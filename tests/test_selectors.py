"""Selectors: every scoped read is restricted to the mode and, for customers, to the customer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from wallet import selectors, services
from wallet.models import CustomerPaymentSource
from wallet.selectors import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two test-mode customers and one live-mode customer, each with an order, payment, source."""
    records = {}
    for key, mode in (("alice", "test"), ("bob", "test"), ("live", "live")):
        payment = factories.ExternalPaymentFactory(order__mode=mode)
        source = factories.CustomerPaymentSourceFactory(customer=payment.order.customer)
        records[key] = {
            "customer": payment.order.customer,
            "order": payment.order,
            "payment": payment,
            "source": source,
            "gateway": payment.payment_gateway,
        }
    return records


def _ids(queryset) -> set[str]:
    return set(queryset.values_list("pk", flat=True))


def _pks(world, names, kind) -> set[str]:
    return {world[name][kind].pk for name in names}


INTEGRATION_TEST = Scope(mode="test")
INTEGRATION_LIVE = Scope(mode="live")


def customer_scope(world, name: str) -> Scope:
    """The scope of a customer reading their own data."""
    customer = world[name]["customer"]
    return Scope(mode=customer.mode, customer_id=customer.pk, role="customer")


@pytest.mark.parametrize(
    ("selector", "kind"),
    [
        (selectors.customers, "customer"),
        (selectors.orders, "order"),
        (selectors.external_payments, "payment"),
        (selectors.payment_sources, "source"),
    ],
)
def test_integrations_see_everything_of_their_mode_only(world, selector, kind):
    assert _ids(selector(INTEGRATION_TEST)) == _pks(world, ["alice", "bob"], kind)
    assert _ids(selector(INTEGRATION_LIVE)) == _pks(world, ["live"], kind)


@pytest.mark.parametrize(
    ("selector", "kind"),
    [
        (selectors.customers, "customer"),
        (selectors.orders, "order"),
        (selectors.external_payments, "payment"),
        (selectors.payment_sources, "source"),
    ],
)
def test_customers_see_only_their_own_records(world, selector, kind):
    assert _ids(selector(customer_scope(world, "alice"))) == _pks(world, ["alice"], kind)
    assert _ids(selector(customer_scope(world, "bob"))) == _pks(world, ["bob"], kind)


@pytest.mark.parametrize(
    "selector",
    [selectors.customers, selectors.orders, selectors.external_payments, selectors.payment_sources],
)
def test_a_customer_scope_in_the_other_mode_sees_nothing(world, selector):
    alice = world["alice"]["customer"]
    assert not selector(Scope(mode="live", customer_id=alice.pk, role="customer")).exists()


@pytest.mark.parametrize(
    "selector",
    [selectors.customers, selectors.orders, selectors.external_payments, selectors.payment_sources],
)
def test_a_customer_scope_without_customer_sees_nothing(world, selector):
    assert not selector(Scope(mode="test", role="customer")).exists()


def test_gateways_are_scoped_by_mode(world):
    assert _ids(selectors.payment_gateways(INTEGRATION_TEST)) == {world["alice"]["gateway"].pk}
    assert _ids(selectors.payment_gateways(INTEGRATION_LIVE)) == {world["live"]["gateway"].pk}


def test_audit_entries_are_scoped_by_mode():
    test_customer = services.create_customer(mode="test", email="t@example.com")
    live_customer = services.create_customer(mode="live", email="l@example.com")
    test_ids = set(selectors.audit_entries(INTEGRATION_TEST).values_list("resource_id", flat=True))
    live_ids = set(selectors.audit_entries(INTEGRATION_LIVE).values_list("resource_id", flat=True))
    assert test_ids == {test_customer.pk}
    assert live_ids == {live_customer.pk}


def test_audit_entries_are_never_shown_to_customers():
    customer = services.create_customer(mode="test", email="c@example.com")
    scope = Scope(mode="test", customer_id=customer.pk, role="customer")
    assert not selectors.audit_entries(scope).exists()


def test_audit_entries_of_one_resource_and_versions_only():
    customer = factories.CustomerFactory()
    first = services.create_payment_source(customer=customer, payment_source_token="tok_1")
    second = services.create_payment_source(customer=customer, payment_source_token="tok_2")
    services.set_default_payment_source(second)
    entries = selectors.audit_entries(
        INTEGRATION_TEST, resource_type="customer_payment_sources", resource_id=second.pk
    )
    assert set(entries.values_list("event", flat=True)) == {"create", "update", "default_set"}
    versions = selectors.audit_entries(
        INTEGRATION_TEST,
        resource_type="customer_payment_sources",
        resource_id=second.pk,
        versions_only=True,
    )
    assert set(versions.values_list("event", flat=True)) == {"create", "update"}
    assert first.pk not in set(entries.values_list("resource_id", flat=True))


def test_customer_wallet_lists_default_then_recently_used_then_newest():
    customer = factories.CustomerFactory()
    now = timezone.now()
    old_unused = factories.CustomerPaymentSourceFactory(customer=customer)
    new_unused = factories.CustomerPaymentSourceFactory(customer=customer)
    used_long_ago = factories.CustomerPaymentSourceFactory(
        customer=customer, last_used_at=now - timedelta(days=30)
    )
    used_recently = factories.CustomerPaymentSourceFactory(
        customer=customer, last_used_at=now - timedelta(days=1)
    )
    default = factories.CustomerPaymentSourceFactory(customer=customer, is_default=True)
    CustomerPaymentSource.objects.filter(pk=old_unused.pk).update(
        created_at=now - timedelta(days=90)
    )
    assert list(selectors.customer_wallet(customer)) == [
        default,
        used_recently,
        used_long_ago,
        new_unused,
        old_unused,
    ]


def test_customer_wallet_holds_only_that_customers_sources(world):
    alice = world["alice"]["customer"]
    assert _ids(selectors.customer_wallet(alice)) == {world["alice"]["source"].pk}


def test_available_payment_sources_are_the_order_customers_wallet(world):
    alice_order = world["alice"]["order"]
    extra = factories.CustomerPaymentSourceFactory(
        customer=world["alice"]["customer"], is_default=True
    )
    scope = Scope(mode="test")
    assert list(selectors.available_payment_sources(scope, [alice_order.customer_id])) == [
        extra,
        world["alice"]["source"],
    ]


def test_available_payment_sources_stay_in_the_scope(world):
    alice, live = world["alice"]["customer"], world["live"]["customer"]
    bob_reads = Scope(mode="test", customer_id=world["bob"]["customer"].pk, role="customer")
    assert not selectors.available_payment_sources(bob_reads, [alice.pk]).exists()
    assert not selectors.available_payment_sources(Scope(mode="test"), [live.pk]).exists()
    guest = Scope(mode="test", role="sales_channel")
    assert not selectors.available_payment_sources(guest, [alice.pk]).exists()


def test_a_guest_order_has_no_available_payment_sources(world):
    guest_order = factories.OrderFactory(customer=None)
    scope = Scope(mode="test")
    assert not selectors.available_payment_sources(scope, [guest_order.customer_id]).exists()


def test_order_for_checkout_finds_the_customers_own_order(world):
    alice = world["alice"]
    assert selectors.order_for_checkout(alice["customer"], alice["order"].pk) == alice["order"]


def test_order_for_checkout_refuses_another_customers_order(world):
    bob_order = world["bob"]["order"]
    assert selectors.order_for_checkout(world["alice"]["customer"], bob_order.pk) is None


def test_order_for_checkout_refuses_an_unknown_id(world):
    assert selectors.order_for_checkout(world["alice"]["customer"], "nope000000") is None
