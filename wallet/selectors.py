"""Every scoped read of the wallet.

A :class:`Scope` says who is reading: which mode, and for a customer which customer. Each
selector returns a queryset already restricted to that scope, so a record outside it is simply
not found (the callers answer 404).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from wallet import record_counts
from wallet.conf import wallet_settings
from wallet.models import (
    TRANSACTION_MODELS,
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    GatewayCustomer,
    Order,
    PaymentGateway,
    PaymentMethod,
    Transaction,
)
from wallet.roles import CUSTOMER, INTEGRATION, SALES_CHANNEL


@dataclass(frozen=True)
class Scope:
    """Who reads: the ``mode`` always, and ``customer_id`` when a customer reads their own data.

    ``role`` is ``integration``, ``sales_channel`` or ``customer``.
    """

    mode: str
    customer_id: str | None = None
    role: str = INTEGRATION

    @property
    def is_customer(self) -> bool:
        """Whether the reader is a customer, restricted to their own records."""
        return self.role == CUSTOMER


def customer_of_user(user: Any, mode: str) -> Customer | None:
    """The wallet customer linked to a logged-in user in ``mode``, or ``None``; never writes.

    Reads (storefront pages, API session reads, the rate limiter) use this; the first write
    creates the customer through ``services.ensure_customer_for_user``.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.filter(user=user, mode=mode).first()


def customers(scope: Scope) -> QuerySet[Customer]:
    """Customers in the scope: all of the mode, or only the customer themselves."""
    queryset = Customer.objects.filter(mode=scope.mode)
    if scope.is_customer:
        queryset = queryset.filter(pk=scope.customer_id)
    return queryset


def orders(scope: Scope) -> QuerySet[Order]:
    """Orders in the scope: a customer sees only their own (gateway joined: payments need it)."""
    queryset = Order.objects.select_related("payment_gateway").filter(mode=scope.mode)
    if scope.is_customer:
        queryset = queryset.filter(customer_id=scope.customer_id)
    return queryset


def payment_gateways(scope: Scope) -> QuerySet[PaymentGateway]:
    """Gateways of the scope's mode."""
    return PaymentGateway.objects.filter(mode=scope.mode)


def payment_methods(scope: Scope) -> QuerySet[PaymentMethod]:
    """Payment methods of the scope's mode: every role reads them to offer a way to pay."""
    return PaymentMethod.objects.filter(mode=scope.mode)


def external_payments(scope: Scope) -> QuerySet[ExternalPayment]:
    """External payments in the scope: a customer sees only their own orders' payments."""
    queryset = ExternalPayment.objects.filter(mode=scope.mode)
    if scope.is_customer:
        queryset = queryset.filter(order__customer_id=scope.customer_id)
    return queryset


def payment_sources(scope: Scope, **conditions: Any) -> QuerySet[CustomerPaymentSource]:
    """Saved payment sources in the scope: a customer sees only their own.

    A sales channel (a guest) sees none: no route or ``include`` reaches them. ``conditions``
    join the scope's in one ``filter()``: the checkout asks on every page, and building a
    chain of filters costs more than running the query.
    """
    if scope.role == SALES_CHANNEL:
        return CustomerPaymentSource.objects.none()
    if scope.is_customer:
        conditions["customer_id"] = scope.customer_id
    return CustomerPaymentSource.objects.filter(mode=scope.mode, **conditions)


def transactions(scope: Scope, kind: str) -> QuerySet[Transaction]:
    """Gateway transactions of one ``kind`` in the scope, each annotated with its ``order_id``.

    A customer sees their own orders' transactions; a sales channel sees none.
    """
    model = TRANSACTION_MODELS[kind]
    if scope.role == SALES_CHANNEL:
        return model.objects.none()
    queryset = model.objects.filter(mode=scope.mode, kind=kind).annotate(
        order_id=F("payment__order_id")
    )
    if scope.is_customer:
        queryset = queryset.filter(payment__order__customer_id=scope.customer_id)
    return queryset


# The order of a wallet wherever it is listed (storefront, API, checkout): the default first,
# then the most recently used, then the newest; the id breaks ties so pages never shuffle.
WALLET_ORDER = ("-is_default", F("last_used_at").desc(nulls_last=True), "-created_at", "pk")


def available_payment_sources(
    scope: Scope, customer_ids: Iterable[str | None]
) -> QuerySet[CustomerPaymentSource]:
    """The saved sources these customers can pay with, in the scope and in :data:`WALLET_ORDER`.

    A guest (``None``) has none. Like every selector here, it never returns a removed card
    (``CustomerPaymentSource.objects`` leaves them out) while its undo window lasts; expired
    cards are included (the caller shows or refuses them).
    """
    ids = [customer_id for customer_id in customer_ids if customer_id is not None]
    return payment_sources(scope, customer_id__in=ids).order_by(*WALLET_ORDER)


