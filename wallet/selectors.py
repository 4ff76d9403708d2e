"""Every scoped read of the wallet.

A :class:`Scope` says who is reading: which mode, and for a customer which customer. Each
selector returns a queryset already restricted to that scope, so a record outside it is simply
not found (the callers answer 404).
"""

from dataclasses import dataclass

from django.db import connection, models
from django.db.models import F, QuerySet, Sum

from wallet.models import (
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    RecordCount,
)


@dataclass(frozen=True)
class Scope:
    """Who reads: the ``mode`` always, and ``customer_id`` when a customer reads their own data.

    ``role`` is ``integration``, ``sales_channel`` or ``customer``.
    """

    mode: str
    customer_id: str | None = None
    role: str = "integration"

    @property
    def is_customer(self) -> bool:
        """Whether the reader is a customer, restricted to their own records."""
        return self.role == "customer"


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


def external_payments(scope: Scope) -> QuerySet[ExternalPayment]:
    """External payments in the scope: a customer sees only their own orders' payments."""
    queryset = ExternalPayment.objects.filter(mode=scope.mode)
    if scope.is_customer:
        queryset = queryset.filter(order__customer_id=scope.customer_id)
    return queryset


def payment_sources(scope: Scope) -> QuerySet[CustomerPaymentSource]:
    """Saved payment sources in the scope: a customer sees only their own.

    A sales channel (a guest) sees none (DESIGN roles table): no route or ``include`` reaches
    them.
    """
    if scope.role == "sales_channel":
        return CustomerPaymentSource.objects.none()
    queryset = CustomerPaymentSource.objects.filter(mode=scope.mode)
    if scope.is_customer:
        queryset = queryset.filter(customer_id=scope.customer_id)
    return queryset


def customer_wallet(customer: Customer) -> QuerySet[CustomerPaymentSource]:
    """A customer's saved cards: the default first, then the most recently used and added."""
    return CustomerPaymentSource.objects.filter(customer=customer, mode=customer.mode).order_by(
        "-is_default", F("last_used_at").desc(nulls_last=True), "-created_at"
    )


def available_payment_sources(order: Order) -> QuerySet[CustomerPaymentSource]:
    """The saved sources an order can be paid with: its customer's wallet (none for guests)."""
    if order.customer_id is None:
        return CustomerPaymentSource.objects.none()
    return CustomerPaymentSource.objects.filter(
        customer_id=order.customer_id, mode=order.mode
    ).order_by("-is_default", "-created_at")


def audit_entries(
    scope: Scope,
    *,
    resource_type: str | None = None,
    resource_id: str | None = None,
    versions_only: bool = False,
) -> QuerySet[AuditEntry]:
    """Audit entries of the scope's mode, optionally of one resource; versions are CRUD events.

    Only integrations read the audit log (DESIGN roles table): customers and sales channels
    see nothing, so no route or ``include`` reaches it.
    """
    if scope.role != "integration":
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


COUNTED_MODELS = (Customer, Order, ExternalPayment, CustomerPaymentSource)


def mode_total(model: type[models.Model], mode: str) -> int | None:
    """All rows of ``model`` in ``mode``, read from the trigger-kept counts on PostgreSQL.

    ``None`` where no counts are kept (other databases, other models): count the rows instead.
    """
    if connection.vendor != "postgresql" or model not in COUNTED_MODELS:
        return None
    total = RecordCount.objects.filter(table_name=model._meta.db_table, mode=mode).aggregate(
        total=Sum("count")
    )["total"]
    return total or 0
