"""A filter on a related record's attribute, as the hashed membership test a page walk reads."""

from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, CustomerPaymentSourceFactory, ExternalPaymentFactory
from wallet.api import pagination
from wallet.api.filters import FilterSpec, apply_filters
from wallet.api.pagination import JsonApiPagination
from wallet.models import CustomerPaymentSource, ExternalPayment

pytestmark = pytest.mark.django_db

SPEC = FilterSpec(
    fields={
        "reference": "reference",
        "customer_id": "customer_id",
        "customer_email": "customer__email",
    }
)
PAYMENT_SPEC = FilterSpec(
    fields={
        "customer_email": "order__customer__email",
        "wallet_reference": "saved_source__reference",
    }
)


def always(_related: Any) -> bool:
    """Hash every related condition."""
    return True


@pytest.fixture
def cards() -> dict[str, CustomerPaymentSource]:
    """Four cards: two of ada's, one of bob's, one of carol's."""
    ada = CustomerFactory(email="ada@shop.example", user=None)
    bob = CustomerFactory(email="bob@shop.example", user=None)
    carol = CustomerFactory(email="carol@elsewhere.example", user=None)
    return {
        "ada1": CustomerPaymentSourceFactory(customer=ada, last4="1111", reference="R-1"),
        "ada2": CustomerPaymentSourceFactory(customer=ada, last4="2222", reference="R-2"),
        "bob": CustomerPaymentSourceFactory(customer=bob, last4="3333", reference="R-3"),
        "carol": CustomerPaymentSourceFactory(customer=carol, last4="4444", reference="R-4"),
    }


def found(query: str, membership: Any = None, spec: FilterSpec = SPEC, model: Any = None) -> Any:
    """The primary keys ``query`` selects, and the SQL that selected them."""
    model = model or CustomerPaymentSource
    queryset = apply_filters(model.objects.all(), QueryDict(query), spec, membership=membership)
    with CaptureQueriesContext(connection) as captured:
        pks = set(queryset.values_list("pk", flat=True))
    return pks, captured.captured_queries[-1]["sql"]


@pytest.mark.parametrize(
    "query",
    [
        "filter[q][customer_email_cont]=SHOP",
        "filter[q][customer_email_eq]=bob@shop.example",
        "filter[q][customer_email_start]=ADA",
        "filter[q][customer_email_end]=example",
        "filter[q][customer_email_matches]=%25shop%25",
        "filter[q][customer_email_in]=ada@shop.example,carol@elsewhere.example",
        "filter[q][customer_email_cont_any]=ada,carol",
        "filter[q][customer_email_cont_all]=ada,shop",
        "filter[q][customer_email_or_reference_cont]=R-4",
        "filter[q][customer_email_cont]=nobody",
        "filter[q][customer_email_cont]=shop&filter[q][reference_eq]=R-3",
    ],
)
def test_the_membership_form_finds_what_the_join_finds(cards, query):
    joined, join_sql = found(query)
    hashed, hashed_sql = found(query, always)

    assert hashed == joined
    assert "IS TRUE" in hashed_sql and "JOIN" not in hashed_sql.upper()
    assert "JOIN" in join_sql.upper()


def test_a_related_condition_is_a_membership_test_of_the_related_ids(cards):
    pks, sql = found("filter[q][customer_email_cont]=SHOP", always)

    assert pks == {cards[name].pk for name in ("ada1", "ada2", "bob")}
    assert '"customer_id" IN (SELECT' in sql and 'FROM "wallet_customer"' in sql


@pytest.mark.parametrize(
    "query",
    [
        "filter[q][customer_email_not_cont]=shop",
        "filter[q][customer_email_not_eq]=ada@shop.example",
        "filter[q][customer_email_null]=true",
        "filter[q][customer_email_present]=true",
        "filter[q][customer_email_eq_or_null]=ada@shop.example",
    ],
)
def test_negations_and_null_tests_keep_the_join(cards, query):
    joined, _ = found(query)
    kept, sql = found(query, always)

    assert kept == joined
    assert "IS TRUE" not in sql and "JOIN" in sql.upper()


def test_the_related_id_stays_the_cards_own_column(cards):
    pks, sql = found(f"filter[q][customer_id_cont]={cards['bob'].customer_id}", always)

    assert pks == {cards["bob"].pk}
    assert "IS TRUE" not in sql and "JOIN" not in sql.upper()


def test_a_refused_hash_keeps_the_join(cards):
    seen: list[Any] = []

    def never(related: Any) -> bool:
        seen.append(related.model)
        return False

    pks, sql = found("filter[q][customer_email_cont]=shop", never)

    assert len(pks) == 3 and "JOIN" in sql.upper() and "IS TRUE" not in sql
    assert [model.__name__ for model in seen] == ["Customer"]


