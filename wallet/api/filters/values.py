"""Query-string values coerced to the type of the attribute they filter."""

import re
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from wallet.api.filters.spec import MAX_VALUES, invalid
from wallet.validators import has_nul

TRUE_VALUES = {"true", "t", "1"}
FALSE_VALUES = {"false", "f", "0"}
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def parse_flag(value: str, parameter: str) -> bool:
    """``true``/``t``/``1`` or ``false``/``f``/``0`` (any case) as a bool."""
    lowered = value.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise invalid(parameter, _("%(value)r is not a boolean: use true or false.") % {"value": value})


def parse_timestamp(value: str, parameter: str) -> datetime:
    """An ISO 8601 date-time (UTC when it has no offset) or a date (midnight UTC)."""
    text = value.strip()
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, time.min) if day else None
        if parsed is not None:  # normalised now: the database adapters would overflow later
            parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise invalid(
            parameter,
            _("%(value)r is not an ISO 8601 date-time such as 2018-01-01T12:00:00.000Z.")
            % {"value": value},
        )
    return parsed


def coerce(value: str, kind: str, parameter: str) -> Any:
    """Turn one query-string value into the Python value of an attribute of ``kind``."""
    if has_nul(value):
        raise invalid(parameter, _("The value contains a NUL character."))
    if kind == "bool":
        return parse_flag(value, parameter)
    if kind == "datetime":
        return parse_timestamp(value, parameter)
    try:
        if kind == "date":
            day = parse_date(value.strip())
            if day is None:
                raise ValueError(value)
            return day
        if kind == "int":
            number = int(value.strip(), 10) if _INTEGER.match(value.strip()) else None
            if number is None or not -(2**63) <= number < 2**63:
                raise ValueError(value)
            return number
        if kind in ("decimal", "float"):
            decimal = Decimal(value.strip())
            if not decimal.is_finite():
                raise ValueError(value)
            return decimal if kind == "decimal" else float(decimal)
    except (ValueError, InvalidOperation):
        raise invalid(
            parameter, _("%(value)r is not a valid %(kind)s.") % {"value": value, "kind": kind}
        ) from None
    return value


def split_list(value: str, parameter: str) -> list[str]:
    """The distinct non-empty items of a comma-separated list, at most ``MAX_VALUES``."""
    items = list(dict.fromkeys(item for item in value.split(",") if item != ""))
    if len(items) > MAX_VALUES:
        raise invalid(parameter, _("At most %(count)d values per filter.") % {"count": MAX_VALUES})
    return items
