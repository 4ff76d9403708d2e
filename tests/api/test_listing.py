"""Lists: pagination edges and links, sort, filters wired to the query language, cursor pages."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests import factories
from tests.support.api import first_error
from wallet import services
from wallet.models import AuditEntry, CustomerPaymentSource

URL = "/api/customer_payment_sources"


@pytest.fixture
def sources(db, customer):
    """23 saved sources, created one second apart (reference S00 is the oldest)."""
    now = timezone.now()
    created = []
    for number in range(23):
        source = factories.CustomerPaymentSourceFactory(
            customer=customer, reference=f"S{number:02d}"
        )
        CustomerPaymentSource.objects.filter(pk=source.pk).update(
            created_at=now - timedelta(seconds=100 - number)
        )
        created.append(source)
    return created


def query_of(link):
    """The query parameters of a link."""
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def test_default_page_is_ten_newest_first(api_client, sources):
    response = api_client.get(URL)

    references = [item["attributes"]["reference"] for item in response.doc["data"]]
    assert references == [f"S{n:02d}" for n in range(22, 12, -1)]
    assert response.doc["meta"] == {"record_count": 23, "page_count": 3}


def test_first_page_links(api_client, sources):
    response = api_client.get(f"{URL}?page[size]=5")

    links = response.doc["links"]
    assert set(links) == {"first", "next", "last"}
    assert (
        links["first"]
        == "http://testserver/api/customer_payment_sources?page[number]=1&page[size]=5"
    )
    assert query_of(links["next"])["page[number]"] == "2"
    assert query_of(links["last"])["page[number]"] == "5"


def test_middle_page_links(api_client, sources):
    response = api_client.get(f"{URL}?page[number]=3&page[size]=5")

    links = response.doc["links"]
    assert set(links) == {"first", "prev", "next", "last"}
    assert query_of(links["prev"])["page[number]"] == "2"
    assert query_of(links["next"])["page[number]"] == "4"
    assert len(response.doc["data"]) == 5


def test_last_page_has_no_next(api_client, sources):
    response = api_client.get(f"{URL}?page[number]=5&page[size]=5")

    assert set(response.doc["links"]) == {"first", "prev", "last"}
    assert len(response.doc["data"]) == 3


def test_page_beyond_the_last_is_empty(api_client, sources):
    response = api_client.get(f"{URL}?page[number]=9&page[size]=5")

    assert response.status_code == 200
    assert response.doc["data"] == []
    assert response.doc["meta"] == {"record_count": 23, "page_count": 5}
    assert query_of(response.doc["links"]["prev"])["page[number]"] == "5"
    assert "next" not in response.doc["links"]


def test_empty_list(api_client, db):
    response = api_client.get(URL)

    assert response.doc["data"] == []
    assert response.doc["meta"] == {"record_count": 0, "page_count": 0}
    assert set(response.doc["links"]) == {"first", "last"}


def test_links_keep_the_whole_query_string(api_client, sources):
    response = api_client.get(
        f"{URL}?filter[q][reference_start]=S&sort=reference&include=customer"
        "&fields[customers]=email&page[size]=4&page[number]=2"
    )

    for link in response.doc["links"].values():
        assert link.startswith("http://testserver/api/customer_payment_sources?")
        query = query_of(link)
        assert query["filter[q][reference_start]"] == "S"
        assert query["sort"] == "reference"
        assert query["include"] == "customer"
        assert query["fields[customers]"] == "email"
        assert query["page[size]"] == "4"
    following = api_client.get(response.doc["links"]["next"].removeprefix("http://testserver"))
    assert [item["attributes"]["reference"] for item in following.doc["data"]] == [
        "S08",
        "S09",
        "S10",
        "S11",
    ]


def test_pages_cover_every_record_once(api_client, sources):
    seen = []
    link = f"{URL}?page[size]=7"
    while link:
        response = api_client.get(link)
        seen += [item["id"] for item in response.doc["data"]]
        link = response.doc["links"].get("next", "").removeprefix("http://testserver")
    assert sorted(seen) == sorted(source.pk for source in sources)


def test_max_page_size(api_client, sources):
    response = api_client.get(f"{URL}?page[size]=25")

    assert len(response.doc["data"]) == 23


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("page[size]", "26"),
        ("page[size]", "0"),
        ("page[size]", "-1"),
        ("page[size]", "abc"),
        ("page[number]", "0"),
        ("page[number]", "1.5"),
        ("page[number]", ""),
        ("page[after]", "x"),
        ("page[offset]", "1"),
    ],
)
def test_invalid_page_parameters(api_client, db, parameter, value):
    response = api_client.get(f"{URL}?{parameter}={value}")

    assert response.status_code == 400
    assert first_error(response)["code"] == "INVALID_PAGE"
    assert first_error(response)["source"] == {"parameter": parameter}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("reference", ["S00", "S01", "S02"]),
        ("-reference", ["S22", "S21", "S20"]),
        ("created_at", ["S00", "S01", "S02"]),
        ("-default,reference", ["S00", "S01", "S02"]),
    ],
)
def test_sort(api_client, sources, sort, expected):
    response = api_client.get(f"{URL}?sort={sort}&page[size]=3")

    assert [item["attributes"]["reference"] for item in response.doc["data"]] == expected


@pytest.mark.parametrize("sort", ["metadata", "unknown", "-", "reference,reference"])
def test_invalid_sort(api_client, db, sort):
    response = api_client.get(f"{URL}?sort={sort}")

    assert response.status_code == 400
    assert first_error(response)["code"] == "INVALID_SORT"
    assert first_error(response)["source"] == {"parameter": "sort"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter[q][reference_eq]=S05", ["S05"]),
        ("filter[q][reference_in]=S01,S02", ["S02", "S01"]),
        ("filter[reference]=S07", ["S07"]),
        ("filter[q][reference_or_reference_origin_end]=22", ["S22"]),
    ],
)
def test_filters(api_client, sources, query, expected):
    response = api_client.get(f"{URL}?{query}")

    assert [item["attributes"]["reference"] for item in response.doc["data"]] == expected


def test_filter_by_name(api_client, sources):
    target = sources[4]

    response = api_client.get(f"{URL}?filter[q][name_eq]={target.name}")

    assert [item["id"] for item in response.doc["data"]] == [target.pk]


def test_filter_by_customer_email_and_default(api_client, sources, customer):
    factories.CustomerPaymentSourceFactory(is_default=True)  # another customer's
    CustomerPaymentSource.objects.filter(pk=sources[0].pk).update(is_default=True)

    response = api_client.get(
        f"{URL}?filter[q][customer_email_eq]={customer.email}&filter[q][default_true]=true"
    )

    assert [item["id"] for item in response.doc["data"]] == [sources[0].pk]


def test_filter_ids(api_client, sources):
    response = api_client.get(f"{URL}?filter[ids]={sources[0].pk},{sources[1].pk}")

    assert {item["id"] for item in response.doc["data"]} == {sources[0].pk, sources[1].pk}


def test_filter_metadata_jcont(api_client, customer):
    match = factories.CustomerPaymentSourceFactory(customer=customer, metadata={"a": {"b": 1}})
    factories.CustomerPaymentSourceFactory(customer=customer, metadata={"a": {"b": 2}})

    response = api_client.get(URL + '?filter[q][metadata_jcont]={"a":{"b":1}}')

    assert [item["id"] for item in response.doc["data"]] == [match.pk]


@pytest.mark.parametrize(
    "parameter",
    ["filter[q][customer_token_eq]", "filter[q][reference_bogus]", "filter[nope]"],
)
def test_invalid_filters(api_client, db, parameter):
    response = api_client.get(f"{URL}?{parameter}=x")

    assert response.status_code == 400
    assert first_error(response)["code"] == "INVALID_FILTER"
    assert first_error(response)["source"] == {"parameter": parameter}


def test_external_payments_filter_by_order(api_client, payment):
    factories.ExternalPaymentFactory()

    response = api_client.get(f"/api/external_payments?filter[q][order_id_eq]={payment.order_id}")

    assert [item["id"] for item in response.doc["data"]] == [payment.pk]


# --- event stores: cursor pages ------------------------------------------------------------


@pytest.fixture
def events(db, customer):
    """Seven audit entries of one customer."""
    for number in range(7):
        services.update_customer(customer, {"reference": f"R{number}"})
    return list(AuditEntry.objects.filter(resource_id=customer.pk).order_by("created_at", "pk"))


def test_event_stores_cursor_pages(api_client, events):
    first = api_client.get("/api/event_stores?page[size]=3")

    assert [item["id"] for item in first.doc["data"]] == [e.pk for e in events[:3]]
    assert "page_count" not in first.doc["meta"]
    next_link = first.doc["links"]["next"]
    assert query_of(next_link)["page[after]"] == events[2].pk
    second = api_client.get(next_link.removeprefix("http://testserver"))
    assert [item["id"] for item in second.doc["data"]] == [e.pk for e in events[3:6]]
    third = api_client.get(second.doc["links"]["next"].removeprefix("http://testserver"))
    assert [item["id"] for item in third.doc["data"]] == [events[6].pk]
    assert "next" not in third.doc["links"]


def test_event_stores_of_a_resource_use_cursor_pages(api_client, events, customer):
    response = api_client.get(f"/api/customers/{customer.pk}/event_stores?page[size]=2")

    assert len(response.doc["data"]) == 2
    assert "page[after]" in response.doc["links"]["next"]


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ("page[number]=2", "INVALID_PAGE", "page[number]"),
        ("page[after]=unknown123", "INVALID_PAGE", "page[after]"),
        ("sort=created_at", "INVALID_SORT", "sort"),
    ],
)
def test_event_stores_invalid_parameters(api_client, events, query, code, parameter):
    response = api_client.get(f"/api/event_stores?{query}")

    assert response.status_code == 400
    assert first_error(response)["code"] == code
    assert first_error(response)["source"] == {"parameter": parameter}


@pytest.mark.parametrize(
    "type_name",
    ["customer_payment_sources", "external_payments", "customers", "orders", "versions"],
)
def test_filter_and_sort_by_id(api_client, source, type_name):
    services.update_record(source, {"reference": "x"}, actor=services.SYSTEM)
    listed = api_client.get(f"/api/{type_name}?sort=-id")
    first = listed.doc["data"][0]["id"]

    response = api_client.get(f"/api/{type_name}?filter[q][id_eq]={first}&sort=id")

    assert response.status_code == 200
    assert [item["id"] for item in response.doc["data"]] == [first]


@pytest.mark.parametrize(
    ("type_name", "sort"),
    [("customer_payment_sources", "customer"), ("external_payments", "-order")],
)
def test_sort_by_relationship(api_client, db, type_name, sort):
    from wallet.models import ExternalPayment

    for _ in range(3):
        factories.CustomerPaymentSourceFactory()
        factories.ExternalPaymentFactory()
    model, fk = (
        (CustomerPaymentSource, "customer_id")
        if type_name == "customer_payment_sources"
        else (ExternalPayment, "order_id")
    )

    response = api_client.get(f"/api/{type_name}?sort={sort}")

    keys = [getattr(model.objects.get(pk=item["id"]), fk) for item in response.doc["data"]]
    assert len(keys) == 3
    assert keys == sorted(keys, reverse=sort.startswith("-"))
