"""Card numbers are refused everywhere; metadata objects stay small."""

import pytest
from django.core.exceptions import ValidationError

from wallet.validators import (
    has_nul,
    is_card_number,
    luhn_valid,
    validate_json_object,
    validate_no_card_number,
)


@pytest.mark.parametrize(
    "value",
    [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "378282246310005",  # Amex, 15 digits
        "6011111111111117",
        "card 4111 1111 1111 1111 exp 12/30",
        "4222222222222",  # 13-digit Visa
        "tok_4242424242424242",  # a whole card number glued into a "token"
        "tok_test_visa_4242_1230_4242424242424242",
    ],
)
def test_card_numbers_are_recognised(value):
    assert is_card_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "tok_test_visa_4242_1230",
        "4242424242424241",  # fails Luhn
        "12345678901",  # 11 digits
        "12345678901234567890",  # 20 digits
        "cus_424242424242",  # 12 digits glued to a token prefix: a gateway id, not a card
        "",
        "ORDER-2024-000001",
    ],
)
def test_other_values_are_not_card_numbers(value):
    assert not is_card_number(value)


def test_luhn_checksum():
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_refusal_has_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        validate_no_card_number("4242 4242 4242 4242")
    assert exc.value.code == "card_number"
    assert "card number" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (["a"], "not_an_object"),
        ("text", "not_an_object"),
        ({f"k{i}": i for i in range(51)}, "too_many_keys"),
        ({"k" * 41: 1}, "key_too_long"),
        ({"big": "x" * 17000}, "too_large"),
    ],
)
def test_json_object_limits(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_json_object(value)
    assert exc.value.code == code


def test_json_object_refuses_nested_card_numbers():
    with pytest.raises(ValidationError) as exc:
        validate_json_object({"a": {"b": ["ok", "4242424242424242"]}})
    assert exc.value.code == "card_number"


def test_json_object_accepts_fifty_short_keys():
    validate_json_object({f"key{i}": "value" for i in range(50)})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("400000000002", True),  # 12 digits: the shortest card number
        ("40000000006", False),  # 11 digits, Luhn-valid too
        ("4000000000000000006", True),  # 19 digits: the longest
        ("40000000000000000002", False),  # 20 digits, Luhn-valid too
    ],
)
def test_card_number_length_bounds(value, expected):
    assert luhn_valid(value)
    assert is_card_number(value) is expected


def test_json_object_accepts_keys_of_forty_characters():
    validate_json_object({"k" * 40: 1})


def test_json_object_accepts_exactly_sixteen_kib():
    # {"a":"xxx..."} serialized compactly is 8 bytes of framing plus the value.
    validate_json_object({"a": "x" * (16 * 1024 - 8)})
    with pytest.raises(ValidationError):
        validate_json_object({"a": "x" * (16 * 1024 - 7)})


def test_json_object_refuses_a_card_number_used_as_a_key():
    with pytest.raises(ValidationError) as exc:
        validate_json_object({"4242 4242 4242 4242": "visa"})
    assert exc.value.code == "card_number"


def test_json_object_refuses_a_card_number_sent_as_a_json_number():
    with pytest.raises(ValidationError) as exc:
        validate_json_object({"card": {"pan": 4242424242424242}})
    assert exc.value.code == "card_number"


def test_json_object_accepts_ordinary_numbers_and_booleans():
    validate_json_object({"count": 3, "total": 4990, "ok": True, "ratio": 0.5, "none": None})


def test_json_object_refuses_a_card_number_sent_as_a_whole_float():
    with pytest.raises(ValidationError) as exc:
        validate_json_object({"pan": 4242424242424242.0})
    assert exc.value.code == "card_number"


@pytest.mark.parametrize(
    "value",
    [
        "a\x00b",
        ["ok", "\x00"],
        {"key": {"deeper": ["x", "nul\x00"]}},
        {"k\x00ey": "value"},  # keys too
        ("tuple", "\x00"),
    ],
)
def test_a_nul_character_is_found_anywhere_in_a_value(value):
    assert has_nul(value)


@pytest.mark.parametrize(
    "value", ["", "plain", "%00", "\\u0000", {"key": ["a", 0, None, 1.5]}, None, 42]
)
def test_values_without_a_nul_character_pass(value):
    assert not has_nul(value)


def test_nul_search_survives_any_nesting():
    value: list = ["\x00"]
    for _ in range(100_000):
        value = [value]
    assert has_nul(value)
