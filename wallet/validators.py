"""Reusable validators: card numbers are never stored, metadata stays small.

Used by the model fields (so forms and the admin refuse bad values), the services and the API.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_OBJECT_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_OBJECT_BYTES = 16 * 1024
# Objects and arrays nested inside each other, the outer object included: deeper values are
# refused before anything walks them recursively (serializers, the admin's widgets).
MAX_JSON_DEPTH = 8

_SEPARATORS = re.compile(r"[\s-]+")
# Digit runs (spaces and dashes allowed inside) standing alone, not glued to letters or "_":
# "card 4242 4242 4242 4242" is caught, a token like "cus_123456789012" is not.
_STANDALONE_DIGIT_RUNS = re.compile(r"(?<!\w)\d[\d\s-]*\d(?!\w)")
# A run glued to other characters ("tok_4242424242424242") counts from 15 digits on: card
# numbers are mostly 15 or 16 digits, while gateway ids rarely hold that many in a row.
_GLUED_DIGIT_RUNS = re.compile(r"\d{15,19}")


NUL = "\x00"


def has_nul(value: Any) -> bool:
    """Whether a string, or any string inside a JSON value (keys included), holds a NUL character.

    PostgreSQL can neither store nor compare one in text or ``jsonb``, and no id, token, email
    or password has one: every input path refuses them with this check. Iterative, so no
    nesting exhausts the recursion limit.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def luhn_valid(digits: str) -> bool:
    """Return whether a string of digits passes the Luhn checksum."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_card_number(value: str) -> bool:
    """Return whether ``value`` is, or contains, a card number.

    A card number is 12 to 19 digits once spaces and dashes are removed, passing the Luhn check.
    A standalone run of digits inside a longer string counts too, so
    ``"card 4242 4242 4242 4242"`` is refused, and so does a run of 15 to 19 digits glued to
    other characters (``"tok_4242424242424242"``).
    """
    if not isinstance(value, str):
        return False
    for match in _STANDALONE_DIGIT_RUNS.finditer(value):
        digits = _SEPARATORS.sub("", match.group())
        if 12 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return any(luhn_valid(match.group()) for match in _GLUED_DIGIT_RUNS.finditer(value))


def validate_no_card_number(value: Any) -> None:
    """Refuse a string that is or contains a card number."""
    if isinstance(value, str) and is_card_number(value):
        raise ValidationError(
            _("must not contain a card number; send the gateway's token instead"),
            code="card_number",
        )


def _strings(value: Any) -> Iterator[str]:
    """Yield every string inside a JSON value, keys and integers included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield str(value)  # a card number sent as a JSON number is still a card number
    elif isinstance(value, float) and value.is_integer():
        yield str(int(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def json_depth(value: Any, limit: int) -> int:
    """How deeply objects and arrays nest in ``value`` (a scalar is 0), counting up to
    ``limit + 1`` at most: iterative, so no nesting exhausts the recursion limit."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list | tuple):
            continue
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return deepest


def validate_json_object(value: Any) -> None:
    """Validate a ``metadata`` or ``options`` value.

    It must be a JSON object with at most 50 keys of at most 40 characters, nested at most
    8 objects or arrays deep, at most 16 KiB serialized, and no string anywhere inside it may be
    a card number.
    """
    if not isinstance(value, dict):
        raise ValidationError(_("must be a JSON object"), code="not_an_object")
    if json_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ValidationError(
            _("must be nested at most %(limit)d levels deep"),
            code="too_deep",
            params={"limit": MAX_JSON_DEPTH},
        )
    if len(value) > MAX_OBJECT_KEYS:
        raise ValidationError(
            _("must have at most %(limit)d keys"),
            code="too_many_keys",
            params={"limit": MAX_OBJECT_KEYS},
        )
    for key in value:
        if len(str(key)) > MAX_KEY_LENGTH:
            raise ValidationError(
                _("keys must be at most %(limit)d characters"),
                code="key_too_long",
                params={"limit": MAX_KEY_LENGTH},
            )
    try:
        size = len(json.dumps(value, separators=(",", ":")).encode())
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("must be serializable as JSON"), code="not_json") from exc
    if size > MAX_OBJECT_BYTES:
        raise ValidationError(
            _("must be at most %(limit)d bytes as JSON"),
            code="too_large",
            params={"limit": MAX_OBJECT_BYTES},
        )
    for text in _strings(value):
        validate_no_card_number(text)
