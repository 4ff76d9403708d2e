"""Keyset cursors of the lists: a row's sort key values as an opaque ``page[after]`` token, and
the seek that reads the rows after it (``a > x OR (a = x AND …)``, NULLs where the database sorts
them), instead of an OFFSET that reads every row before the page."""

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet
from django.utils.translation import gettext as _

from wallet.api.errors import bad_parameter
from wallet.validators import has_nul

AFTER = "page[after]"


def list_ordering(queryset: QuerySet) -> list[str]:
    """The queryset's ORDER BY as ``[-]path`` strings, ending with the primary key."""
    query = queryset.query
    items = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    ordering = [item for item in items if isinstance(item, str)]
    if len(ordering) != len(items) or any("?" in item for item in ordering):
        raise bad_parameter("INVALID_PAGE", AFTER, _("This list cannot be paged with a cursor"))
    if not any(item.lstrip("-") in ("pk", "id") for item in ordering):
        descending = bool(ordering) and ordering[-1].startswith("-")
        ordering.append("-pk" if descending else "pk")
    return ordering


def _field_of(queryset: QuerySet, path: str) -> Field | None:
    """The model field a sort path names (``None`` for an annotation)."""
    opts = queryset.model._meta
    field: Any = None
    for part in path.split("__"):
        if part == "pk":
            field = opts.pk
            break
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
    if field is not None and field.is_relation:
        return field.target_field
    return field


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(ordering: list[str], values: list[Any]) -> str:
    """The opaque ``page[after]`` cursor of a row: its sort key values under ``ordering``."""
    document = {"o": ordering, "v": [_plain(value) for value in values]}
    raw = json.dumps(document, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid_cursor() -> Exception:
    return bad_parameter(
        "INVALID_PAGE",
        AFTER,
        _("page[after] is not a cursor of this list (take it from links.next, same sort)"),
    )


def decode_cursor(queryset: QuerySet, ordering: list[str], cursor: str) -> list[Any]:
    """The sort key values a cursor carries, checked against the list's ``ordering``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid_cursor() from None
    if not isinstance(decoded, dict) or decoded.get("o") != ordering:
        raise _invalid_cursor()
    values = decoded.get("v")
    if not isinstance(values, list) or len(values) != len(ordering):
        raise _invalid_cursor()
    result = []
    for item, value in zip(ordering, values, strict=True):
        field = _field_of(queryset, item.lstrip("-"))
        if value is not None and not isinstance(value, str | int | float | bool):
            raise _invalid_cursor()
        if has_nul(value):
            raise _invalid_cursor()
        if field is not None and value is not None:
            try:
                value = field.to_python(value)
            except (ValidationError, ValueError, TypeError):
                raise _invalid_cursor() from None
        result.append(value)
    return result


def _after(path: str, value: Any, descending: bool, nulls_large: bool) -> Q | None:
    """Rows strictly after ``value`` in one sort key (``None``: no row can be)."""
    greater = not descending
    if value is None:
        # NULL sorts above every value where ``nulls_large`` (PostgreSQL), below it elsewhere.
        return Q(**{f"{path}__isnull": False}) if greater != nulls_large else None
    lookup = Q(**{f"{path}__{'gt' if greater else 'lt'}": value})
    if greater == nulls_large:
        lookup |= Q(**{f"{path}__isnull": True})
    return lookup


def _equal(path: str, value: Any) -> Q:
    return Q(**{f"{path}__isnull": True}) if value is None else Q(**{path: value})


def keyset(queryset: QuerySet, ordering: list[str], values: list[Any]) -> QuerySet:
    """The rows after the row with ``values`` under ``ordering``: a seek, not an OFFSET.

    ``(a, b, id) > (x, y, z)`` as ``a > x OR (a = x AND (b > y OR (b = y AND id > z)))``, with
    NULLs where the database sorts them, plus a bound on the first key alone
    (``a >= x``) so that the index range starts at the cursor.
    """
    nulls_large = connections[queryset.db].vendor == "postgresql"
    condition: Q | None = None
    for item, value in reversed(list(zip(ordering, values, strict=True))):
        path, descending = item.lstrip("-"), item.startswith("-")
        after = _after(path, value, descending, nulls_large)
        if condition is None:
            condition = after if after is not None else Q(pk__in=[])
        else:
            tie = _equal(path, value) & condition
            condition = tie if after is None else after | tie
    assert condition is not None  # the ordering always holds the primary key
    path, descending = ordering[0].lstrip("-"), ordering[0].startswith("-")
    field = _field_of(queryset, path)
    nullable = field is None or field.null
    # Unless NULLs come after the values in this scan, every row left is within a plain range.
    if values[0] is not None and (not nullable or descending == nulls_large):
        condition &= Q(**{f"{path}__{'lte' if descending else 'gte'}": values[0]})
    return queryset.filter(condition)


def row_key(row: Model, ordering: list[str]) -> list[Any]:
    """The values of ``row`` under ``ordering`` (a related record as its id): its cursor."""
    values = []
    for item in ordering:
        value: Any = row
        for part in item.lstrip("-").split("__"):
            value = getattr(value, part if part != "pk" else "pk", None)
        values.append(value.pk if isinstance(value, Model) else value)
    return values
