"""The suite's JSON:API check (``tests.support.jsonapi``) accepts documents and refuses what
JSON:API 1.0 forbids: every API test relies on it to fail on a malformed answer."""

import pytest

from tests.support.jsonapi import assert_jsonapi, seed_document


def test_a_resource_with_attributes_meta_and_relationships_is_a_document():
    document = {
        "data": {
            "id": "1",
            "type": "orders",
            "attributes": {"number": "1", "metadata": {"any": {"nested": [1]}}},
            "relationships": {"customer": {"data": None}},
            "meta": {"mode": "test"},
        },
        "meta": {"record_count": 1},
    }

    assert assert_jsonapi(document) is document


def test_commerce_layers_own_example_is_a_document():
    assert_jsonapi(seed_document("retrieve_customer_payment_source.md"))


@pytest.mark.parametrize(
    "document",
    [
        {"data": {"id": 1, "type": "orders"}},  # ids are strings
        {"data": {"id": "1", "type": "orders", "attributes": {"type": "x"}}},  # reserved name
        {"data": {"id": "1", "type": "orders"}, "errors": [{"title": "x"}]},  # both
        {"errors": "nothing"},
        {"meta": {}, "unknown": 1},  # a top-level member JSON:API does not define
        {},
    ],
)
def test_what_json_api_forbids_is_refused(document):
    with pytest.raises(AssertionError, match="not a JSON:API document"):
        assert_jsonapi(document)
