"""``_matches`` (a SQL LIKE pattern): the same rows on every database, and on PostgreSQL the
``UPPER(col) LIKE UPPER(pattern)`` form the trigram and pattern indexes of every text column
serve (``tests/test_scale_indexes.py`` checks the plans)."""

import pytest
from django.db import connection
from django.http import QueryDict

from tests.factories import CustomerFactory, CustomerPaymentSourceFactory
from wallet.api.filters import FilterSpec, apply_filters
from wallet.api.filters.like import like_to_sql
from wallet.models import CustomerPaymentSource

pytestmark = pytest.mark.django_db
SPEC = FilterSpec(
    fields={"reference": "reference", "customer_id": "customer_id", "email": "customer__email"}
)


def found(pattern: str, attribute: str = "reference") -> set[str]:
    """The references of the saved cards ``{attribute}_matches=pattern`` selects."""
    params = QueryDict(mutable=True)
    params[f"filter[q][{attribute}_matches]"] = pattern
    queryset = apply_filters(CustomerPaymentSource.objects.all(), params, SPEC)
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
    params = QueryDict("filter[q][reference_matches]=50%25off")
    sql = str(apply_filters(CustomerPaymentSource.objects.all(), params, SPEC).query)

    assert 'UPPER("wallet_customerpaymentsource"."reference"::text) LIKE UPPER(' in sql
    assert "~*" not in sql


def started(prefix: str, attribute: str) -> set[str]:
    """The references of the saved cards ``{attribute}_start=prefix`` selects."""
    params = QueryDict(mutable=True)
    params[f"filter[q][{attribute}_start]"] = prefix
    queryset = apply_filters(CustomerPaymentSource.objects.all(), params, SPEC)
    return set(queryset.values_list("reference", flat=True))


def test_start_on_an_id_is_a_case_insensitive_literal_prefix(cards):
    everything = {"ends\\", "ends\\x", "50%off", "50xoff", "Case"}
    assert started(cards.pk[:5].swapcase(), "customer_id") == everything
    assert started(cards.pk[:2] + "%", "customer_id") == set()
    assert started(cards.pk[:2] + "_", "customer_id") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ^@")
def test_start_on_an_id_is_a_prefix_operator_only_the_pattern_index_serves(cards):
    params = QueryDict("filter[q][customer_id_start]=c0")
    sql = str(apply_filters(CustomerPaymentSource.objects.all(), params, SPEC).query)

    assert 'UPPER("wallet_customerpaymentsource"."customer_id"::text) ^@ UPPER(' in sql