def customer_wallet(customer: Customer) -> QuerySet[CustomerPaymentSource]:
    """A customer's own saved cards, as the customer reads them: :func:`payment_sources` in
    the customer's scope, in :data:`WALLET_ORDER`."""
    scope = Scope(mode=customer.mode, customer_id=customer.pk, role=CUSTOMER)
    return payment_sources(scope).order_by(*WALLET_ORDER)


def removed_payment_source(customer: Customer, source_id: str) -> CustomerPaymentSource | None:
    """One of the customer's removed cards that can still be brought back (Undo), or ``None``."""
    seconds = int(wallet_settings.REMOVAL_UNDO_SECONDS)
    return CustomerPaymentSource.all_objects.filter(
        pk=source_id,
        customer=customer,
        mode=customer.mode,
        removed_at__isnull=False,
        removed_at__gte=timezone.now() - datetime.timedelta(seconds=seconds),
    ).first()


def is_kept_by_gateway(source: CustomerPaymentSource) -> bool:
    """Whether a gateway keeps the saved card itself (Stripe: attached to its customer).

    Such a card is changed through that gateway, never by a new token from the storefront.
    """
    if not source.customer_token:
        return False
    return GatewayCustomer.objects.filter(
        customer_id=source.customer_id, token=source.customer_token
    ).exists()


def card_saving_gateway(mode: str) -> PaymentGateway | None:
    """The gateway that saves a card without a payment ("Add card"), or ``None``.

    The built-in ``test`` gateway (test mode) and Stripe (through a SetupIntent, so with a
    publishable key) can; the first by name, as orders without a gateway pick theirs.
    """
    savers = Q(kind="stripe") & ~Q(publishable_key="")
    if mode == "test":
        savers |= Q(kind="test")
    return (
        PaymentGateway.objects.filter(savers, mode=mode, disabled_at__isnull=True)
        .order_by("name")
        .first()
    )


def audit_entries(
    scope: Scope,
    *,
    resource_type: str | None = None,
    resource_id: str | None = None,
    versions_only: bool = False,
) -> QuerySet[AuditEntry]:
    """Audit entries of the scope's mode, optionally of one resource; versions are CRUD events.

    Only integrations read the audit log: customers and sales channels see nothing, so no
    route or ``include`` reaches it.
    """
    if scope.role != INTEGRATION:
        return AuditEntry.objects.none()
    queryset = AuditEntry.objects.filter(mode=scope.mode)
    if resource_type is not None:
        queryset = queryset.filter(resource_type=resource_type)
    if resource_id is not None:
        queryset = queryset.filter(resource_id=resource_id)
    if versions_only:
        queryset = queryset.filter(event__in=AuditEntry.VERSION_EVENTS)
    return queryset


def order_for_checkout(customer: Customer, order_id: str) -> Order | None:
    """The customer's own order with that id, or ``None`` (another customer's order included)."""
    return (
        Order.objects.select_related("payment_gateway")
        .filter(pk=order_id, customer=customer, mode=customer.mode)
        .first()
    )


def user_order_for_checkout(user: Any, mode: str, order_id: str) -> Order | None:
    """:func:`order_for_checkout` of the user's customer in ``mode``, in one query.

    The order comes with its customer and gateway joined; ``None`` when the user has no
    customer in ``mode`` or the order is not theirs.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # A slice, not first(): one id matches at most one row, so no ORDER BY to build.
    orders = Order.objects.select_related("payment_gateway", "customer").filter(
        pk=order_id, mode=mode, customer__user=user, customer__mode=mode
    )
    return next(iter(orders[:1]), None)


def payable_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's orders still awaiting a payment, newest first."""
    return Order.objects.filter(
        customer=customer,
        mode=customer.mode,
        status__in=Order.PAYABLE_STATUSES,
        payment_status=Order.PaymentStatus.UNPAID,
    ).order_by("-created_at")


def authorized_payment(order: Order) -> ExternalPayment | None:
    """The order's payment the gateway authorized (the latest one), or ``None``."""
    return (
        ExternalPayment.objects.filter(
            order=order, transactions__kind="authorization", transactions__succeeded=True
        )
        .order_by("-created_at")
        .first()
    )


def mode_total(model: type[models.Model], mode: str) -> int | None:
    """All rows of ``model`` in ``mode`` from the optional trigger-kept counts, or ``None``.

    ``None`` where no counts are kept (``wallet.record_counts``): count the rows instead.
    """
    return record_counts.mode_total(model, mode)
