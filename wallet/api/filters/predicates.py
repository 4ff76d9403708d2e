"""The Ransack predicate table and the ``Q`` condition each predicate builds."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from wallet.api.filters.fields import Target
from wallet.api.filters.like import like_to_regex

ONE, LIST, ANY, ALL, FLAG, JSON = "one", "list", "any", "all", "flag", "json"


@dataclass(frozen=True)
class Predicate:
    """One Ransack predicate: the condition it builds, whether it is negated, its value kind.

    ``lookup`` is a Django lookup, or one of the composite conditions ``like``,
    ``exact_or_null``, ``present`` and ``jcont`` built in :func:`condition`.
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
SUFFIXES = sorted(PREDICATES, key=len, reverse=True)
# Conditions whose negation is a plain NOT (they are about NULL themselves).
NULL_AWARE = {"isnull", "present", "exact_or_null"}

# The operand of the flag predicates (present/blank have none).
FLAG_OPERANDS = {"null": True, "not_null": True, "true": True, "false": False}


def condition(lookup: str, path: str, value: Any, *, python_regex: bool = False) -> Q:
    """The positive condition of one predicate on one path."""
    if lookup == "like":
        return Q(**{f"{path}__iregex": like_to_regex(value, python=python_regex)})
    if lookup == "exact_or_null":
        return Q(**{path: value}) | Q(**{f"{path}__isnull": True})
    if lookup == "present":
        return Q(**{f"{path}__isnull": False}) & ~Q(**{path: ""})
    return Q(**{f"{path}__{lookup}": value})


def negated(q: Q, lookup: str, path: str, target: Target) -> Q:
    """NOT ``q``; a negated comparison does not match NULL, as in SQL."""
    if lookup in NULL_AWARE or not target.nullable:
        return ~q
    return ~q & Q(**{f"{path}__isnull": False})
