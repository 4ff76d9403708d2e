"""The JSON:API query language of Commerce Layer: Ransack filters and sort keys.

``apply_filters`` turns every ``filter[...]`` parameter into Django ``Q`` objects on a
queryset; ``parse_sort`` turns ``sort=-created_at,reference`` into ``order_by`` arguments.
Both only accept what a :class:`FilterSpec` whitelists and raise :class:`QueryError` (a 400
naming the parameter) for anything else.

Filter forms
------------
``filter[q][<attr>(_or_<attr>)*_<predicate>]=value``
    Ransack conditions; the key is parsed by trying the known predicate suffixes, longest
    first, and splitting the rest on ``_or_`` into whitelisted attributes (so attribute names
    may contain underscores: ``reference_or_reference_origin_cont``). ``_or_`` attributes are
    ORed; all conditions are ANDed. An attribute's ORM path may name an annotation or alias
    of the queryset (``.alias(name_value=...)`` for a computed ``name``).
``filter[ids]=a,b``
    primary key in the list.
``filter[created_at_from]``, ``filter[created_at_to]``, ``filter[updated_at_from|to]``
    inclusive bounds (``>=`` / ``<=``).
``filter[<attr>]=value``
    equality on a whitelisted attribute; a comma in the value means "in the list".

Semantics, as Ransack has them
------------------------------
* An empty value (``filter[q][reference_eq]=``) skips the condition, as Ransack does; the
  key itself is still validated.
* ``null``, ``not_null``, ``present``, ``blank``, ``true`` and ``false`` take a flag
  (``true``/``t``/``1`` or ``false``/``f``/``0``); a false flag inverts the predicate, so
  ``reference_null=false`` means "is not null" and ``present=false`` means "blank".
* Negated comparisons (``not_eq``, ``not_in``, ``not_cont``, ``does_not_match``, ...) never
  match NULL, as SQL ``!=`` / ``NOT LIKE`` do.
* ``cont``/``start``/``end`` and ``matches`` are case-insensitive, ``eq`` is exact;
  ``matches`` takes a SQL LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes).
  Text predicates (and ``present``/``blank``) only apply to text attributes, ``true``/``false``
  only to booleans: anything else is an ``INVALID_FILTER`` rather than a database error.
* Values are coerced from the attribute's type: booleans, ISO 8601 date-times (``Z``,
  offsets and milliseconds allowed; no offset means UTC; a date alone is midnight UTC),
  dates, integers and decimals.
* ``<json attr>_jcont`` takes a JSON object the field must contain. PostgreSQL uses the
  ``@>`` containment of ``__contains``; databases without it (SQLite) get one key-path
  equality per scalar leaf, which gives the same rows for objects of scalars and nested
  objects. Two limits there, answered with ``INVALID_FILTER`` instead of a wrong result:
  arrays inside the object, and all-digit keys (read as array indexes). An empty nested
  object there only requires the key to exist.
* Bounds: at most ``MAX_VALUES`` (100) distinct values in one list, at most 100 keys in a
  ``_jcont`` object where it becomes key paths, and at most ``MAX_FILTERS`` (50) filter
  conditions per request, so no request builds a query the database refuses (SQLite parses
  at most 1000 levels of expression). A repeated query parameter counts once (its last value).
"""

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connections, models
from django.db.models import Q, QuerySet, Value
from django.db.models.fields.json import KeyTransform, KeyTransformExact, KeyTransformIsNull
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

__all__ = ["FilterSpec", "QueryError", "apply_filters", "parse_sort"]


