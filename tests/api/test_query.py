"""The query language: Ransack filters, plain filters, ids, date bounds and sort keys."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import QueryDict

from tests.factories import (
    CustomerFactory,
    CustomerPaymentSourceFactory,
    ExternalPaymentFactory,
    OrderFactory,
)
from wallet.api.filters import FilterSpec, QueryError, apply_filters, like_to_regex, parse_sort
from wallet.models import Customer, CustomerPaymentSource, ExternalPayment, Transaction

pytestmark = pytest.mark.django_db

SOURCE_SPEC = FilterSpec(
    fields={
        "id": "id",
        "name": "name",
        "reference": "reference",
        "reference_origin": "reference_origin",
        "payment_source_token": "payment_source_token",
        "default": "is_default",
        "customer_id": "customer_id",
        "customer_email": "customer__email",
        "last_used_at": "last_used_at",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    json_fields={"metadata": "metadata"},
    sortable={
        "id": "id",
        "reference": "reference",
        "default": "is_default",
        "created_at": "created_at",
        "customer": "customer__email",
    },
)
PAYMENT_SPEC = FilterSpec(
    fields={
        "id": "id",
        "reference": "reference",
        "order_id": "order_id",
        "order_amount": "order__total_amount_cents",
        "wallet_reference": "saved_source__reference",
        "customer_email": "order__customer__email",
    },
    json_fields={"metadata": "metadata"},
)

SEEN = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def sources_queryset():
    """Saved sources as the API serves them (``name`` is a column of its own)."""
    return CustomerPaymentSource.objects.all()


@pytest.fixture
def sources():
    """Three saved sources with different references, flags, metadata and dates."""
    a = CustomerPaymentSourceFactory(
        customer=CustomerFactory(email="ada@example.com", user=None),
        last4="1111",
        reference="ORD-100",
        reference_origin="shop",
        is_default=True,
        metadata={"color": "red", "size": 2, "flags": {"vip": True, "tier": "gold"}},
    )
    b = CustomerPaymentSourceFactory(
        customer=CustomerFactory(email="bob@example.com", user=None),
        last4="2222",
        reference="ord-200",
        reference_origin="",
        metadata={"color": "blue", "size": 3, "flags": {"vip": False}, "tags": ["x", "y"]},
        last_used_at=SEEN,
    )
    c = CustomerPaymentSourceFactory(
        customer=CustomerFactory(email="carol@example.com", user=None),
        last4="3333",
        reference="",
        reference_origin="erp",
        metadata={"note": None},
    )
    stamps = {
        a: datetime(2018, 1, 1, 10, 0, tzinfo=UTC),
        b: datetime(2018, 1, 2, 0, 0, tzinfo=UTC),
        c: datetime(2018, 1, 3, 12, 0, 0, 500000, tzinfo=UTC),
    }
    for source, stamp in stamps.items():
        CustomerPaymentSource.objects.filter(pk=source.pk).update(
            created_at=stamp, updated_at=stamp.replace(year=2019)
        )
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def payments(sources):
    """Three payments: one from source a, one not from a wallet (guest order), one from b."""
    guest_order = OrderFactory(customer=None, total_amount_cents=1000)
    return {
        "p1": ExternalPaymentFactory(
            order__customer=sources["a"].customer, saved_source=sources["a"], reference="P-1"
        ),
        "p2": ExternalPaymentFactory(order=guest_order, saved_source=None, reference="P-2"),
        "p3": ExternalPaymentFactory(
            order__customer=sources["b"].customer, saved_source=sources["b"], reference="P-3"
        ),
    }


def matching(records, params, spec=SOURCE_SPEC, queryset=None):
    """The fixture names of the records ``params`` selects."""
    if queryset is None:
        queryset = sources_queryset()
    found = set(apply_filters(queryset, params, spec).values_list("pk", flat=True))
    return {name for name, record in records.items() if record.pk in found}


def error_of(params, spec=SOURCE_SPEC, queryset=None):
    """The QueryError ``params`` raise."""
    if queryset is None:
        queryset = sources_queryset()
    with pytest.raises(QueryError) as caught:
        list(apply_filters(queryset, params, spec))
    return caught.value


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("reference_eq", "ORD-100", {"a"}),
        ("reference_eq", "ord-100", set()),
        ("reference_not_eq", "ORD-100", {"b", "c"}),
        ("reference_matches", "ord-_00", {"a", "b"}),
        ("reference_matches", "%1%", {"a"}),
        ("reference_matches", "ord", set()),
        ("reference_does_not_match", "ORD%", {"c"}),
        ("reference_does_not_match", "%2%", {"a", "c"}),
        ("reference_cont", "RD-1", {"a"}),
        ("reference_cont", "zzz", set()),
        ("reference_not_cont", "rd-2", {"a", "c"}),
        ("reference_start", "ORD", {"a", "b"}),
        ("reference_start", "RD", set()),
        ("reference_not_start", "ord-1", {"b", "c"}),
        ("reference_end", "00", {"a", "b"}),
        ("reference_end", "ORD", set()),
        ("reference_not_end", "100", {"b", "c"}),
        ("reference_in", "ORD-100,ord-200", {"a", "b"}),
        ("reference_in", "ORD-100,,nope", {"a"}),
        ("reference_in", "nope", set()),
        ("reference_not_in", "ORD-100,nope", {"b", "c"}),
        ("reference_eq_any", "ORD-100,ord-200", {"a", "b"}),
        ("reference_eq_any", "x,y", set()),
        ("reference_eq_all", "ORD-100,ORD-100", {"a"}),
        ("reference_eq_all", "ORD-100,ord-200", set()),
        ("reference_cont_any", "100,200", {"a", "b"}),
        ("reference_cont_all", "ord,1", {"a"}),
        ("reference_cont_all", "1,2", set()),
        ("reference_start_any", "ORD-1,x", {"a"}),
        ("reference_start_all", "o,or", {"a", "b"}),
        ("reference_end_any", "100,erp", {"a"}),
        ("reference_end_all", "0,00", {"a", "b"}),
        ("reference_end_all", "0,100,200", set()),
        ("reference_matches_any", "%1%,%2%", {"a", "b"}),
        ("reference_matches_all", "ord%,%2%", {"b"}),
        ("reference_present", "true", {"a", "b"}),
        ("reference_present", "false", {"c"}),
        ("reference_blank", "true", {"c"}),
        ("reference_blank", "0", {"a", "b"}),
        ("last_used_at_null", "true", {"a", "c"}),
        ("last_used_at_null", "false", {"b"}),
        ("last_used_at_not_null", "1", {"b"}),
        ("last_used_at_not_null", "f", {"a", "c"}),
        ("default_true", "true", {"a"}),
        ("default_true", "false", {"b", "c"}),
        ("default_false", "t", {"b", "c"}),
        ("default_false", "false", {"a"}),
        ("default_eq", "1", {"a"}),
        ("default_eq", "FALSE", {"b", "c"}),
        ("default_not_eq", "true", {"b", "c"}),
        ("created_at_lt", "2018-01-02", {"a"}),
        ("created_at_lteq", "2018-01-02", {"a", "b"}),
        ("created_at_gt", "2018-01-02T00:00:00Z", {"c"}),
        ("created_at_gteq", "2018-01-02T00:00:00.000Z", {"b", "c"}),
        ("created_at_eq", "2018-01-03T12:00:00.500Z", {"c"}),
        ("created_at_in", "2018-01-01T10:00:00Z,2018-01-02", {"a", "b"}),
        ("last_used_at_eq_or_null", "2024-05-01T09:30:00Z", {"a", "b", "c"}),
        ("last_used_at_eq_or_null", "2024-05-02", {"a", "c"}),
        ("reference_lt", "ORD-2", {"a", "c"}),
        ("reference_gteq", "ord-2", {"b"}),
    ],
)
def test_predicate(sources, condition, value, expected):
    assert matching(sources, {f"filter[q][{condition}]": value}) == expected


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("reference_or_reference_origin_eq", "shop", {"a"}),
        ("reference_or_reference_origin_start", "e", {"c"}),
        ("reference_or_reference_origin_cont", "o", {"a", "b"}),
        ("reference_origin_or_reference_end", "200", {"b"}),
        ("reference_or_customer_email_or_reference_origin_cont", "carol", {"c"}),
        ("reference_or_reference_origin_blank", "true", {"b", "c"}),
        ("reference_or_reference_origin_in", "erp,ORD-100", {"a", "c"}),
    ],
)
def test_or_combination_matches_any_attribute(sources, condition, value, expected):
    assert matching(sources, {f"filter[q][{condition}]": value}) == expected


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("customer_email_eq", "bob@example.com", {"b"}),
        ("customer_email_cont", "CAROL", {"c"}),
        ("customer_email_end", "@example.com", {"a", "b", "c"}),
        ("customer_email_not_eq", "bob@example.com", {"a", "c"}),
    ],
)
def test_relationship_prefix_filters_on_the_related_record(sources, condition, value, expected):
    assert matching(sources, {f"filter[q][{condition}]": value}) == expected


def test_attribute_names_may_contain_or(sources):
    spec = FilterSpec(fields={"color_or_size": "reference", "color": "reference_origin"})
    params = {"filter[q][color_or_size_or_color_eq]": "erp"}
    assert matching(sources, params, spec) == {"c"}
    assert matching(sources, {"filter[q][color_or_size_eq]": "erp"}, spec) == set()


def test_a_long_or_chain_is_parsed(sources):
    key = "_or_".join(["reference"] * 1500 + ["reference_origin"])
    assert matching(sources, {f"filter[q][{key}_eq]": "shop"}) == {"a"}


def test_a_hundred_values_are_accepted(sources):
    values = ",".join(["zzz"] * 200 + [f"v{n}" for n in range(98)] + ["RD-1"])
    assert matching(sources, {"filter[q][reference_cont_any]": values}) == {"a"}


@pytest.mark.parametrize(
    "parameter", ["filter[q][reference_cont_any]", "filter[q][reference_in]", "filter[ids]"]
)
def test_more_than_a_hundred_values_are_refused(sources, parameter):
    error = error_of({parameter: ",".join(f"v{n}" for n in range(101))})
    assert (error.code, error.parameter) == ("INVALID_FILTER", parameter)
    assert "100" in error.detail


def fifty_one_filters():
    """51 distinct filter[q] parameters, all matching source a."""
    predicates = ["eq", "in", "eq_any", "cont", "start", "end", "matches", "lteq", "gteq"]
    attributes = ["reference", "reference_or_reference_origin", "reference_origin_or_reference"]
    attributes += [
        "reference_or_customer_email",
        "customer_email_or_reference",
        "name_or_reference",
    ]
    keys = [f"filter[q][{a}_{p}]" for a in attributes for p in predicates]
    return dict.fromkeys(keys[:51], "ORD-100")


def test_fifty_filters_are_accepted(sources):
    params = fifty_one_filters()
    params.popitem()
    assert matching(sources, params) == {"a"}


def test_more_than_fifty_filters_are_refused(sources):
    params = fifty_one_filters()
    error = error_of(params)
    assert (error.code, error.parameter) == ("INVALID_FILTER", list(params)[-1])


def test_a_deeply_nested_jcont_object_is_refused(sources):
    document = '{"a":' * 100000 + "1" + "}" * 100000
    error = error_of({"filter[q][metadata_jcont]": document})
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][metadata_jcont]")


@pytest.mark.skipif(
    connection.features.supports_json_field_contains, reason="only without JSON containment"
)
def test_jcont_with_too_many_keys_is_refused_without_containment(sources):
    document = json.dumps({"flags": {f"k{n}": n for n in range(100)}, "color": "red"})
    error = error_of({"filter[q][metadata_jcont]": document})
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][metadata_jcont]")


def test_jcont_with_a_hundred_keys_is_accepted(sources):
    document = json.dumps({"flags": {f"k{n}": n for n in range(98)}, "color": "red"})
    assert matching(sources, {"filter[q][metadata_jcont]": document}) == set()


def test_relationship_id_filter(sources):
    params = {"filter[q][customer_id_eq]": sources["c"].customer_id}
    assert matching(sources, params) == {"c"}


@pytest.mark.parametrize("predicate", ["cont", "start", "end", "matches", "not_cont"])
def test_text_predicates_on_a_relationship_id_match_the_related_id(sources, predicate):
    customer_id = sources["b"].customer_id
    value = {
        "cont": customer_id[2:6],
        "start": customer_id[:4],
        "end": customer_id[-4:],
        "matches": f"%{customer_id[3:7]}%",
        "not_cont": customer_id,
    }[predicate]
    found = matching(sources, {f"filter[q][customer_id_{predicate}]": value})
    assert ("b" in found) is (predicate != "not_cont")


def test_relationship_filter_does_not_duplicate_rows(sources):
    queryset = apply_filters(
        sources_queryset(), {"filter[q][customer_email_end]": "example.com"}, SOURCE_SPEC
    )
    assert queryset.count() == 3
    assert "DISTINCT" not in str(queryset.query)


def test_reverse_relation_filter_is_distinct(sources):
    CustomerPaymentSourceFactory(customer=sources["a"].customer, reference="ORD-101")
    spec = FilterSpec(fields={"source_reference": "customer_payment_sources__reference"})
    queryset = apply_filters(
        Customer.objects.all(), {"filter[q][source_reference_start]": "ORD-10"}, spec
    )
    assert list(queryset) == [sources["a"].customer]


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("name_eq", "XXXX-XXXX-XXXX-2222", {"b"}),
        ("name_end", "3333", {"c"}),
        ("name_in", "XXXX-XXXX-XXXX-1111,XXXX-XXXX-XXXX-3333", {"a", "c"}),
    ],
)
def test_annotated_attribute_filters(sources, condition, value, expected):
    assert matching(sources, {f"filter[q][{condition}]": value}) == expected


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        # A NULL through a nullable relation never matches a negated comparison (SQL !=).
        ("wallet_reference_not_eq", "ORD-100", {"p3"}),
        ("wallet_reference_not_in", "ORD-100", {"p3"}),
        ("wallet_reference_not_cont", "100", {"p3"}),
        ("wallet_reference_does_not_match", "%100", {"p3"}),
        ("wallet_reference_not_start", "ord-2", {"p1"}),
        ("wallet_reference_not_end", "100", {"p3"}),
        ("wallet_reference_eq_or_null", "ORD-100", {"p1", "p2"}),
        ("wallet_reference_null", "true", {"p2"}),
        ("wallet_reference_not_null", "true", {"p1", "p3"}),
        ("wallet_reference_blank", "true", {"p2"}),
        ("wallet_reference_present", "true", {"p1", "p3"}),
        ("customer_email_eq", "ada@example.com", {"p1"}),
        ("customer_email_null", "true", {"p2"}),
        ("order_amount_gt", "1000", {"p1", "p3"}),
        ("order_amount_lteq", "1000", {"p2"}),
        ("order_amount_in", "1000,4990", {"p1", "p2", "p3"}),
    ],
)
def test_external_payment_filters_through_nullable_relations(payments, condition, value, expected):
    params = {f"filter[q][{condition}]": value}
    assert matching(payments, params, PAYMENT_SPEC, ExternalPayment.objects.all()) == expected


@pytest.mark.parametrize("value", ["lots", "1.5", "1_000", "1000,x", "99999999999999999999"])
def test_integer_values_must_be_64_bit_integers(payments, value):
    params = {"filter[q][order_amount_in]": value}
    error = error_of(params, PAYMENT_SPEC, ExternalPayment.objects.all())
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][order_amount_in]")


def test_order_id_filter(payments):
    params = {"filter[q][order_id_eq]": payments["p2"].order_id}
    assert matching(payments, params, PAYMENT_SPEC, ExternalPayment.objects.all()) == {"p2"}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('{"color": "red"}', {"a"}),
        ('{"color": "RED"}', set()),
        ('{"size": 3}', {"b"}),
        ('{"size": 3.0}', {"b"}),
        ('{"size": "3"}', set()),
        ('{"color": "red", "size": 3}', set()),
        ('{"color": "blue", "size": 3}', {"b"}),
        ('{"flags": {"vip": true}}', {"a"}),
        ('{"flags": {"vip": false}}', {"b"}),
        ('{"flags": {"vip": true, "tier": "gold"}}', {"a"}),
        ('{"flags": {"tier": "silver"}}', set()),
        ('{"note": null}', {"c"}),
        ('{"missing": "x"}', set()),
        ('{"size": true}', set()),
        ('{"flags": {"vip": 1}}', set()),
        ('{"flags": {}}', {"a", "b"}),
        ('{"flags": {"tier": "gold", "vip": true}, "color": "red"}', {"a"}),
        ("{}", {"a", "b", "c"}),
    ],
)
def test_jcont_matches_objects_of_scalars_and_nested_objects(sources, document, expected):
    assert matching(sources, {"filter[q][metadata_jcont]": document}) == expected


def test_jcont_on_two_json_fields_with_or(payments):
    ExternalPayment.objects.filter(pk=payments["p3"].pk).update(options={"k": 1})
    spec = FilterSpec(fields={}, json_fields={"metadata": "metadata", "options": "options"})
    ExternalPayment.objects.filter(pk=payments["p1"].pk).update(metadata={"k": 1})
    params = {"filter[q][metadata_or_options_jcont]": '{"k": 1}'}
    assert matching(payments, params, spec, ExternalPayment.objects.all()) == {"p1", "p3"}


@pytest.mark.skipif(
    not connection.features.supports_json_field_contains, reason="array containment: PostgreSQL"
)
def test_jcont_with_an_array_uses_containment(sources):
    assert matching(sources, {"filter[q][metadata_jcont]": '{"tags": ["y"]}'}) == {"b"}


@pytest.mark.skipif(
    connection.features.supports_json_field_contains, reason="only without JSON containment"
)
def test_jcont_with_an_array_is_refused_without_containment(sources):
    error = error_of({"filter[q][metadata_jcont]": '{"tags": ["y"]}'})
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][metadata_jcont]")
    assert "PostgreSQL" in error.detail


@pytest.mark.parametrize(
    "document",
    [
        "{",
        "[1, 2]",
        '"red"',
        "3",
        "null",
        "true",
        '{"size": NaN}',
        '{"size": -Infinity}',
        '{"size": 1e400}',
        '{"color": "r\\u0000d"}',
        '{"a\\u0000": 1}',
    ],
)
def test_jcont_needs_a_json_object(sources, document):
    error = error_of({"filter[q][metadata_jcont]": document})
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][metadata_jcont]")


def test_ids_filter(sources):
    params = {"filter[ids]": f"{sources['a'].pk},{sources['c'].pk},unknown"}
    assert matching(sources, params) == {"a", "c"}


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("created_at_from", "2018-01-02", {"b", "c"}),
        ("created_at_to", "2018-01-02", {"a", "b"}),
        ("created_at_from", "2018-01-01T10:00:00.000Z", {"a", "b", "c"}),
        ("created_at_from", "2018-01-01T10:00:00.001Z", {"b", "c"}),
        ("created_at_from", "2018-01-02T01:00:00+01:00", {"b", "c"}),
        ("created_at_to", "2018-01-03T12:00:00.499Z", {"a", "b"}),
        ("created_at_to", "2018-01-03T12:00:00.5", {"a", "b", "c"}),
        ("updated_at_from", "2019-01-02", {"b", "c"}),
        ("updated_at_to", "2019-01-01T23:59:59Z", {"a"}),
    ],
)
def test_date_bounds_are_inclusive(sources, parameter, value, expected):
    assert matching(sources, {f"filter[{parameter}]": value}) == expected


def test_date_bounds_combine(sources):
    params = {"filter[created_at_from]": "2018-01-02", "filter[created_at_to]": "2018-01-02"}
    assert matching(sources, params) == {"b"}


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("reference", "ORD-100", {"a"}),
        ("reference", "ORD-100,ord-200", {"a", "b"}),
        ("default", "true", {"a"}),
        ("default", "0", {"b", "c"}),
        ("customer_email", "bob@example.com", {"b"}),
        ("created_at", "2018-01-02", {"b"}),
    ],
)
def test_plain_filter_is_equality(sources, parameter, value, expected):
    assert matching(sources, {f"filter[{parameter}]": value}) == expected


def test_filters_are_anded(sources):
    params = {"filter[q][reference_start]": "ord", "filter[default]": "false"}
    assert matching(sources, params) == {"b"}


def test_conditions_on_the_same_attribute_are_anded(sources):
    params = {"filter[q][reference_start]": "ord", "filter[q][reference_end]": "00"}
    assert matching(sources, params) == {"a", "b"}
    params["filter[q][reference_cont]"] = "2"
    assert matching(sources, params) == {"b"}


@pytest.mark.parametrize(
    "parameter",
    ["filter[q][reference_eq]", "filter[q][metadata_jcont]", "filter[reference]", "filter[ids]"],
)
def test_empty_value_skips_the_condition(sources, parameter):
    assert matching(sources, {parameter: ""}) == {"a", "b", "c"}


def test_query_dict_takes_the_last_value(sources):
    params = QueryDict("filter[q][reference_eq]=nope&filter[q][reference_eq]=ORD-100&sort=x")
    assert matching(sources, params) == {"a"}


def test_other_parameters_are_ignored(sources):
    params = {"sort": "nope", "page[size]": "x", "include": "y", "fields[a]": "b", "filterx": "1"}
    assert matching(sources, params) == {"a", "b", "c"}


def test_no_filter_returns_the_queryset_unchanged():
    queryset = sources_queryset()
    assert apply_filters(queryset, {}, SOURCE_SPEC) is queryset


def test_filtering_runs_no_query_until_evaluated(sources, django_assert_num_queries):
    params = {"filter[q][customer_email_cont]": "bob", "filter[q][metadata_jcont]": '{"size": 3}'}
    with django_assert_num_queries(0):
        queryset = apply_filters(sources_queryset(), params, SOURCE_SPEC)
    with django_assert_num_queries(1):
        assert [source.pk for source in queryset] == [sources["b"].pk]


def test_matches_escapes_regex_characters_and_honours_backslash(sources):
    literal = CustomerPaymentSourceFactory(customer=sources["c"].customer, reference="50%_off.(x)")
    other = CustomerPaymentSourceFactory(customer=sources["c"].customer, reference="50AXoffY(x)")
    records = {"literal": literal, "other": other}
    queryset = CustomerPaymentSource.objects.filter(pk__in=[literal.pk, other.pk])

    def found(pattern):
        return matching(records, {"filter[q][reference_matches]": pattern}, queryset=queryset)

    assert found("50%") == {"literal", "other"}
    assert found("50%_off.(x)") == {"literal"}
    assert found(r"50\%\_off%") == {"literal"}
    assert found("50_xoff%") == {"other"}


def test_like_to_regex_for_postgresql():
    assert like_to_regex("a%b_c.") == r"^a.*b.c\.$"
    assert like_to_regex(r"100\%") == r"^100\%$"


def test_like_to_regex_for_python_commits_to_the_earliest_segment():
    assert like_to_regex("a%b%c_", python=True) == r"(?s:^a(?>.*?b).*c.\Z)"
    assert like_to_regex("%%", python=True) == r"(?s:^.*\Z)"
    assert like_to_regex("a.b", python=True) == r"(?s:^a\.b\Z)"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a_b", {"newline"}),
        ("a%", {"newline", "trailing", "long"}),
        ("abc", set()),
        ("abc_", {"trailing"}),
        ("%a%a%a%a%a%a%a%a%a%a%a%a%a%b", set()),
        ("%a%a%a%a%a%a%a%a%a%a%a%a%a%a", {"long"}),
        ("a%a_a%", {"long"}),
    ],
)
def test_matches_is_the_same_on_every_database(sources, pattern, expected):
    customer = sources["c"].customer
    records = {
        "newline": CustomerPaymentSourceFactory(customer=customer, reference="a\nb"),
        "trailing": CustomerPaymentSourceFactory(customer=customer, reference="abc\n"),
        "long": CustomerPaymentSourceFactory(customer=customer, reference="a" * 255),
    }
    queryset = CustomerPaymentSource.objects.filter(pk__in=[r.pk for r in records.values()])
    params = {"filter[q][reference_matches]": pattern}
    assert matching(records, params, queryset=queryset) == expected


@pytest.mark.parametrize(
    ("document", "expected"),
    [('{"a__b": 1}', {"a"}), ('{"exact": "x"}', {"b"}), ('{"contains": {"isnull": true}}', {"c"})],
)
def test_jcont_keys_that_look_like_lookups_are_keys(sources, document, expected):
    for name, metadata in {
        "a": {"a__b": 1, "a": {"b": 2}},
        "b": {"exact": "x"},
        "c": {"contains": {"isnull": True}},
    }.items():
        CustomerPaymentSource.objects.filter(pk=sources[name].pk).update(metadata=metadata)
    assert matching(sources, {"filter[q][metadata_jcont]": document}) == expected


@pytest.mark.skipif(
    not connection.features.supports_json_field_contains, reason="numeric keys: PostgreSQL"
)
def test_jcont_with_a_numeric_key(sources):
    CustomerPaymentSource.objects.filter(pk=sources["a"].pk).update(metadata={"0": "zero"})
    assert matching(sources, {"filter[q][metadata_jcont]": '{"0": "zero"}'}) == {"a"}


@pytest.mark.skipif(
    connection.features.supports_json_field_contains, reason="only without JSON containment"
)
def test_jcont_with_a_numeric_key_is_refused_without_containment(sources):
    error = error_of({"filter[q][metadata_jcont]": '{"0": "zero"}'})
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][metadata_jcont]")
    assert "PostgreSQL" in error.detail


@pytest.mark.parametrize(
    ("parameter", "value", "words"),
    [
        ("filter[q][foo_eq]", "x", "not a filterable attribute"),
        ("filter[q][reference_or_foo_eq]", "x", "not a filterable attribute"),
        ("filter[q][reference_foo]", "x", "no known predicate"),
        ("filter[q][reference]", "x", "no known predicate"),
        ("filter[q][_eq]", "x", "not a filterable attribute"),
        ("filter[q][fingerprint_eq]", "x", "not a filterable attribute"),
        ("filter[q]", "x", "needs a condition"),
        ("filter[q][]", "x", "needs a condition"),
        ("filter[q][reference_eq][x]", "x", "Malformed"),
        ("filter[x][reference_eq]", "x", "Only filter[q]"),
        ("filter", "x", "Malformed"),
        ("filter[]", "x", "not a filterable attribute"),
        ("filter[q", "x", "Malformed"),
        ("filter[fingerprint]", "x", "not a filterable attribute"),
        ("filter[metadata]", "x", "_jcont"),
        ("filter[q][metadata_eq]", "x", "_jcont"),
        ("filter[q][reference_jcont]", "{}", "JSON attributes only"),
        ("filter[q][created_at_cont]", "2018", "text attributes"),
        ("filter[q][default_present]", "true", "text attributes"),
        ("filter[q][created_at_matches]", "2018%", "text attributes"),
        ("filter[q][reference_true]", "true", "boolean attributes"),
        ("filter[q][default_eq]", "maybe", "not a boolean"),
        ("filter[default]", "yes please", "not a boolean"),
        ("filter[q][reference_null]", "maybe", "not a boolean"),
        ("filter[q][reference_present]", "2", "not a boolean"),
        ("filter[q][created_at_gt]", "yesterday", "ISO 8601"),
        ("filter[q][created_at_in]", "2018-01-01,soon", "ISO 8601"),
        ("filter[created_at_from]", "2018-13-01", "ISO 8601"),
        ("filter[updated_at_to]", "2018-02-30T00:00:00Z", "ISO 8601"),
        ("filter[q][reference_eq]", "a\x00b", "NUL"),
        ("filter[q][created_at_gt]", "0001-01-01T00:00:00+01:00", "ISO 8601"),
        ("filter[q][reference_matches]", "a\x00%", "NUL"),
    ],
)
def test_invalid_filter_names_the_parameter(sources, parameter, value, words):
    error = error_of({"filter[q][reference_eq]": "ORD-100", parameter: value})
    assert error.code == "INVALID_FILTER"
    assert error.parameter == parameter
    assert words in error.detail


def test_unknown_key_is_refused_even_with_an_empty_value(sources):
    error = error_of({"filter[q][bogus_eq]": ""})
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[q][bogus_eq]")


def test_date_bound_on_a_model_without_that_field_is_refused(db):
    error = error_of(
        {"filter[updated_at_from]": "2018-01-01"}, FilterSpec(fields={}), Transaction.objects.all()
    )
    assert (error.code, error.parameter) == ("INVALID_FILTER", "filter[updated_at_from]")


def test_query_error_carries_code_parameter_and_detail():
    error = QueryError("INVALID_PAGE", "page[size]", "page[size] must be at most 25.")
    assert (error.code, error.parameter, error.detail) == (
        "INVALID_PAGE",
        "page[size]",
        "page[size] must be at most 25.",
    )
    assert str(error) == "page[size] must be at most 25."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("reference", ["reference", "pk"]),
        ("-created_at", ["-created_at", "-pk"]),
        ("-created_at,reference", ["-created_at", "reference", "pk"]),
        ("reference,-created_at", ["reference", "-created_at", "-pk"]),
        ("customer", ["customer__email", "pk"]),
        ("default,-id", ["is_default", "-id"]),
        ("id", ["id"]),
        (None, ["-created_at", "-pk"]),
        ("", ["-created_at", "-pk"]),
    ],
)
def test_parse_sort(value, expected):
    assert parse_sort(value, SOURCE_SPEC) == expected


def test_parse_sort_default_is_configurable():
    assert parse_sort(None, SOURCE_SPEC, default=("reference",)) == ["reference", "pk"]


@pytest.mark.parametrize(
    "value",
    [
        "foo",
        "-foo",
        "reference,foo",
        "name",
        "--reference",
        "reference,",
        ",reference",
        "reference,-reference",
    ],
)
def test_parse_sort_refuses_unknown_keys(value):
    with pytest.raises(QueryError) as caught:
        parse_sort(value, SOURCE_SPEC)
    assert (caught.value.code, caught.value.parameter) == ("INVALID_SORT", "sort")


def test_sort_with_ties_is_deterministic(sources):
    customer = sources["c"].customer
    extra = [CustomerPaymentSourceFactory(customer=customer, reference="same") for _ in range(3)]
    ordering = parse_sort("reference", SOURCE_SPEC)
    found = [
        s.pk for s in CustomerPaymentSource.objects.filter(reference="same").order_by(*ordering)
    ]
    assert found == sorted(s.pk for s in extra)


def test_sort_orders_by_the_related_path(sources):
    ordering = parse_sort("-customer", SOURCE_SPEC)
    found = list(sources_queryset().order_by(*ordering).values_list("customer__email", flat=True))
    assert found == ["carol@example.com", "bob@example.com", "ada@example.com"]
