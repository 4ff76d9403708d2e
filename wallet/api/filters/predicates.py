"""The Ransack predicate table and the ``Q`` condition each predicate builds."""

import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Lookup, Q

from wallet.api.filters.fields import Target
from wallet.api.filters.like import like_to_regex, like_to_sql, split_literal_prefix

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


class _UpperLookup(Lookup):
    """``UPPER(col::text) <operator> UPPER(operand)``, the form the text indexes serve."""

    operator = ""
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        """The SQL of the condition and its parameters."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"UPPER({lhs}::text) {self.operator} UPPER({rhs})", (*lhs_params, *rhs_params)


_TRIGRAM_INDEXES = """
SELECT t.relname, pg_get_expr(i.indexprs, i.indrelid)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_class x ON x.oid = i.indexrelid
JOIN pg_am am ON am.oid = x.relam
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE am.amname = 'gin' AND i.indexprs IS NOT NULL AND n.nspname = current_schema()
"""
_UPPER_COLUMN = re.compile(r'^upper\(\(?"?(\w+)"?\)?(?:::text)?\)$')
_trigram_columns: dict[str, frozenset[tuple[str, str]]] = {}


def has_trigram_index(connection: Any, field: models.Field) -> bool:
    """Whether PostgreSQL has a GIN index on ``UPPER(column)`` of ``field`` (a trigram index of
    the search migrations). The catalog is read once per database alias and process."""
    columns = _trigram_columns.get(connection.alias)
    if columns is None:
        with connection.cursor() as cursor:
            cursor.execute(_TRIGRAM_INDEXES)
            found = [(table, _UPPER_COLUMN.match(expr or "")) for table, expr in cursor.fetchall()]
        columns = frozenset((table, match.group(1)) for table, match in found if match)
        _trigram_columns[connection.alias] = columns
    return (field.model._meta.db_table, field.column) in columns


@models.CharField.register_lookup
@models.TextField.register_lookup
class UpperLike(_UpperLookup):
    """``UPPER(col::text) LIKE UPPER(pattern)``: ``matches`` where the database has ``LIKE``
    with backslash escapes (PostgreSQL).

    The left side is exactly what Django's ``icontains`` builds there, so the same trigram GIN
    (any pattern with three literal characters in a row) and ``text_pattern_ops`` (a literal
    prefix) indexes on ``UPPER(col)`` serve it; a regular expression would need indexes of its
    own. The pattern is a parameter in the form :func:`like_to_sql` gives it.
    """

    lookup_name = "wallet_upper_like"
    operator = "LIKE"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        """The SQL of the condition; a pattern with a literal prefix is split between indexes.

        ``SRC%986`` reads as a prefix of ``SRC`` (:func:`prefix_condition`: the prefix btree),
        ``LIKE '%986'`` (the trigram index) and the whole pattern as a check no
        index serves (``(… LIKE …) IS TRUE``): prefixes are often shared by every row, and a
        trigram scan of ``SRC`` reads the index entries of the whole table.
        """
        prefix, rest = split_literal_prefix(self.rhs)
        target = getattr(self.lhs, "target", None)
        if not prefix or not rest or target is None or not has_trigram_index(connection, target):
            # No trigram index to spare (a status, say): the whole pattern estimates best.
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        column = f"UPPER({lhs}::text)"
        starts, starts_params = prefix_condition(column, lhs_params, prefix)
        sql = f"({starts} AND {column} LIKE UPPER(%s) AND ({column} LIKE UPPER(%s)) IS TRUE)"
        unanchored = rest if rest.startswith("%") else "%" + rest
        return sql, (*starts_params, *lhs_params, unanchored, *lhs_params, self.rhs)


def prefix_condition(column: str, column_params: Any, prefix: str) -> tuple[str, tuple[Any, ...]]:
    """SQL for "``column`` (an ``UPPER(…)`` expression) starts with ``UPPER(prefix)``".

    As the range ``column ~>=~ UPPER(prefix) AND column ~<~ <its successor>`` (the successor:
    the last character's code point plus one), which ``text_pattern_ops`` compares byte-wise,
    so it holds exactly the strings that start with the prefix, and the btree on ``(mode,
    UPPER(col))`` answers it alone. ``^@`` would be served by the same range and then checked
    again on every row it finds, recomputing ``UPPER(col)``: twice the cost of a count of
    10,000 matches. The planner estimates the range by interpolating the column's histogram;
    it estimates ``^@`` from the sampled values that match, which can fall to its floor of
    0.01 % (both depend on the sample ``ANALYZE`` took). An empty prefix, or one that ends past
    the ASCII range (whose successor's encoding this does not vouch for), keeps ``^@``.
    """
    if not prefix or not prefix[-1].isascii():
        return f"{column} ^@ UPPER(%s)", (*column_params, prefix)
    bound = "UPPER(%s)"
    successor = f"(left({bound}, -1) || chr(ascii(right({bound}, 1)) + 1))"
    sql = f"({column} ~>=~ {bound} AND {column} ~<~ {successor})"
    return sql, (*column_params, prefix, *column_params, prefix, prefix)


@models.CharField.register_lookup
@models.TextField.register_lookup
class UpperStartsWith(_UpperLookup):
    """``UPPER(col::text)`` starts with ``UPPER(prefix)``: ``_start`` (PostgreSQL), as the range
    of :func:`prefix_condition`.

    Only the ``text_pattern_ops`` btree on ``(mode, UPPER(col))`` serves it, not the trigram
    index: prefixes are often alike (ids, ``XXXX-XXXX-…`` names, ``tok_`` tokens), and a
    trigram bitmap of a prefix such as ``c00000c2`` reads most of the table where the range
    reads the matches.
    """

    lookup_name = "wallet_upper_starts_with"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        """The SQL of the condition and its parameters."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return prefix_condition(f"UPPER({lhs}::text)", lhs_params, self.rhs)


def condition(
    lookup: str,
    path: str,
    value: Any,
    *,
    python_regex: bool = False,
    sql_like: bool = False,
) -> Q:
    """The positive condition of one predicate on one path.

    With ``sql_like`` (PostgreSQL, a column of text) ``matches`` is ``UPPER(col) LIKE
    UPPER(pattern)`` and ``start`` a prefix range on ``UPPER(col)``; elsewhere ``matches`` is
    a case-insensitive regular expression (``python_regex``: in the linear form Python's engine
    needs, for SQLite's ``REGEXP``).
    """
    if lookup == "like" and sql_like:
        return Q(**{f"{path}__{UpperLike.lookup_name}": like_to_sql(value)})
    if lookup == "istartswith" and sql_like:
        return Q(**{f"{path}__{UpperStartsWith.lookup_name}": value})
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
