"""Lists at scale: capped counts, keyset cursors on every list, deep page numbers, bounded
includes, and the card columns ``name`` filters and sorts on."""

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.support.api import assert_error
from tests.support.api_client import JsonApiClient
from wallet import services
from wallet.api import document as document_module
from wallet.api import pagination
from wallet.models import Customer, CustomerPaymentSource, Order

pytestmark = pytest.mark.django_db


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a link, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def walk(client, path: str) -> list[str]:
    """The ids of every page, following ``links.next`` from ``path`` to the end."""
    ids: list[str] = []
    url: str | None = path
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        ids += [item["id"] for item in response.doc["data"]]
        url = response.doc["links"].get("next")
        assert len(ids) < 500, "the cursor does not advance"
    return ids


@pytest.fixture
def orders(gateway):
    """Twelve orders: references with ties, some placed (NULL placed_at for the others)."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    made = []
    for index in range(12):
        order = factories.OrderFactory(reference=f"REF-{index % 4}", total_amount_cents=100)
        stamp = base + timedelta(hours=index % 3)  # created_at ties too
        placed = base + timedelta(days=index % 5) if index % 3 else None
        Order.objects.filter(pk=order.pk).update(created_at=stamp, placed_at=placed)
        made.append(order)
    return made


# --- cursors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort",
    [None, "reference", "-reference", "placed_at", "-placed_at", "total_amount_cents,-created_at"],
)
def test_page_after_walks_every_row_once_in_the_sort_order_despite_ties_and_nulls(
    api_client, orders, sort
):
    suffix = f"&sort={sort}" if sort else ""
    numbered = api_client.get(f"/api/orders?page[size]=25{suffix}")
    expected = [item["id"] for item in numbered.doc["data"]]

    walked = walk(api_client, f"/api/orders?page[size]=5&page[after]={suffix}")

    assert walked == expected
    assert len(walked) == len(set(walked)) == 12


def test_a_cursor_page_has_a_next_link_with_an_opaque_cursor_and_no_count(api_client, orders):
    response = api_client.get("/api/orders?page[size]=5&page[after]=&sort=reference")

    assert response.doc["meta"] == {"page_size": 5}
    cursor = query_of(response.doc["links"]["next"])["page[after]"]
    assert orders[0].pk not in cursor  # opaque: not an id
    assert "page[number]" not in query_of(response.doc["links"]["next"])


def test_the_last_cursor_page_has_no_next_link(api_client, orders):
    response = api_client.get("/api/orders?page[size]=25&page[after]=")

    assert len(response.doc["data"]) == 12
    assert "next" not in response.doc["links"]


def test_a_cursor_of_another_sort_is_refused(api_client, orders):
    first = api_client.get("/api/orders?page[size]=5&page[after]=&sort=reference")
    cursor = query_of(first.doc["links"]["next"])["page[after]"]

    response = api_client.get(f"/api/orders?page[size]=5&page[after]={cursor}&sort=-reference")

    assert_error(response, 400, "INVALID_PAGE")
    assert response.doc["errors"][0]["source"] == {"parameter": "page[after]"}


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(
            json.dumps({"o": ["-created_at", "pk"], "v": ["not a date", "x"]}).encode()
        ).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"o": ["-created_at", "pk"], "v": [{"a": 1}, "x"]}).encode()
        ).decode(),
    ],
)
def test_a_forged_cursor_is_a_400_never_a_500(api_client, orders, cursor):
    response = api_client.get(f"/api/orders?page[after]={cursor}")

    assert_error(response, 400, "INVALID_PAGE")


def test_page_number_and_page_after_together_are_refused(api_client, orders):
    response = api_client.get("/api/orders?page[after]=&page[number]=2")

    assert_error(response, 400, "INVALID_PAGE")


# --- deep page numbers ----------------------------------------------------------------------


def test_a_page_number_past_the_offset_limit_answers_400_pointing_at_the_cursor(
    api_client, orders, monkeypatch
):
    monkeypatch.setattr(pagination, "MAX_OFFSET", 4)

    response = api_client.get("/api/orders?page[size]=2&page[number]=4")

    assert_error(response, 400, "INVALID_PAGE")
    assert "page[after]" in response.doc["errors"][0]["detail"]


def test_the_page_at_the_offset_limit_links_on_with_a_cursor(api_client, orders, monkeypatch):
    monkeypatch.setattr(pagination, "MAX_OFFSET", 4)

    response = api_client.get("/api/orders?page[size]=2&page[number]=3")

    following = query_of(response.doc["links"]["next"])
    assert "page[number]" not in following and following["page[after]"]
    rest = walk(api_client, response.doc["links"]["next"])
    everything = api_client.get("/api/orders?page[size]=25").doc["data"]
    assert rest == [item["id"] for item in everything][6:]


def test_a_page_past_a_known_end_stays_an_empty_page(api_client, orders, monkeypatch):
    monkeypatch.setattr(pagination, "MAX_OFFSET", 4)

    response = api_client.get("/api/orders?page[size]=2&page[number]=999")

    assert response.status_code == 200
    assert response.doc["data"] == []


# --- counts ---------------------------------------------------------------------------------


def test_a_filtered_count_stops_at_the_cap_and_says_it_is_an_estimate(
    api_client, orders, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/orders?filter[q][total_amount_cents_eq]=100&page[size]=2")

    assert response.doc["meta"] == {
        "record_count": 5,
        "page_count": 3,
        "record_count_is_estimate": True,
    }
    assert "last" not in response.doc["links"]
    assert query_of(response.doc["links"]["next"])["page[number]"] == "2"
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]


def test_the_shipped_cap_counts_2500_matches_exactly_and_no_more(api_client, gateway):
    """The cap is 2,500: counting more matches costs more than a plain list (the README)."""
    orders = [
        Order(mode="test", number=f"B{index}", currency_code="EUR", total_amount_cents=777)
        for index in range(2_501)
    ]
    Order.objects.bulk_create(orders)
    path = "/api/orders?filter[q][total_amount_cents_eq]=777&page[size]=25"

    over = api_client.get(path).doc["meta"]
    Order.objects.filter(pk=orders[0].pk).delete()
    at_the_cap = api_client.get(path).doc["meta"]

    assert over == {"record_count": 2_500, "page_count": 100, "record_count_is_estimate": True}
    assert at_the_cap == {"record_count": 2_500, "page_count": 100}


def test_a_filtered_count_under_the_cap_is_exact(api_client, orders, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)

    response = api_client.get("/api/orders?filter[q][reference_eq]=REF-1")

    assert response.doc["meta"] == {"record_count": 3, "page_count": 1}
    assert "last" in response.doc["links"]


def test_a_filtered_list_pages_in_its_sort_order_at_every_page_number(api_client, orders):
    everything = api_client.get("/api/orders?sort=-reference&page[size]=25").doc["data"]
    expected = [item["id"] for item in everything if item["attributes"]["reference"] != "REF-0"]

    pages = [
        api_client.get(
            f"/api/orders?filter[q][reference_not_eq]=REF-0&sort=-reference"
            f"&page[size]=4&page[number]={number}"
        ).doc
        for number in (1, 2, 3)
    ]

    assert [item["id"] for page in pages for item in page["data"]] == expected
    assert all(page["meta"] == {"record_count": 9, "page_count": 3} for page in pages)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ARRAY()")
def test_a_filtered_list_counts_and_picks_its_page_ids_in_one_query(api_client, orders):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/orders?filter[q][reference_eq]=REF-1&page[size]=2")

    matching = Order.objects.filter(reference="REF-1").order_by("-created_at", "pk")
    assert [item["id"] for item in response.doc["data"]] == [o.pk for o in matching[:2]]
    assert response.doc["meta"] == {"record_count": 3, "page_count": 2}
    queries = [q["sql"] for q in captured.captured_queries]
    order_queries = [sql for sql in queries if 'FROM "wallet_order"' in sql]
    counting = [sql for sql in order_queries if "COUNT(" in sql]
    assert len(counting) == 1 and "ARRAY(SELECT" in counting[0]
    assert f"LIMIT {pagination.COUNT_CAP + 1}" in counting[0]
    pages = [sql for sql in order_queries if "LIMIT" in sql and sql not in counting]
    # The page is read by id (no walk of the list's index to reach the matches), without the
    # filter, whose index the planner could otherwise take to reach these few rows.
    assert len(pages) == 1 and '"wallet_order"."id" IN (' in pages[0]
    assert "REF-1" not in pages[0]


def test_an_unfiltered_list_is_counted_exactly_past_the_cap(api_client, orders, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)

    response = api_client.get("/api/orders")

    assert response.doc["meta"]["record_count"] == Order.objects.count() == 12
    assert "record_count_is_estimate" not in response.doc["meta"]


def test_a_customers_own_filtered_list_is_counted_exactly_past_the_cap(customer, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    factories.CustomerPaymentSourceFactory.create_batch(4, customer=customer)
    client = Client()
    client.force_login(customer.user)

    response = JsonApiClient(client).get("/api/customer_payment_sources?filter[q][name_start]=XXXX")

    assert response.doc["meta"]["record_count"] == 4
    assert "record_count_is_estimate" not in response.doc["meta"]


# --- includes -------------------------------------------------------------------------------


def test_a_to_many_include_is_bounded_per_parent_and_says_so(api_client, monkeypatch):
    monkeypatch.setattr(document_module, "MAX_INCLUDED_PER_PARENT", 2)
    many, few = factories.CustomerFactory(), factories.CustomerFactory()
    cards = factories.CustomerPaymentSourceFactory.create_batch(4, customer=many)
    factories.CustomerPaymentSourceFactory(customer=few)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/customers?include=customer_payment_sources")

    by_id = {item["id"]: item for item in response.doc["data"]}
    crowded = by_id[many.pk]["relationships"]["customer_payment_sources"]
    assert len(crowded["data"]) == 2
    assert crowded["meta"] == {"included_limit": 2, "has_more": True}
    newest = sorted(cards, key=lambda card: (-card.created_at.timestamp(), card.pk))[:2]
    assert [item["id"] for item in crowded["data"]] == [card.pk for card in newest]
    sparse = by_id[few.pk]["relationships"]["customer_payment_sources"]
    assert len(sparse["data"]) == 1 and "meta" not in sparse
    assert len(response.doc["included"]) == 3
    loads = [q["sql"] for q in captured.captured_queries if "ROW_NUMBER" in q["sql"].upper()]
    assert len(loads) == 1  # the limit is applied in the one query of the relationship


# --- the card columns -----------------------------------------------------------------------


def test_saving_a_source_copies_brand_last_digits_and_name_into_columns(customer):
    payment = factories.ExternalPaymentFactory(order__customer=customer, brand="amex", last4="0005")

    source = services.create_payment_source(
        customer=customer, payment_source_token="", payment=payment
    )

    stored = CustomerPaymentSource.objects.values("card_brand", "card_last_digits", "name").get(
        pk=source.pk
    )

    assert stored == {
        "card_brand": "amex",
        "card_last_digits": "0005",
        "name": "XXXX-XXXX-XXXX-0005",
    }


def test_a_changed_instrument_changes_the_columns(customer):
    source = factories.CustomerPaymentSourceFactory(customer=customer, last4="1111")
    instrument = {**source.payment_instrument, "card_last_digits": "2222"}

    services.update_payment_source(source, {"payment_instrument": instrument})

    assert CustomerPaymentSource.objects.get(pk=source.pk).name == "XXXX-XXXX-XXXX-2222"


def test_name_sorts_on_its_column(api_client, customer):
    for last4 in ("3333", "1111", "2222"):
        factories.CustomerPaymentSourceFactory(customer=customer, last4=last4)

    response = api_client.get("/api/customer_payment_sources?sort=-name")

    names = [item["attributes"]["name"] for item in response.doc["data"]]
    assert names == ["XXXX-XXXX-XXXX-3333", "XXXX-XXXX-XXXX-2222", "XXXX-XXXX-XXXX-1111"]


def test_name_filters_on_its_column(api_client, customer):
    wanted = factories.CustomerPaymentSourceFactory(customer=customer, last4="4242")
    factories.CustomerPaymentSourceFactory(customer=customer, last4="1881")

    response = api_client.get("/api/customer_payment_sources?filter[q][name_end]=4242")

    assert [item["id"] for item in response.doc["data"]] == [wanted.pk]
    assert response.doc["data"][0]["attributes"]["name"] == "XXXX-XXXX-XXXX-4242"


def test_customers_are_counted_exactly_when_the_mode_is_not_the_only_condition(api_client):
    factories.CustomerFactory.create_batch(3)
    factories.CustomerFactory(mode="live")

    response = api_client.get("/api/customers")

    assert response.doc["meta"]["record_count"] == Customer.objects.filter(mode="test").count()
