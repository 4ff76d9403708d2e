"""A small shop in one mode, for the role, customer-isolation and mode-isolation tests.

``build_world`` makes a customer with a draft order, a payment on it saved as a card, a second
payment not yet saved, an order without payments, a customer without orders, a placed order
with a payment, and one audit entry: every route of the API has a target. ``caller`` is a
JSON:API client acting in a world's mode as an integration, a sales channel or its customer.
``built_for_the_module`` builds worlds once for a module's tests (hundreds of tests each).
"""

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction

from tests import factories
from tests.support.api_client import JsonApiClient
from tests.support.tokens import Credential
from wallet.api.resources import TRANSACTION_TYPES
from wallet.gateways.test import make_test_token
from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
    Transaction,
)


@dataclass
class World:
    """The records of one shop in one mode."""

    mode: str
    gateway: PaymentGateway
    customer: Customer
    order: Order
    payment: ExternalPayment
    source: CustomerPaymentSource
    spare_payment: ExternalPayment
    empty_order: Order
    lonely_customer: Customer
    placed_order: Order
    placed_payment: ExternalPayment
    audit: AuditEntry
    transactions: dict[str, Transaction]
    method: PaymentMethod
    spare_method: PaymentMethod

    def ids(self) -> dict[str, str]:
        """The id of the record each resource type's routes act on."""
        return {
            "customer_payment_sources": self.source.pk,
            "external_payments": self.payment.pk,
            "customers": self.customer.pk,
            "orders": self.order.pk,
            "payment_gateways": self.gateway.pk,
            "payment_methods": self.method.pk,
            "versions": self.audit.pk,
            "event_stores": self.audit.pk,
            **{type_name: record.pk for type_name, record in self.transactions.items()},
        }


def build_world(mode: str = "test", prefix: str = "a") -> World:
    """Create the records of a shop in ``mode``; emails start with ``prefix``."""
    gateway = factories.PaymentGatewayFactory(mode=mode)
    method = PaymentMethod.objects.create(mode=mode, name="Cards", payment_gateway=gateway)
    spare_method = PaymentMethod.objects.create(mode=mode, name="Unused", payment_gateway=gateway)
    user = factories.UserFactory(username=f"{prefix}-{mode}@example.com")
    customer = factories.CustomerFactory(user=user, mode=mode)
    order = factories.OrderFactory(
        customer=customer, payment_gateway=gateway, payment_method=method, mode=mode
    )
    payment = factories.ExternalPaymentFactory(order=order, last4="1111")
    source = factories.CustomerPaymentSourceFactory(
        customer=customer, payment=payment, last4="1111", is_default=True
    )
    spare_payment = factories.ExternalPaymentFactory(order=order, last4="2222")
    empty_order = factories.OrderFactory(customer=customer, payment_gateway=gateway, mode=mode)
    lonely_customer = factories.CustomerFactory(
        user=factories.UserFactory(username=f"{prefix}-lonely-{mode}@example.com"), mode=mode
    )
    placed_order = factories.OrderFactory(
        customer=customer, payment_gateway=gateway, mode=mode, status=Order.Status.PLACED
    )
    placed_payment = factories.ExternalPaymentFactory(order=placed_order, last4="3333")
    audit = AuditEntry.objects.create(
        mode=mode,
        resource_type="customer_payment_sources",
        resource_id=source.pk,
        event=AuditEntry.Event.CREATE,
        changes={"reference": ["", "x"]},
        who={"application": {"id": "seed", "kind": "integration"}},
    )
    # One gateway transaction of each kind on the placed order (records, not a payment story).
    transactions = {
        type_name: Transaction.objects.create(
            mode=mode,
            payment=placed_payment,
            kind=kind,
            succeeded=True,
            amount_cents=placed_order.total_amount_cents,
            currency_code=placed_order.currency_code,
            token=f"{kind}_{prefix}",
        )
        for type_name, kind in TRANSACTION_TYPES.items()
    }
    return World(
        mode=mode,
        gateway=gateway,
        customer=customer,
        order=order,
        payment=payment,
        source=source,
        spare_payment=spare_payment,
        empty_order=empty_order,
        lonely_customer=lonely_customer,
        placed_order=placed_order,
        placed_payment=placed_payment,
        audit=audit,
        transactions=transactions,
        method=method,
        spare_method=spare_method,
    )


def new_card_token(last4: str = "4242") -> str:
    """A test-gateway token of a card nobody saved yet."""
    return make_test_token("visa", last4, 12, 2031)


def caller(make_credential: Callable[..., Credential], world: World, role: str) -> JsonApiClient:
    """A JSON:API client holding a bearer token of ``role`` in the world's mode.

    ``role`` is ``integration``, ``sales_channel`` or ``customer`` (a sales channel's token of
    ``world.customer``); the token is minted, not requested.
    """
    kind = "integration" if role == "integration" else "sales_channel"
    credential = make_credential(kind, world.mode)
    user = world.customer.user if role == "customer" else None
    client = JsonApiClient(credential.client)
    client.headers["AUTHORIZATION"] = f"Bearer {credential.minted_token(user)}"
    return client


Records = TypeVar("Records")


def built_for_the_module(blocker: Any, build: Callable[[], Records]) -> Iterator[Records]:
    """Yield ``build()``'s records to a module's tests, each test getting them as they were made.

    For a module-scoped fixture (``yield from``). The records are made in a transaction that
    stays open for the module: each test's own changes go with the savepoint pytest-django's
    ``db`` opens inside it, and everything with the transaction at the module's end. Tests of
    the module must not need ``transactional_db``. Take a ``fresh_copy`` per test: a test may
    change the instances.
    """
    with blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            records = build()
        except BaseException as error:
            outer.__exit__(type(error), error, error.__traceback__)
            raise
    try:
        yield records
    finally:
        with blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def fresh_copy(records: Records) -> Records:
    """The module's records for one test: its own instances of the same rows."""
    return copy.deepcopy(records)
