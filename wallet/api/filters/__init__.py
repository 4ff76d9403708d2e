"""The JSON:API query language of Commerce Layer: Ransack filters and sort keys.

A package by engine: ``spec`` (what a resource whitelists, the error), ``fields`` (what an ORM
path points at), ``values`` (coercion), ``predicates`` (the predicate table), ``like`` (LIKE
patterns), ``containment`` (``_jcont``), ``relations`` (a condition on a related record as a
hashed membership test, for a page that walks its list's index), ``ransack`` (``filter[...]``
parameters), ``sorting`` (``sort``) and ``backends`` (the DRF filter backends of the viewsets).

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

from wallet.api.filters.like import like_to_regex
from wallet.api.filters.ransack import apply_filters
from wallet.api.filters.sorting import parse_sort
from wallet.api.filters.spec import MAX_FILTERS, MAX_VALUES, FilterSpec, QueryError

__all__ = [
    "MAX_FILTERS",
    "MAX_VALUES",
    "FilterSpec",
    "QueryError",
    "apply_filters",
    "like_to_regex",
    "parse_sort",
]
