"""``meta.record_count`` of a filtered list without a count query of its own.

On SQLite a first page (or any page) that is not full holds the last match: the count is the
rows before it plus its own, exact, and no ``COUNT`` runs. On PostgreSQL the one query that
picks the page's ids counts the matches too (up to the cap), and a filter the planner expects
to match at least ``ESTIMATE_FLOOR`` rows is not counted at all: the planner's estimate
answers, flagged ``record_count_is_estimate``; a customer's own list stays exact.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.support.api_client import JsonApiClient
from wallet.api import pagination

pytestmark = pytest.mark.django_db


def counts_of(captured: CaptureQueriesContext) -> list[str]:
    """The count queries (and planner estimates) a request ran."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"].upper() or q["sql"].startswith("EXPLAIN")
    ]


def assert_no_count_of_its_own(captured: CaptureQueriesContext) -> None:
    """No ``COUNT`` ran besides the one that picks the page's ids (PostgreSQL)."""
    counts = [sql for sql in counts_of(captured) if "COUNT(" in sql.upper()]
    if connection.vendor == "postgresql":
        assert len(counts) == 1 and "ARRAY(SELECT" in counts[0], counts
    else:
        assert counts == []


@pytest.fixture
def orders(db):
    """Seven orders, five of them with the reference ``MANY``."""
    return [
        factories.OrderFactory(reference="MANY" if index < 5 else f"ONE-{index}")
        for index in range(7)
    ]


def test_a_first_page_that_is_not_full_is_the_count(api_client, orders):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/orders?filter[q][reference_eq]=MANY")

    assert response.doc["meta"] == {"record_count": 5, "page_count": 1}
    assert "last" in response.doc["links"]
    assert_no_count_of_its_own(captured)


def test_a_later_page_that_is_not_full_is_the_count(api_client, orders):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(
            "/api/orders?filter[q][reference_eq]=MANY&page[size]=2&page[number]=3"
        )

    assert len(response.doc["data"]) == 1
    assert response.doc["meta"] == {"record_count": 5, "page_count": 3}
    assert_no_count_of_its_own(captured)


def test_a_full_page_is_counted(api_client, orders):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/orders?filter[q][reference_eq]=MANY&page[size]=5")

    assert response.doc["meta"] == {"record_count": 5, "page_count": 1}
    assert [sql for sql in counts_of(captured) if "COUNT(" in sql.upper()]


def test_a_page_past_the_end_is_counted(api_client, orders):
    response = api_client.get(
        "/api/orders?filter[q][reference_eq]=MANY&page[size]=2&page[number]=9"
    )

    assert response.doc["data"] == []
    assert response.doc["meta"] == {"record_count": 5, "page_count": 3}


def test_no_match_is_a_count_of_zero(api_client, orders):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/orders?filter[q][reference_eq]=NONE")

    assert response.doc["meta"] == {"record_count": 0, "page_count": 0}
    assert_no_count_of_its_own(captured)


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="planner estimate")


@postgres_only
def test_a_filter_the_planner_expects_to_match_many_rows_is_not_counted(
    api_client, orders, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr(pagination, "ESTIMATE_FLOOR", 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wallet_order")

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/orders?filter[q][reference_eq]=MANY&page[size]=2")

    meta = response.doc["meta"]
    assert meta["record_count_is_estimate"] is True
    assert meta["record_count"] >= 3  # the planner's estimate: at least the floor
    assert "last" not in response.doc["links"]
    assert not [sql for sql in counts_of(captured) if "COUNT(" in sql.upper()]


@postgres_only
def test_a_filter_the_planner_expects_to_match_few_rows_is_counted(api_client, orders, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wallet_order")

    response = api_client.get("/api/orders?filter[q][reference_eq]=MANY&page[size]=2")

    assert response.doc["meta"] == {
        "record_count": 2,
        "page_count": 1,
        "record_count_is_estimate": True,
    }


@postgres_only
def test_a_customers_own_list_is_never_estimated(customer, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr(pagination, "ESTIMATE_FLOOR", 1)
    factories.CustomerPaymentSourceFactory.create_batch(4, customer=customer)
    client = Client()
    client.force_login(customer.user)

    response = JsonApiClient(client).get(
        "/api/customer_payment_sources?filter[q][name_start]=XXXX&page[size]=2"
    )

    assert response.doc["meta"] == {"record_count": 4, "page_count": 2}