def test_two_steps_away_and_through_a_nullable_relation(cards):
    paid = ExternalPaymentFactory(
        order__customer=cards["ada1"].customer, saved_source=cards["ada1"]
    )
    ExternalPaymentFactory(order__customer=None, saved_source=None)

    for query in ("filter[q][customer_email_start]=ADA", "filter[q][wallet_reference_eq]=R-1"):
        pks, sql = found(query, always, PAYMENT_SPEC, ExternalPayment)
        assert pks == {paid.pk}, query
        assert "IS TRUE" in sql


# --- the page a walk reads (PostgreSQL) ----------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner's estimates decide the walk"
)


class _View:
    """What the pagination reads of a viewset: its unfiltered scope and whitelist."""

    def __init__(self, unfiltered: Any, spec: FilterSpec) -> None:
        self.unfiltered_queryset = unfiltered
        self.spec = spec

    def listed_resource(self) -> Any:
        return type("Listed", (), {"filters": self.spec})


class _Request:
    def __init__(self, query: str) -> None:
        self.query_params = QueryDict(query)


@postgres_only
def test_a_walk_hashes_the_related_records_when_it_would_look_more_up(cards):
    query = "filter[q][customer_email_cont]=shop"
    unfiltered = CustomerPaymentSource.objects.all()
    listed = apply_filters(unfiltered, QueryDict(query), SPEC).order_by("-created_at", "pk")
    build = JsonApiPagination.page_walk(listed, _Request(query), _View(unfiltered, SPEC))
    assert build is not None

    # One match expected in the whole list: the walk reaches the page after every row.
    sparse = build(1, 25)
    # More matches than rows: the page is the first rows walked, a look-up each.
    dense = build(10**9, 25)

    assert "IS TRUE" in str(sparse.query) and "JOIN" not in str(sparse.query).upper()
    assert "JOIN" in str(dense.query).upper() and "IS TRUE" not in str(dense.query)
    assert list(sparse) == list(dense) == list(listed)
    assert str(sparse.query).endswith(
        'ORDER BY "wallet_customerpaymentsource"."created_at" DESC, '
        '"wallet_customerpaymentsource"."id" ASC'
    )


@postgres_only
def test_an_estimated_list_reads_its_page_through_the_membership_test(
    cards, api_client, monkeypatch
):
    # Thresholds scaled to four cards: the planner's estimate is over the floor.
    monkeypatch.setattr(pagination, "COUNT_CAP", 0)
    monkeypatch.setattr(pagination, "ESTIMATE_FLOOR", 0)
    monkeypatch.setattr(pagination, "planned_rows", lambda queryset: 1)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(
            "/api/customer_payment_sources?filter[q][customer_email_cont]=shop&page[size]=2"
        )

    assert response.status_code == 200
    expected = CustomerPaymentSource.objects.filter(customer__email__icontains="shop")
    expected = expected.order_by("-created_at", "pk")[:2]
    assert [item["id"] for item in response.doc["data"]] == [card.pk for card in expected]
    assert response.doc["meta"]["record_count_is_estimate"] is True
    pages = [q["sql"] for q in captured.captured_queries if "LIMIT 2" in q["sql"]]
    assert len(pages) == 1 and "IS TRUE" in pages[0]


# --- a substring of the related id, through the related table --------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter[q][customer_id_cont]={bob}", {"bob"}),
        ("filter[q][customer_id_end]={bob}", {"bob"}),
        ("filter[q][customer_id_cont_any]={bob},{carol}", {"bob", "carol"}),
        ("filter[q][customer_id_or_reference_cont]={bob}", {"bob"}),
    ],
)
def test_a_substring_of_the_related_id_asks_the_related_table(cards, query, expected):
    ids = {name: cards[name].customer_id.upper() for name in ("bob", "carol")}
    pks, sql = found(query.format(**ids))

    assert {name for name, card in cards.items() if card.pk in pks} == expected
    assert '"customer_id" IN (SELECT' in sql and 'FROM "wallet_customer"' in sql


@pytest.mark.parametrize(
    ("query", "bobs"),
    [
        ("filter[q][customer_id_start]={bob}", True),  # the listed table's own prefix index
        ("filter[q][customer_id_eq]={bob}", True),
        ("filter[q][customer_id_not_cont]={bob}", False),
    ],
)
def test_a_prefix_a_negation_or_an_equality_stays_on_the_own_column(cards, query, bobs):
    bob = cards["bob"].customer_id
    pks, sql = found(query.format(bob=bob))

    assert pks == {card.pk for card in cards.values() if (card.customer_id == bob) == bobs}
    assert 'FROM "wallet_customer"' not in sql
