"""Query counts per route and include combination, pinned, and constant in the page size.

Each count is the caller's identification (``api_client.auth_queries``) plus the queries of the
route itself: one per record lookup, two per page (count + rows), one per included relationship.
"""

import pytest
from django.db import connection

from tests import factories
from wallet import services
from wallet.models import ExternalPayment


def build(count, customer, gateway):
    """``count`` paid orders, each with a payment saved as a source, each audited once."""
    for _ in range(count):
        order = factories.OrderFactory(customer=customer, payment_gateway=gateway)
        payment = factories.ExternalPaymentFactory(order=order)
        source = factories.CustomerPaymentSourceFactory(customer=customer, payment=payment)
        ExternalPayment.objects.filter(pk=payment.pk).update(saved_source=source)
        payment.refresh_from_db()
        services.update_record(source, {"reference": "x"}, actor=services.SYSTEM)
        services.update_record(payment, {"reference": "x"}, actor=services.SYSTEM)
    return source


# A filtered list whose first page is not full: on SQLite that page is its own count; on
# PostgreSQL the planner's estimate, the query that counts the matches and picks the page's ids,
# and the page read by those ids.
FILTERED_PAGE = 3 if connection.vendor == "postgresql" else 1
# (path, queries beyond the caller's identification)
ROUTES = [
    ("/api/customer_payment_sources/{source}", 1),
    ("/api/customer_payment_sources/{source}?include=customer", 2),
    ("/api/customer_payment_sources/{source}?include=customer,payment_source,versions", 4),
    ("/api/customer_payment_sources/{source}?include=payment_source.order.customer", 4),
    ("/api/customer_payment_sources", 2),
    ("/api/customer_payment_sources?include=customer", 3),
    ("/api/customer_payment_sources?include=payment_source", 3),
    ("/api/customer_payment_sources?include=versions", 3),
    ("/api/customer_payment_sources?include=customer,payment_source.order.customer,versions", 7),
    ("/api/customer_payment_sources?filter[q][name_cont]=XXXX&sort=-created_at", FILTERED_PAGE),
    ("/api/external_payments", 2),
    ("/api/external_payments?include=order,payment_gateway,wallet,versions", 6),
    ("/api/external_payments?include=wallet.customer,order.available_customer_payment_sources", 6),
    ("/api/customers", 2),
    ("/api/customers?include=customer_payment_sources,orders", 4),
    ("/api/customers?include=orders.external_payments.wallet", 5),
    ("/api/orders", 2),
    (
        "/api/orders?include=customer,payment_gateway,external_payments,"
        "available_customer_payment_sources,versions",
        7,
    ),
    ("/api/payment_gateways?include=versions", 3),
    ("/api/versions", 2),
    ("/api/event_stores", 1),
    ("/api/customers/{customer}/customer_payment_sources", 3),
    ("/api/customers/{customer}/customer_payment_sources?include=payment_source", 4),
    ("/api/orders/{order}/available_customer_payment_sources", 3),
    ("/api/customer_payment_sources/{source}/versions", 3),
    ("/api/customer_payment_sources/{source}/event_stores", 2),
    ("/api/customer_payment_sources/{source}/customer", 2),
    ("/api/customer_payment_sources/{source}/payment_source?include=order", 3),
    ("/api/external_payments/{payment}/wallet", 2),
    ("/api/customer_payment_sources/{source}/relationships/customer", 2),
    ("/api/customers/{customer}/relationships/customer_payment_sources", 2),
]


@pytest.fixture
def dataset(db, customer, gateway):
    """A few linked records; returns the ids the routes need."""
    source = build(3, customer, gateway)
    return {
        "source": source.pk,
        "customer": customer.pk,
        "payment": source.payment_id,
        "order": source.payment.order_id,
    }


@pytest.mark.parametrize(("path", "queries"), ROUTES)
def test_query_count_per_route(api_client, dataset, django_assert_num_queries, path, queries):
    with django_assert_num_queries(api_client.auth_queries + queries):
        response = api_client.get(path.format(**dataset))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/customer_payment_sources?include=customer,payment_source.order.customer,versions",
        "/api/external_payments?include=order,payment_gateway,wallet,versions",
        "/api/orders?include=external_payments,available_customer_payment_sources,customer",
        "/api/customers/{customer}/customer_payment_sources?include=payment_source.wallet",
        "/api/versions",
        "/api/event_stores",
    ],
)
def test_query_count_does_not_grow_with_page_size(api_client, customer, gateway, path):
    from django.test.utils import CaptureQueriesContext

    build(5, customer, gateway)
    url = path.format(customer=customer.pk) + ("&" if "?" in path else "?") + "page[size]=25"
    with CaptureQueriesContext(connection) as small:
        few = api_client.get(url)
    build(20, customer, gateway)
    with CaptureQueriesContext(connection) as large:
        many = api_client.get(url)

    assert len(many.doc["data"]) > len(few.doc["data"]) >= 5
    assert len(large.captured_queries) == len(small.captured_queries)
