"""``_matches`` (a SQL LIKE pattern): the same rows on every database, and on PostgreSQL the
``UPPER(col) LIKE UPPER(pattern)`` form the trigram and pattern indexes of every text column
serve (``tests/test_scale_indexes.py`` checks the plans)."""

from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict

from tests.factories import CustomerFactory, CustomerPaymentSourceFactory
from wallet.api.filters import FilterSpec, apply_filters
from wallet.api.filters.like import like_to_sql, split_literal_prefix
from wallet.models import Customer, CustomerPaymentSource

pytestmark = pytest.mark.django_db
SPEC = FilterSpec(
    fields={"reference": "reference", "customer_id": "customer_id", "email": "customer__email"}
)


def filtered(params: dict[str, str], queryset: Any = None, spec: FilterSpec = SPEC) -> Any:
    """The saved cards (or ``queryset``) that the filter parameters select."""
    query = QueryDict(mutable=True)
    query.update(params)
    if queryset is None:
        queryset = CustomerPaymentSource.objects.all()
    return apply_filters(queryset, query, spec)


def found(pattern: str, attribute: str = "reference") -> set[str]:
    """The references of the saved cards ``{attribute}_matches=pattern`` selects."""
    queryset = filtered({f"filter[q][{attribute}_matches]": pattern})
    return set(queryset.values_list("reference", flat=True))


@pytest.fixture
def cards(db):
    """Saved cards whose references hold LIKE's special characters."""
    customer = CustomerFactory(email="Mia.Rossi@example.com", user=None)
    for reference in ("ends\\", "ends\\x", "50%off", "50xoff", "Case"):
        CustomerPaymentSourceFactory(customer=customer, reference=reference)
    return customer


def test_a_trailing_backslash_is_a_literal_backslash(cards):
    assert found("ends\\") == {"ends\\"}
    assert found("ends\\\\") == {"ends\\"}
    assert found("ends\\%") == set()


def test_escaped_wildcards_are_literal_and_case_is_ignored(cards):
    assert found("50\\%off") == {"50%off"}
    assert found("50_off") == {"50%off", "50xoff"}
    assert found("c%E") == {"Case"}


def test_matches_through_a_relation_and_on_a_related_id(cards):
    everything = {"ends\\", "ends\\x", "50%off", "50xoff", "Case"}
    assert found("%ROSSI@%", "email") == everything
    assert found(cards.pk[:4].lower() + "%", "customer_id") == everything


def test_like_to_sql_escapes_only_a_lone_trailing_backslash():
    assert like_to_sql("a%b_") == "a%b_"
    assert like_to_sql("a\\") == "a\\\\"
    assert like_to_sql("a\\\\") == "a\\\\"
    assert like_to_sql("a\\\\\\") == "a\\\\\\\\"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE")
def test_matches_is_upper_like_on_postgresql(cards):
    sql = str(filtered({"filter[q][reference_matches]": "50%off"}).query)

    assert 'UPPER("wallet_customerpaymentsource"."reference"::text) LIKE UPPER(' in sql
    assert "~*" not in sql


def started(prefix: str, attribute: str) -> set[str]:
    """The references of the saved cards ``{attribute}_start=prefix`` selects."""
    queryset = filtered({f"filter[q][{attribute}_start]": prefix})
    return set(queryset.values_list("reference", flat=True))


def test_start_on_an_id_is_a_case_insensitive_literal_prefix(cards):
    everything = {"ends\\", "ends\\x", "50%off", "50xoff", "Case"}
    assert started(cards.pk[:5].swapcase(), "customer_id") == everything
    assert started(cards.pk[:2] + "%", "customer_id") == set()
    assert started(cards.pk[:2] + "_", "customer_id") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern operators")
def test_start_on_an_id_is_a_range_only_the_pattern_index_serves(cards):
    sql = str(filtered({"filter[q][customer_id_start]": "c0"}).query)

    column = 'UPPER("wallet_customerpaymentsource"."customer_id"::text)'
    assert f"{column} ~>=~ UPPER(c0) AND {column} ~<~ (left(UPPER(c0), -1)" in sql
    assert "^@" not in sql


