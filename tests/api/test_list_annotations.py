"""A list reads the joined tables of an annotation only when the request needs it.

A saved card's ``payment_method`` is the payment method of the order it was paid on: an
annotation joined through the payment and its order. A list that does not include it pays no
join for it, in its count or in its page, filtered and sorted or not (no filter or sort key of
saved cards reads it); including it still links it.
"""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wallet.api.filters import FilterSpec
from wallet.api.resources import RESOURCES
from wallet.models import Order, PaymentMethod

pytestmark = pytest.mark.django_db


@pytest.fixture
def method(gateway):
    """A payment method of the test gateway for EUR orders."""
    return PaymentMethod.objects.create(
        mode="test", name="Cards", payment_gateway=gateway, currency_code="EUR"
    )


def list_queries(api_client, path):
    """The SQL of the route's queries, and its document."""
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries], response.doc


def test_a_plain_list_of_saved_cards_joins_no_order(api_client, source):
    queries, doc = list_queries(api_client, "/api/customer_payment_sources")
    listing = [sql for sql in queries if 'FROM "wallet_customerpaymentsource"' in sql]
    assert listing, queries
    assert not [sql for sql in listing if '"wallet_order"' in sql]
    assert [item["id"] for item in doc["data"]] == [source.pk]
    assert "data" not in doc["data"][0]["relationships"]["payment_method"]


def test_a_list_including_payment_methods_links_each_card_to_its_own(api_client, source, method):
    Order.objects.filter(pk=source.payment.order_id).update(payment_method=method)

    _queries, doc = list_queries(
        api_client, "/api/customer_payment_sources?include=payment_method,payment_source"
    )

    linkage = doc["data"][0]["relationships"]["payment_method"]["data"]
    assert linkage == {"type": "payment_methods", "id": method.pk}
    included = {(item["type"], item["id"]) for item in doc["included"]}
    assert ("payment_methods", method.pk) in included


def test_a_filtered_list_keeps_the_annotation(api_client, source, method):
    Order.objects.filter(pk=source.payment.order_id).update(payment_method=method)

    _queries, doc = list_queries(
        api_client,
        "/api/customer_payment_sources?filter[q][reference_cont]=EXTERNAL&include=payment_method",
    )

    assert doc["data"][0]["relationships"]["payment_method"]["data"]["id"] == method.pk


@pytest.mark.parametrize(
    "query",
    [
        "filter[q][reference_cont]=EXTERNAL",
        "filter[q][name_start]=XXXX&sort=-name",
        "filter[q][customer_email_cont]=example&page[size]=1",
    ],
)
def test_a_filtered_or_sorted_list_of_saved_cards_joins_no_order(api_client, source, query):
    # At a million cards a broad filter joined each match to its payment and order before the
    # page was sorted: thousands of lookups for ten rows.
    queries, doc = list_queries(api_client, f"/api/customer_payment_sources?{query}")

    listing = [sql for sql in queries if 'FROM "wallet_customerpaymentsource"' in sql]
    assert listing, queries
    assert not [sql for sql in listing if '"wallet_order"' in sql]
    assert [item["id"] for item in doc["data"]] == [source.pk]


def test_no_filter_or_sort_key_of_a_type_reads_its_annotation():
    assert not [name for name, resource in RESOURCES.items() if resource.filters_read_annotations]


def test_a_filter_key_on_an_annotation_is_seen_to_read_it():
    resource = RESOURCES["customer_payment_sources"]
    spec = FilterSpec(fields={"payment_method": "payment_method_id"})

    assert dataclasses.replace(resource, filters=spec).filters_read_annotations
