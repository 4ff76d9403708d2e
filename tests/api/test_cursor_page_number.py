"""Cursor lists take page[number]=1 as their first page (Commerce Layer's SDK sends it)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.api import first_error
from wallet import services
from wallet.models import AuditEntry


@pytest.fixture
def events(db, customer):
    """Five audit entries of one customer, oldest first."""
    for number in range(5):
        services.update_customer(customer, {"reference": f"R{number}"})
    return list(AuditEntry.objects.filter(resource_id=customer.pk).order_by("created_at", "pk"))


def test_page_number_one_is_the_first_cursor_page(api_client, events):
    response = api_client.get("/api/event_stores?page[number]=1&page[size]=2")

    assert response.status_code == 200
    assert [item["id"] for item in response.doc["data"]] == [e.pk for e in events[:2]]


def test_page_number_one_is_dropped_from_the_cursor_links(api_client, events):
    response = api_client.get("/api/event_stores?page[number]=1&page[size]=2")

    next_query = parse_qs(urlsplit(response.doc["links"]["next"]).query)
    assert "page[number]" not in next_query
    assert next_query["page[after]"] == [events[1].pk]
    assert "page[number]" not in response.doc["links"]["first"]


def test_page_number_one_of_a_resources_event_stores(api_client, events, customer):
    response = api_client.get(f"/api/customers/{customer.pk}/event_stores?page[number]=1")

    assert response.status_code == 200
    assert len(response.doc["data"]) == 5


@pytest.mark.parametrize("number", ["2", "0", "x"])
def test_other_page_numbers_point_to_page_after(api_client, events, number):
    response = api_client.get(f"/api/event_stores?page[number]={number}")

    assert response.status_code == 400
    error = first_error(response)
    assert error["code"] == "INVALID_PAGE"
    assert error["source"] == {"parameter": "page[number]"}
    assert "page[after]" in error["detail"]