def test_start_holds_exactly_the_values_below_the_successor_of_the_prefix(cards):
    for reference in ("ABZ", "abz1", "AB[", "ab{", "aby", "ab"):
        CustomerPaymentSourceFactory(customer=cards, reference=reference)

    # "abz" reads as the range ["ABZ", "AB[") on UPPER(reference), "[" following "Z".
    assert started("abz", "reference") == {"ABZ", "abz1"}
    assert started("AB", "reference") == {"ABZ", "abz1", "AB[", "ab{", "aby", "ab"}
    assert started("~", "reference") == set()


def test_start_with_a_last_character_past_ascii_is_still_a_prefix(cards):
    for reference in ("café crème", "cafés", "cafe"):
        CustomerPaymentSourceFactory(customer=cards, reference=reference)

    assert started("café", "reference") == {"café crème", "cafés"}


def test_split_literal_prefix_stops_at_the_first_wildcard_and_resolves_escapes():
    assert split_literal_prefix("SRC%986") == ("SRC", "%986")
    assert split_literal_prefix("a\\%b_c%") == ("a%b", "_c%")
    assert split_literal_prefix("%986") == ("", "%986")
    assert split_literal_prefix("plain") == ("plain", "")


def test_a_pattern_whose_prefix_and_rest_overlap_matches_as_a_whole(cards):
    CustomerPaymentSourceFactory(customer=cards, reference="ABC")
    CustomerPaymentSourceFactory(customer=cards, reference="abXbc")

    assert found("AB%BC") == {"abXbc"}
    assert found("a_%c") == {"ABC", "abXbc"}


def test_does_not_match_with_a_literal_prefix_keeps_the_other_rows(cards):
    queryset = filtered({"filter[q][reference_does_not_match]": "50%off"})

    assert set(queryset.values_list("reference", flat=True)) == {"ends\\", "ends\\x", "Case"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE")
def test_a_literal_prefix_goes_to_the_prefix_index_and_the_rest_to_the_trigram_index(cards):
    queryset = filtered({"filter[q][reference_matches]": "SRC%986"})
    sql, sql_params = queryset.query.sql_with_params()

    column = 'UPPER("wallet_customerpaymentsource"."reference"::text)'
    prefix_range = f"{column} ~>=~ UPPER(%s) AND {column} ~<~ (left(UPPER(%s), -1)"
    assert prefix_range in sql and f"AND {column} LIKE UPPER(%s)" in sql
    # The whole pattern is checked where no index can take it (its prefix's trigrams are in
    # nearly every row of a large table).
    assert f"({column} LIKE UPPER(%s)) IS TRUE" in sql
    assert sql_params == ("SRC", "SRC", "SRC", "%986", "SRC%986")


def test_start_on_a_text_column_is_a_literal_case_insensitive_prefix(cards):
    assert started("50%", "reference") == {"50%off"}
    assert started("ENDS\\", "reference") == {"ends\\", "ends\\x"}
    assert started("_", "reference") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pattern operators")
def test_start_on_any_text_column_is_a_prefix_range(cards):
    sql = str(filtered({"filter[q][reference_start]": "SRC-00"}).query)

    assert 'UPPER("wallet_customerpaymentsource"."reference"::text) ~>=~ UPPER(SRC-00)' in sql
    assert "LIKE" not in sql and "^@" not in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ^@")
def test_start_with_a_last_character_past_ascii_keeps_the_prefix_operator(cards):
    sql = str(filtered({"filter[q][reference_start]": "café"}).query)

    assert 'UPPER("wallet_customerpaymentsource"."reference"::text) ^@ UPPER(' in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's LIKE")
def test_a_pattern_on_a_column_without_a_trigram_index_stays_whole(db):
    # A status has a few values: the planner estimates the whole pattern from their
    # frequencies, where three conditions would multiply into a far too small guess.
    spec = FilterSpec(fields={"status": "status"})
    sql = str(
        filtered({"filter[q][status_matches]": "rep%eat"}, Customer.objects.all(), spec).query
    )

    assert 'UPPER("wallet_customer"."status"::text) LIKE UPPER(' in sql
    assert "^@" not in sql and "IS TRUE" not in sql