class QueryError(Exception):
    """A query parameter the API refuses, answered as a 400 JSON:API error.

    ``code`` is one of ``INVALID_FILTER``, ``INVALID_SORT``, ``INVALID_INCLUDE``,
    ``INVALID_FIELD``, ``INVALID_PAGE`` or ``BAD_REQUEST``; ``parameter`` is the query
    parameter at fault exactly as sent (``filter[q][foo_eq]``), for ``source.parameter``;
    ``detail`` is a human sentence.
    """

    def __init__(self, code: str, parameter: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.parameter = parameter
        self.detail = detail

    def __repr__(self) -> str:
        return f"QueryError({self.code!r}, {self.parameter!r}, {self.detail!r})"


@dataclass(frozen=True)
class FilterSpec:
    """What a resource lets clients filter and sort on.

    ``fields`` maps API attribute names to ORM paths (``{"customer_email": "customer__email"}``);
    a path may also name an annotation of the queryset. ``json_fields`` are JSON attributes
    filterable with ``_jcont`` only. ``sortable`` maps API sort keys to ORM paths.
    """

    fields: dict[str, str]
    json_fields: dict[str, str] = field(default_factory=dict)
    sortable: dict[str, str] = field(default_factory=dict)


# --- the predicate table --------------------------------------------------------------------

ONE, LIST, ANY, ALL, FLAG, JSON = "one", "list", "any", "all", "flag", "json"


@dataclass(frozen=True)
class Predicate:
    """One Ransack predicate: the condition it builds, whether it is negated, its value kind.

    ``lookup`` is a Django lookup, or one of the composite conditions ``like``,
    ``exact_or_null``, ``present`` and ``jcont`` built in :func:`_condition`.
    """

    lookup: str
    negate: bool = False
    values: str = ONE
    text_only: bool = False
    boolean_only: bool = False


PREDICATES: dict[str, Predicate] = {
    "eq": Predicate("exact"),
    "eq_any": Predicate("exact", values=ANY),
    "eq_all": Predicate("exact", values=ALL),
    "not_eq": Predicate("exact", negate=True),
    "eq_or_null": Predicate("exact_or_null"),
    "matches": Predicate("like", text_only=True),
    "matches_any": Predicate("like", values=ANY, text_only=True),
    "matches_all": Predicate("like", values=ALL, text_only=True),
    "does_not_match": Predicate("like", negate=True, text_only=True),
    "cont": Predicate("icontains", text_only=True),
    "cont_any": Predicate("icontains", values=ANY, text_only=True),
    "cont_all": Predicate("icontains", values=ALL, text_only=True),
    "not_cont": Predicate("icontains", negate=True, text_only=True),
    "start": Predicate("istartswith", text_only=True),
    "start_any": Predicate("istartswith", values=ANY, text_only=True),
    "start_all": Predicate("istartswith", values=ALL, text_only=True),
    "not_start": Predicate("istartswith", negate=True, text_only=True),
    "end": Predicate("iendswith", text_only=True),
    "end_any": Predicate("iendswith", values=ANY, text_only=True),
    "end_all": Predicate("iendswith", values=ALL, text_only=True),
    "not_end": Predicate("iendswith", negate=True, text_only=True),
    "lt": Predicate("lt"),
    "lteq": Predicate("lte"),
    "gt": Predicate("gt"),
    "gteq": Predicate("gte"),
    "in": Predicate("in", values=LIST),
    "not_in": Predicate("in", negate=True, values=LIST),
    "null": Predicate("isnull", values=FLAG),
    "not_null": Predicate("isnull", negate=True, values=FLAG),
    "present": Predicate("present", values=FLAG, text_only=True),
    "blank": Predicate("present", negate=True, values=FLAG, text_only=True),
    "true": Predicate("exact", values=FLAG, boolean_only=True),
    "false": Predicate("exact", values=FLAG, boolean_only=True),
    "jcont": Predicate("jcont", values=JSON),
}
# Longest first, so "not_eq" wins over "eq" and "eq_or_null" over "null".
_SUFFIXES = sorted(PREDICATES, key=len, reverse=True)
# Conditions whose negation is a plain NOT (they are about NULL themselves).
_NULL_AWARE = {"isnull", "present", "exact_or_null"}

# The operand of the flag predicates (present/blank have none).
_FLAG_OPERANDS = {"null": True, "not_null": True, "true": True, "false": False}

TRUE_VALUES = {"true", "t", "1"}
FALSE_VALUES = {"false", "f", "0"}
RANGE_FILTERS = {
    "created_at_from": ("created_at", "gte"),
    "created_at_to": ("created_at", "lte"),
    "updated_at_from": ("updated_at", "gte"),
    "updated_at_to": ("updated_at", "lte"),
}
# Bounds that keep every query within what the databases parse (SQLite refuses expression
# trees deeper than 1000): values of one list condition (or keys of a _jcont object where it
# becomes key paths), and filter parameters of one request.
MAX_VALUES = 100
MAX_FILTERS = 50
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_FILTER_KEY = re.compile(r"^filter\[([^\[\]]*)\](?:\[([^\[\]]*)\])?$")


# --- field types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What an ORM path points at: a value ``kind``, whether it can be NULL, and whether the
    path crosses a to-many relation (the query then needs ``distinct()``)."""

    kind: str  # text, bool, datetime, date, int, decimal, float, json or other
    nullable: bool = False
    many: bool = False


def _kind_of(model_field: Any) -> str:
    """The value kind of a model field or an annotation's output field."""
    kinds: list[tuple[type, str]] = [
        (models.BooleanField, "bool"),
        (models.DateTimeField, "datetime"),  # before DateField, its parent
        (models.DateField, "date"),
        (models.IntegerField, "int"),
        (models.DecimalField, "decimal"),
        (models.FloatField, "float"),
        (models.JSONField, "json"),
        (models.CharField, "text"),
        (models.TextField, "text"),
    ]
    for field_class, kind in kinds:
        if isinstance(model_field, field_class):
            return kind
    return "other"


def resolve_target(queryset: QuerySet, path: str) -> Target:
    """Follow ``path`` from the queryset's model (or an annotation) to the field it names."""
    parts = path.split("__")
    annotation = queryset.query.annotations.get(parts[0])
    if annotation is not None and len(parts) == 1:
        return Target(_kind_of(annotation.output_field), nullable=True)
    opts = queryset.model._meta
    nullable = many = False
    for index, part in enumerate(parts):
        model_field = opts.get_field(part)
        last = index == len(parts) - 1
        if model_field.is_relation:
            many = many or bool(model_field.one_to_many or model_field.many_to_many)
            nullable = nullable or bool(model_field.null) or not model_field.concrete
            if last:
                target = (
                    getattr(model_field, "target_field", None) or model_field.related_model._meta.pk
                )
                return Target(_kind_of(target), nullable=nullable, many=many)
            opts = model_field.related_model._meta
            continue
        nullable = nullable or bool(model_field.null)
        if last:
            return Target(_kind_of(model_field), nullable=nullable, many=many)
        if isinstance(model_field, models.JSONField):  # a key path inside a JSON document
            return Target("text", nullable=True, many=many)
        raise ValueError(f"{path!r}: {part!r} is neither a relation nor a JSON field")
    raise ValueError(f"empty ORM path {path!r}")  # pragma: no cover - split() never yields []


# --- values ---------------------------------------------------------------------------------


def _invalid(parameter: str, detail: str) -> QueryError:
    return QueryError("INVALID_FILTER", parameter, detail)


def parse_flag(value: str, parameter: str) -> bool:
    """``true``/``t``/``1`` or ``false``/``f``/``0`` (any case) as a bool."""
    lowered = value.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise _invalid(
        parameter, _("%(value)r is not a boolean: use true or false.") % {"value": value}
    )


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
        raise _invalid(
            parameter,
            _("%(value)r is not an ISO 8601 date-time such as 2018-01-01T12:00:00.000Z.")
            % {"value": value},
        )
    return parsed


def coerce(value: str, kind: str, parameter: str) -> Any:
    """Turn one query-string value into the Python value of an attribute of ``kind``."""
    if "\x00" in value:
        raise _invalid(parameter, _("The value contains a NUL character."))
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
        raise _invalid(
            parameter, _("%(value)r is not a valid %(kind)s.") % {"value": value, "kind": kind}
        ) from None
    return value


def _split_list(value: str, parameter: str) -> list[str]:
    """The distinct non-empty items of a comma-separated list, at most ``MAX_VALUES``."""
    items = list(dict.fromkeys(item for item in value.split(",") if item != ""))
    if len(items) > MAX_VALUES:
        raise _invalid(parameter, _("At most %(count)d values per filter.") % {"count": MAX_VALUES})
    return items


def like_to_regex(pattern: str, *, python: bool = False) -> str:
    """A SQL LIKE pattern as an anchored, case-sensitive regex (the lookup adds the case).

    ``%`` is any run of characters, ``_`` one character, ``\\`` makes the next one literal;
    every other non-alphanumeric character is backslash-escaped, literal in both PostgreSQL's
    and Python's dialects. PostgreSQL's engine does not backtrack, but Python's (SQLite's
    ``REGEXP``) would on ``%a%a%a…``: with ``python=True`` every segment between two ``%``
    matches at its earliest place inside an atomic group, which is enough for fixed-length
    segments and keeps the match linear; ``.`` also matches newlines and ``\\Z`` ends there.
    """
    segments: list[list[str]] = [[]]
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            segments[-1].append(_regex_literal(next(chars, "\\")))
        elif char == "%":
            segments.append([])
        elif char == "_":
            segments[-1].append(".")
        else:
            segments[-1].append(_regex_literal(char))
    parts = ["".join(segment) for segment in segments]
    if not python:
        return "^" + ".*".join(parts) + "$"
    if len(parts) == 1:
        return f"(?s:^{parts[0]}\\Z)"
    middle = "".join(f"(?>.*?{part})" for part in parts[1:-1] if part)
    return f"(?s:^{parts[0]}{middle}.*{parts[-1]}\\Z)"


def _regex_literal(char: str) -> str:
    return char if char.isalnum() else "\\" + char


# --- conditions -----------------------------------------------------------------------------


def _condition(lookup: str, path: str, value: Any, *, python_regex: bool = False) -> Q:
    """The positive condition of one predicate on one path."""
    if lookup == "like":
        return Q(**{f"{path}__iregex": like_to_regex(value, python=python_regex)})
    if lookup == "exact_or_null":
        return Q(**{path: value}) | Q(**{f"{path}__isnull": True})
    if lookup == "present":
        return Q(**{f"{path}__isnull": False}) & ~Q(**{path: ""})
    return Q(**{f"{path}__{lookup}": value})


def _negate(q: Q, lookup: str, path: str, target: Target) -> Q:
    """NOT ``q``; a negated comparison does not match NULL, as in SQL."""
    if lookup in _NULL_AWARE or not target.nullable:
        return ~q
    return ~q & Q(**{f"{path}__isnull": False})


def _jcont(path: str, document: dict[str, Any], supports_contains: bool, parameter: str) -> Q:
    """``path`` contains ``document``: ``@>`` where the database has it, else key paths."""
    if supports_contains:
        return Q(**{f"{path}__contains": document})
    if _count_keys(document) > MAX_VALUES:
        raise _invalid(
            parameter, _("At most %(count)d keys in a _jcont object.") % {"count": MAX_VALUES}
        )
    return _key_paths(models.F(path), document, parameter)


def _count_keys(document: dict[str, Any]) -> int:
    """The keys of ``document`` at every level (stops early past ``MAX_VALUES``)."""
    count, pending = 0, [document]
    while pending and count <= MAX_VALUES:
        current = pending.pop()
        count += len(current)
        pending.extend(value for value in current.values() if isinstance(value, dict))
    return count


def _key_paths(expression: Any, document: dict[str, Any], parameter: str) -> Q:
    """One equality per scalar leaf of ``document`` below ``expression``, ANDed."""
    q = Q()
    for key, value in document.items():
        if key.isdigit():
            raise _invalid(
                parameter,
                _("Numeric keys such as %(key)r need PostgreSQL for _jcont.") % {"key": key},
            )
        inner = KeyTransform(key, expression)
        if isinstance(value, dict) and value:
            q &= _key_paths(inner, value, parameter)
        elif isinstance(value, dict):
            q &= Q(KeyTransformIsNull(inner, False))
        elif isinstance(value, list):
            raise _invalid(
                parameter, _("Arrays inside a _jcont object need PostgreSQL on this server.")
            )
        else:
            q &= Q(KeyTransformExact(inner, Value(value, output_field=models.JSONField())))
    return q


# --- filter keys ----------------------------------------------------------------------------


def _split_attributes(text: str, names: Iterable[str]) -> list[str] | None:
    """``a_or_b_or_c`` as whitelisted names ``[a, b, c]``, or None when it is not one.

    Names may contain underscores (and even ``_or_``), so this finds any split into known
    names: ``came_from[i]`` is the name that ends a valid prefix of length ``i``.
    """
    names = sorted({name for name in names if name}, key=len, reverse=True)
    came_from: dict[int, str] = {}
    starts = [0]
    for start in starts:
        for name in names:
            end = start + len(name)
            if end in came_from or not text.startswith(name, start):
                continue
            if end == len(text):
                came_from[end] = name
                break
            if text.startswith("_or_", end):
                came_from[end] = name
                starts.append(end + len("_or_"))
        if len(text) in came_from:
            break
    if len(text) not in came_from:
        return None
    parts, end = [], len(text)
    while end > 0:
        name = came_from[end]
        parts.append(name)
        end -= len(name) + (len("_or_") if end - len(name) > 0 else 0)
    return parts[::-1]


def parse_condition(key: str, spec: FilterSpec, parameter: str) -> tuple[list[str], str]:
    """Split a Ransack key into its attributes and predicate name, or raise INVALID_FILTER."""
    candidates = [name for name in _SUFFIXES if key.endswith(f"_{name}")]
    if not candidates:
        raise _invalid(
            parameter,
            _("%(key)r has no known predicate suffix (such as _eq, _cont or _in).") % {"key": key},
        )
    for name in candidates:
        allowed = spec.json_fields if name == "jcont" else spec.fields
        attributes = _split_attributes(key[: -len(name) - 1], allowed)
        if attributes:
            return list(dict.fromkeys(attributes)), name
    # Nothing fits: explain with the longest reading of the key.
    name = candidates[0]
    parts = key[: -len(name) - 1].split("_or_")
    if name == "jcont":
        detail = _("_jcont filters JSON attributes only: %(names)s.") % {
            "names": ", ".join(sorted(spec.json_fields)) or "-"
        }
    elif any(part in spec.json_fields for part in parts):
        detail = _("JSON attributes can only be filtered with _jcont.")
    else:
        detail = _("%(attr)r is not a filterable attribute; use %(names)s.") % {
            "attr": key[: -len(name) - 1],
            "names": ", ".join(sorted(spec.fields)),
        }
    raise _invalid(parameter, detail)


def _values(raw: str, predicate: Predicate, target: Target, parameter: str) -> list[Any]:
    """The coerced values of a condition: one, or a list for in/any/all."""
    if predicate.values in (LIST, ANY, ALL):
        return [coerce(item, target.kind, parameter) for item in _split_list(raw, parameter)]
    if predicate.lookup == "like":
        return [raw]
    if predicate.text_only:
        return [coerce(raw, "text", parameter)]
    return [coerce(raw, target.kind, parameter)]


def ransack_condition(
    queryset: QuerySet, key: str, raw: str, spec: FilterSpec, parameter: str
) -> tuple[Q | None, bool]:
    """The ``Q`` of ``filter[q][key]=raw`` (None when the value is empty) and whether it
    crosses a to-many relation."""
    attributes, name = parse_condition(key, spec, parameter)
    predicate = PREDICATES[name]
    paths = [(spec.json_fields if name == "jcont" else spec.fields)[a] for a in attributes]
    targets = [resolve_target(queryset, path) for path in paths]
    for attribute, target in zip(attributes, targets, strict=True):
        if predicate.text_only and target.kind != "text":
            raise _invalid(
                parameter,
                _("_%(predicate)s applies to text attributes, not to %(attr)r.")
                % {"predicate": name, "attr": attribute},
            )
        if predicate.boolean_only and target.kind != "bool":
            raise _invalid(
                parameter,
                _("_%(predicate)s applies to boolean attributes, not to %(attr)r.")
                % {"predicate": name, "attr": attribute},
            )
    many = any(target.many for target in targets)
    if raw == "":
        return None, many  # Ransack skips conditions without a value
    if "\x00" in raw:
        raise _invalid(parameter, _("The value contains a NUL character."))

    negate = predicate.negate
    if predicate.values == FLAG:
        negate = negate != (not parse_flag(raw, parameter))
    if predicate.values == JSON:
        document = _json_object(raw, parameter)
        supports = connections[queryset.db].features.supports_json_field_contains
        combined = Q()
        for index, path in enumerate(paths):
            q = _jcont(path, document, supports, parameter)
            combined = q if index == 0 else combined | q
        return combined, many

    # SQLite's REGEXP is Python's backtracking ``re``: give it the linear form of the pattern.
    python_regex = connections[queryset.db].vendor == "sqlite"
    combined = None
    for path, target in zip(paths, targets, strict=True):
        q = _attribute_condition(
            predicate, name, path, target, raw, negate, parameter, python_regex
        )
        if q is None:
            return None, many
        combined = q if combined is None else combined | q
    return combined, many


def _attribute_condition(
    predicate: Predicate,
    name: str,
    path: str,
    target: Target,
    raw: str,
    negate: bool,
    parameter: str,
    python_regex: bool,
) -> Q | None:
    """The condition of one predicate on one attribute (None when a list value is empty)."""

    def build(value: Any) -> Q:
        return _condition(predicate.lookup, path, value, python_regex=python_regex)

    if predicate.values == FLAG:
        q = build(_FLAG_OPERANDS.get(name))
    elif predicate.values in (LIST, ANY, ALL):
        items = _values(raw, predicate, target, parameter)
        if not items:
            return None
        if predicate.values == LIST:
            q = build(items)
        else:
            q = build(items[0])
            for item in items[1:]:
                q = q | build(item) if predicate.values == ANY else q & build(item)
    else:
        q = build(_values(raw, predicate, target, parameter)[0])
    return _negate(q, predicate.lookup, path, target) if negate else q


def _json_object(raw: str, parameter: str) -> dict[str, Any]:
    """The JSON object of a ``_jcont`` value, or INVALID_FILTER."""
    try:
        document = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise _invalid(parameter, _('_jcont takes a JSON object such as {"key": "value"}.'))
    if "\\u0000" in json.dumps(document):  # PostgreSQL's jsonb refuses NUL characters
        raise _invalid(parameter, _("The value contains a NUL character."))
    return document


def _no_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity``, which JSON (and the databases) do not have."""
    raise ValueError(name)


def _finite_float(text: str) -> float:
    """A JSON number as a float, refusing those too large to be finite (``1e400``)."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


# --- entry points ---------------------------------------------------------------------------


def _range_path(queryset: QuerySet, attribute: str, spec: FilterSpec) -> str | None:
    """The ORM path of ``created_at``/``updated_at``: whitelisted, or the model's own field."""
    if attribute in spec.fields:
        return spec.fields[attribute]
    names = {f.name for f in queryset.model._meta.concrete_fields}
    return attribute if attribute in names else None


def apply_filters(queryset: QuerySet, params: Mapping[str, str], spec: FilterSpec) -> QuerySet:
    """Apply every ``filter[...]`` parameter of the request to ``queryset``.

    Parameters not starting with ``filter`` are ignored. Raises :class:`QueryError`
    (``INVALID_FILTER``, with the exact parameter name) for anything not whitelisted or
    malformed, and for values that do not fit the attribute.
    """
    conditions: list[Q] = []
    needs_distinct = False
    for parameter, raw_value in params.items():
        if parameter != "filter" and not parameter.startswith("filter["):
            continue
        raw = raw_value if isinstance(raw_value, str) else str(raw_value)
        match = _FILTER_KEY.match(parameter)
        if not match:
            raise _invalid(
                parameter,
                _("Malformed filter: use filter[q][<attr>_<predicate>] or filter[<attr>]."),
            )
        name, key = match.group(1), match.group(2)
        if name == "q":
            if not key:
                raise _invalid(
                    parameter,
                    _("filter[q] needs a condition, such as filter[q][reference_eq]."),
                )
            q, many = ransack_condition(queryset, key, raw, spec, parameter)
        elif key is not None:
            raise _invalid(parameter, _("Only filter[q] takes a nested key."))
        else:
            q, many = _simple_condition(queryset, name, raw, spec, parameter)
        needs_distinct = needs_distinct or many
        if q is not None:
            conditions.append(q)
        if len(conditions) > MAX_FILTERS:
            raise _invalid(
                parameter, _("At most %(count)d filters per request.") % {"count": MAX_FILTERS}
            )
    if not conditions:
        return queryset
    combined = conditions[0]
    for q in conditions[1:]:
        combined &= q
    queryset = queryset.filter(combined)
    return queryset.distinct() if needs_distinct else queryset


def _simple_condition(
    queryset: QuerySet, name: str, raw: str, spec: FilterSpec, parameter: str
) -> tuple[Q | None, bool]:
    """``filter[ids]``, ``filter[created_at_from]`` and friends, and plain ``filter[attr]``."""
    if name == "ids":
        ids = _split_list(raw, parameter)
        for item in ids:
            coerce(item, "text", parameter)
        return (Q(pk__in=ids) if ids else None), False
    if name in RANGE_FILTERS:
        attribute, lookup = RANGE_FILTERS[name]
        path = _range_path(queryset, attribute, spec)
        if path is None:
            raise _invalid(parameter, _("This resource has no %(attr)s.") % {"attr": attribute})
        target = resolve_target(queryset, path)
        if raw == "":
            return None, target.many
        value = coerce(raw, target.kind, parameter)
        return Q(**{f"{path}__{lookup}": value}), target.many
    if name not in spec.fields:
        if name in spec.json_fields:
            detail = _("JSON attributes can only be filtered with filter[q][%(name)s_jcont].") % {
                "name": name
            }
        else:
            detail = _("%(attr)r is not a filterable attribute; use %(names)s.") % {
                "attr": name,
                "names": ", ".join(sorted([*spec.fields, "ids", *RANGE_FILTERS])),
            }
        raise _invalid(parameter, detail)
    path = spec.fields[name]
    target = resolve_target(queryset, path)
    if raw == "":
        return None, target.many
    if "," in raw:
        items = [coerce(item, target.kind, parameter) for item in _split_list(raw, parameter)]
        return (Q(**{f"{path}__in": items}) if items else None), target.many
    return Q(**{path: coerce(raw, target.kind, parameter)}), target.many


_PK_PATHS = {"pk", "id"}


def parse_sort(
    value: str | None, spec: FilterSpec, *, default: Sequence[str] = ("-created_at",)
) -> list[str]:
    """``'-created_at,reference'`` as ``order_by`` arguments ``['-created_at', 'reference', 'pk']``.

    The list always ends with the primary key (in the direction of the last key) so pages are
    stable; ``default`` (ORM orderings) is used when ``value`` is empty or absent. An unknown,
    empty or repeated key raises ``QueryError('INVALID_SORT', 'sort', ...)``.
    """
    ordering: list[str] = []
    if value is None or value.strip() == "":
        ordering = list(default)
    else:
        seen: set[str] = set()
        for raw_key in value.split(","):
            key = raw_key.strip()
            descending = key.startswith("-")
            name = key[1:] if descending else key
            if name not in spec.sortable:
                raise QueryError(
                    "INVALID_SORT",
                    "sort",
                    _("%(key)r is not a sortable attribute; use %(names)s.")
                    % {"key": key, "names": ", ".join(sorted(spec.sortable)) or "-"},
                )
            if name in seen:
                raise QueryError(
                    "INVALID_SORT", "sort", _("%(key)r is given twice.") % {"key": name}
                )
            seen.add(name)
            path = spec.sortable[name]
            ordering.append(f"-{path}" if descending else path)
    if not any(item.lstrip("-") in _PK_PATHS for item in ordering):
        last_descending = bool(ordering) and ordering[-1].startswith("-")
        ordering.append("-pk" if last_descending else "pk")
    return ordering
