"""``filter[...]`` parameters: Ransack keys parsed against a whitelist, ANDed into one query."""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wallet.api.filters.containment import jcont, json_object
from wallet.api.filters.fields import Target, resolve_target
from wallet.api.filters.predicates import (
    ALL,
    ANY,
    FLAG,
    FLAG_OPERANDS,
    JSON,
    LIST,
    NULL_AWARE,
    PREDICATES,
    SUFFIXES,
    Predicate,
    condition,
    negated,
)
from wallet.api.filters.relations import SUBSTRING_LOOKUPS, as_membership, via_related_ids
from wallet.api.filters.spec import MAX_FILTERS, FilterSpec, invalid
from wallet.api.filters.values import coerce, parse_flag, split_list
from wallet.validators import has_nul

RANGE_FILTERS = {
    "created_at_from": ("created_at", "gte"),
    "created_at_to": ("created_at", "lte"),
    "updated_at_from": ("updated_at", "gte"),
    "updated_at_to": ("updated_at", "lte"),
}
_FILTER_KEY = re.compile(r"^filter\[([^\[\]]*)\](?:\[([^\[\]]*)\])?$")


class SqlForms(NamedTuple):
    """How :func:`condition` writes a predicate on this database and attribute: ``matches`` in
    Python's linear regex form (SQLite), or ``matches`` as ``LIKE`` and ``start`` as a prefix
    range (PostgreSQL, a column)."""

    python_regex: bool
    sql_like: bool


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
    candidates = [name for name in SUFFIXES if key.endswith(f"_{name}")]
    if not candidates:
        raise invalid(
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
    raise invalid(parameter, detail)


def _values(raw: str, predicate: Predicate, target: Target, parameter: str) -> list[Any]:
    """The coerced values of a condition: one, or a list for in/any/all."""
    if predicate.values in (LIST, ANY, ALL):
        return [coerce(item, target.kind, parameter) for item in split_list(raw, parameter)]
    if predicate.lookup == "like":
        return [raw]
    if predicate.text_only:
        return [coerce(raw, "text", parameter)]
    return [coerce(raw, target.kind, parameter)]


def ransack_condition(
    queryset: QuerySet,
    key: str,
    raw: str,
    spec: FilterSpec,
    parameter: str,
    membership: Callable[[QuerySet], bool] | None = None,
) -> tuple[Q | None, bool]:
    """The ``Q`` of ``filter[q][key]=raw`` (None when the value is empty) and whether it
    crosses a to-many relation. ``membership`` decides, from the related records that match,
    whether a positive condition on a related record's attribute is written as a hashed
    membership test (:mod:`wallet.api.filters.relations`)."""
    attributes, name = parse_condition(key, spec, parameter)
    predicate = PREDICATES[name]
    paths = [(spec.json_fields if name == "jcont" else spec.fields)[a] for a in attributes]
    targets = [resolve_target(queryset, path) for path in paths]
    for attribute, target in zip(attributes, targets, strict=True):
        if predicate.text_only and target.kind != "text":
            raise invalid(
                parameter,
                _("_%(predicate)s applies to text attributes, not to %(attr)r.")
                % {"predicate": name, "attr": attribute},
            )
        if predicate.boolean_only and target.kind != "bool":
            raise invalid(
                parameter,
                _("_%(predicate)s applies to boolean attributes, not to %(attr)r.")
                % {"predicate": name, "attr": attribute},
            )
    if predicate.text_only:
        # Text lookups exist on the related id, not on the foreign key itself.
        paths = [
            f"{path}__pk" if target.relation else path
            for path, target in zip(paths, targets, strict=True)
        ]
    many = any(target.many for target in targets)
    if raw == "":
        return None, many  # Ransack skips conditions without a value
    if has_nul(raw):
        raise invalid(parameter, _("The value contains a NUL character."))

    negate = predicate.negate
    if predicate.values == FLAG:
        negate = negate != (not parse_flag(raw, parameter))
    if predicate.values == JSON:
        document = json_object(raw, parameter)
        supports = connections[queryset.db].features.supports_json_field_contains
        combined = Q()
        for index, path in enumerate(paths):
            q = jcont(path, document, supports, parameter)
            combined = q if index == 0 else combined | q
        return combined, many

    vendor = connections[queryset.db].vendor
    # SQLite's REGEXP is Python's backtracking ``re``: give it the linear form of the pattern.
    python_regex = vendor == "sqlite"
    result: Q | None = None
    for path, target in zip(paths, targets, strict=True):
        # PostgreSQL: ``matches`` as ``UPPER(col) LIKE`` and ``start`` as a range of
        # ``UPPER(col)``, which the text indexes serve.
        sql_like = vendor == "postgresql" and not target.json_key
        forms = SqlForms(python_regex=python_regex, sql_like=sql_like)
        part = _attribute_condition(predicate, name, path, target, raw, negate, parameter, forms)
        if part is None:
            return None, many
        if not negate:

            def positive_on(
                other: str, target: Target = target, forms: SqlForms = forms
            ) -> Q | None:
                """The same condition, not negated, on another path (the related table's)."""
                return _attribute_condition(
                    predicate, name, other, target, raw, False, parameter, forms
                )

            if target.relation and predicate.lookup in SUBSTRING_LOOKUPS:
                part = via_related_ids(queryset, path.removesuffix("__pk"), positive_on) or part
            if membership is not None and predicate.lookup not in NULL_AWARE and not target.many:
                test = as_membership(queryset, path, positive_on, membership)
                part = part if test is None else Q(test)
        result = part if result is None else result | part
    return result, many


def _attribute_condition(
    predicate: Predicate,
    name: str,
    path: str,
    target: Target,
    raw: str,
    negate: bool,
    parameter: str,
    forms: SqlForms,
) -> Q | None:
    """The condition of one predicate on one attribute (None when a list value is empty)."""

    def build(value: Any) -> Q:
        return condition(predicate.lookup, path, value, **forms._asdict())

    if predicate.values == FLAG:
        q = build(FLAG_OPERANDS.get(name))
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
    return negated(q, predicate.lookup, path, target) if negate else q


def _range_path(queryset: QuerySet, attribute: str, spec: FilterSpec) -> str | None:
    """The ORM path of ``created_at``/``updated_at``: whitelisted, or the model's own field."""
    if attribute in spec.fields:
        return spec.fields[attribute]
    names = {f.name for f in queryset.model._meta.concrete_fields}
    return attribute if attribute in names else None


def apply_filters(
    queryset: QuerySet,
    params: Mapping[str, str],
    spec: FilterSpec,
    *,
    membership: Callable[[QuerySet], bool] | None = None,
) -> QuerySet:
    """Apply every ``filter[...]`` parameter of the request to ``queryset``.

    ``membership``: given the related records a condition on a related record's attribute
    matches, whether to write it as a hashed membership test, the form a page that walks the
    list's index reads fastest (the pagination's; never for a count).

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
            raise invalid(
                parameter,
                _("Malformed filter: use filter[q][<attr>_<predicate>] or filter[<attr>]."),
            )
        name, key = match.group(1), match.group(2)
        if name == "q":
            if not key:
                raise invalid(
                    parameter,
                    _("filter[q] needs a condition, such as filter[q][reference_eq]."),
                )
            q, many = ransack_condition(queryset, key, raw, spec, parameter, membership)
        elif key is not None:
            raise invalid(parameter, _("Only filter[q] takes a nested key."))
        else:
            q, many = _simple_condition(queryset, name, raw, spec, parameter)
        needs_distinct = needs_distinct or many
        if q is not None:
            conditions.append(q)
        if len(conditions) > MAX_FILTERS:
            raise invalid(
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
        ids = split_list(raw, parameter)
        for item in ids:
            coerce(item, "text", parameter)
        return (Q(pk__in=ids) if ids else None), False
    if name in RANGE_FILTERS:
        attribute, lookup = RANGE_FILTERS[name]
        path = _range_path(queryset, attribute, spec)
        if path is None:
            raise invalid(parameter, _("This resource has no %(attr)s.") % {"attr": attribute})
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
        raise invalid(parameter, detail)
    path = spec.fields[name]
    target = resolve_target(queryset, path)
    if raw == "":
        return None, target.many
    if "," in raw:
        items = [coerce(item, target.kind, parameter) for item in split_list(raw, parameter)]
        return (Q(**{f"{path}__in": items}) if items else None), target.many
    return Q(**{path: coerce(raw, target.kind, parameter)}), target.many
