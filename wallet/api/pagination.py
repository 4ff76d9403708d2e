"""Pagination: ``page[number]``/``page[size]`` with counts and absolute links, or a cursor.

Page-number pages carry ``meta.record_count``, ``meta.page_count`` and ``links.first/prev/next/
last`` that keep the whole query string (no ``prev`` on the first page, no ``next`` on the last).

Large lists never scan (the README's "Lists at scale"):

- ``meta.record_count`` of a filtered list is exact up to :data:`COUNT_CAP` (2,500) matching
  rows; beyond it the count stops there and answers the cap with
  ``meta.record_count_is_estimate: true`` (and no ``links.last``). On PostgreSQL one query
  counts the matches up to the cap and picks the page's ids among them, whatever index finds
  them (a walk of the sort index could read most of the table to reach matches that sit deep
  in its order); elsewhere a first page that is not full is its own count. Where the planner
  expects at least :data:`ESTIMATE_FLOOR` (3,750) matches, nothing is counted: the page walks
  the sort index (a condition on a related record as a hashed membership test where that
  reads less: :meth:`JsonApiPagination.page_walk`) and ``record_count`` is the planner's
  estimate, flagged the same way.
  Unfiltered lists and a customer's own records are counted exactly (an unfiltered list from
  the optional trigger-kept counts of :mod:`wallet.record_counts` when they are on).
- Every page-number list also takes ``page[after]=<cursor>``: a keyset seek on the list's
  sort key with the id as tiebreak (:mod:`wallet.api.cursors`), ``links.next`` carrying the
  next cursor (opaque), no count. Its pages answer ``meta.page_size`` only.
- A page number whose offset passes :data:`MAX_OFFSET` rows (and is not past a known end)
  answers 400 ``INVALID_PAGE`` pointing at ``page[after]``; the page before the limit has a
  ``next`` cursor link.

Event stores are append-only and large: they page with ``page[after]=<id>``/``page[size]``;
``page[number]=1`` (which Commerce Layer's SDK always sends) is their first page, and any other
page number a 400 that points to ``page[after]``.
"""

import json
from collections.abc import Callable
from functools import cache
from math import ceil
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import connections
from django.db.models import F, Model, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from wallet import record_counts
from wallet.api.cursors import AFTER, decode_cursor, encode_cursor, keyset, list_ordering, row_key
from wallet.api.errors import bad_parameter
from wallet.api.filters import apply_filters
from wallet.conf import wallet_settings

NUMBER = "page[number]"
SIZE = "page[size]"

# Matching rows counted exactly; past it, ``record_count`` is this cap, flagged an estimate.
# An exact count reads every match: at a million rows, 10,000 of them cost more than the whole
# plain list request (3.7 ms for the cards of 500 customers, 7-12 ms through a trigram index,
# against 4-5 ms), so no filter near that many matches could stay within twice a plain list.
COUNT_CAP = 2_500
# Rows a page number may skip (OFFSET); deeper pages go through the ``page[after]`` cursor.
MAX_OFFSET = 10_000
# Matches the planner must expect before a filtered list is not counted at all (PostgreSQL):
# far enough above the cap that a planner's error rarely crosses it; below it, the capped count.
ESTIMATE_FLOOR = 3_750


def _positive_int(query_params: Any, name: str, default: int, maximum: int | None) -> int:
    raw = query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_parameter(
            "INVALID_PAGE", name, _("%(name)s must be a positive integer") % {"name": name}
        ) from None
    if value < 1 or str(value) != raw.strip().lstrip("+"):
        raise bad_parameter(
            "INVALID_PAGE", name, _("%(name)s must be a positive integer") % {"name": name}
        )
    if maximum is not None and value > maximum:
        raise bad_parameter(
            "INVALID_PAGE",
            name,
            _("%(name)s must be at most %(max)s") % {"name": name, "max": maximum},
        )
    return value


def _check_keys(query_params: Any, allowed: set[str]) -> None:
    for key in query_params:
        if key.startswith("page") and key not in allowed:
            raise bad_parameter(
                "INVALID_PAGE", key, _("%(name)s is not a page parameter") % {"name": key}
            )


def page_link(url: str, **params: Any) -> str:
    """``url`` with the given query parameters replaced (``None`` removes one), brackets kept."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    pairs += [(k, str(v)) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="[],:")))


def _page_size(query_params: Any) -> int:
    return _positive_int(
        query_params, SIZE, wallet_settings.PAGE_SIZE, wallet_settings.MAX_PAGE_SIZE
    )


def _check_cursor_number(query_params: Any) -> None:
    """On a cursor list, ``page[number]`` may only be 1: the first page."""
    raw = query_params.get(NUMBER)
    if raw is not None and raw.strip().lstrip("+") != "1":
        raise bad_parameter(
            "INVALID_PAGE",
            NUMBER,
            _(
                "This list is paginated with a cursor: page[number] can only be 1 (the first "
                "page); use page[after] with the id of the last record of a page for the next."
            ),
        )


def validate_page_params(query_params: Any, *, cursor: bool) -> None:
    """Refuse bad page parameters before any query runs."""
    if cursor:
        _check_keys(query_params, {AFTER, SIZE, NUMBER})
        _check_cursor_number(query_params)
    else:
        _check_keys(query_params, {NUMBER, SIZE, AFTER})
        if AFTER in query_params and NUMBER in query_params:
            raise bad_parameter(
                "INVALID_PAGE", NUMBER, _("page[number] and page[after] cannot be combined")
            )
        _positive_int(query_params, NUMBER, 1, None)
    _page_size(query_params)


def paginate_after(
    queryset: QuerySet, query_params: Any, url: str
) -> tuple[list[Model], dict[str, Any], dict[str, str]]:
    """One page after the ``page[after]`` cursor (or the first), in the list's own order."""
    size = _page_size(query_params)
    ordering = list_ordering(queryset)
    queryset = queryset.order_by(*ordering)
    cursor = query_params.get(AFTER)
    if cursor:
        queryset = keyset(queryset, ordering, decode_cursor(queryset, ordering, cursor))
    rows = list(queryset[: size + 1])
    links = {"first": page_link(url, **{AFTER: None, NUMBER: 1, SIZE: size})}
    if len(rows) > size:
        rows = rows[:size]
        links["next"] = page_link(
            url, **{AFTER: encode_cursor(ordering, row_key(rows[-1], ordering)), SIZE: size}
        )
    return rows, {"page_size": size}, links


# --- page numbers ---------------------------------------------------------------------------


def capped_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """The number of rows of ``queryset`` counted up to ``cap`` (:data:`COUNT_CAP`), and
    whether it went past: ``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` reads at most ``cap + 1``
    matching rows."""
    cap = COUNT_CAP if cap is None else cap
    # Only the ids: the joins of annotations go (PostgreSQL drops unused to-one LEFT JOINs).
    count = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if count > cap else (count, False)


def planned_rows(queryset: QuerySet) -> int | None:
    """The planner's estimate of the rows of ``queryset`` (PostgreSQL), without running it.

    ``EXPLAIN`` of the same ``SELECT id`` the capped count reads: planning only, no row read.
    ``None`` on other databases.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def counted_page_ids(
    queryset: QuerySet, ordering: list[str], offset: int, size: int
) -> tuple[int, list[Any]]:
    """PostgreSQL: the rows of ``queryset`` counted up to :data:`COUNT_CAP` + 1, and the ids of
    the page at ``offset`` under ``ordering`` (:func:`~wallet.api.cursors.list_ordering`) among
    them, in one query that reads at most the cap + 1 matches (``WITH matches AS
    MATERIALIZED (… LIMIT cap + 1) SELECT (SELECT COUNT(*) FROM matches), ARRAY(SELECT id FROM
    matches ORDER BY <sort> LIMIT size OFFSET offset)``).

    The matches are gathered by whichever index finds them, then the page is picked by a top-N
    sort that keeps ``offset + size`` rows (an ordered ``ARRAY_AGG`` sorted them all and built
    an array of every id). Unlike a walk of the list's sort index, that costs the same wherever
    the matches sit in the sort order: references and ids grow with ``created_at``, so a walk
    from the newest row may read most of the table before it meets a selective filter's
    matches. The ids are the page only when the count is at most the cap.
    """
    # No page past the cap + 1 has matches, and a huge page number must not reach OFFSET.
    offset = min(offset, COUNT_CAP + 1)
    columns = {"page_row_id": F("pk")}
    columns.update({f"page_key_{i}": F(item.lstrip("-")) for i, item in enumerate(ordering)})
    matches = queryset.order_by().values(**columns)[: COUNT_CAP + 1]
    inner_sql, inner_params = matches.query.sql_with_params()
    order_sql = ", ".join(
        f'"page_key_{i}" {"DESC" if item.startswith("-") else "ASC"}'
        for i, item in enumerate(ordering)
    )
    # Only aliases and directions are formatted in; every value is a parameter.
    sql = (
        f"WITH matches AS MATERIALIZED ({inner_sql}) "  # noqa: S608
        'SELECT (SELECT COUNT(*) FROM matches), ARRAY(SELECT "page_row_id" FROM matches '
        f"ORDER BY {order_sql} LIMIT %s OFFSET %s)"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, (*inner_params, size, offset))
        count, ids = cursor.fetchone()
    return count, list(ids or [])


def _filtered_page(
    queryset: QuerySet,
    offset: int,
    size: int,
    unfiltered: QuerySet | None = None,
    walk: Callable[[int, int], QuerySet] | None = None,
) -> tuple[int, bool, list[Model] | None]:
    """A filtered list's ``record_count``, whether it is an estimate, and the page rows (``None``
    where the page is past :data:`MAX_OFFSET`, not read). ``unfiltered`` is the list before
    its filters (its scope): the page read by id is read from it. ``walk`` gives the same
    list in the form a walk of its sort index reads fastest (conditions on a related record as
    hashed membership tests: :mod:`wallet.api.filters.relations`).

    - Where PostgreSQL's planner expects at least :data:`ESTIMATE_FLOOR` matches, nothing is
      counted: the page walks the list's sort index (through ``walk``), and the count is the
      planner's (exact if the page is the last one).
    - Elsewhere on PostgreSQL, :func:`counted_page_ids` counts the matches up to the cap and
      picks the page's ids among them; the page is read by id. Past the cap, the page walks
      the sort index as above and the count is the cap, flagged.
    - On other databases, the page, then (when it is full) :func:`capped_count`.
    """
    planned = planned_rows(queryset)
    readable = offset <= MAX_OFFSET
    source = queryset
    if planned is not None and planned < max(ESTIMATE_FLOOR, COUNT_CAP + 1):
        ordering = list_ordering(queryset)
        count, ids = counted_page_ids(queryset, ordering, offset, size)
        if count <= COUNT_CAP:
            # Without the filters, which are the matches' and would let the planner reach these
            # few ids through a filter's index (all its matches) instead of the primary key.
            source = queryset if unfiltered is None else unfiltered
            page = source.filter(pk__in=ids).order_by(*ordering)[:size]
            return count, False, list(page) if ids else []
        count, estimate = COUNT_CAP, True
    elif planned is not None:
        count, estimate = planned, True
        source = queryset if walk is None else walk(planned, offset + size)
    rows = list(source[offset : offset + size]) if readable else None
    if rows is not None and len(rows) < size and (rows or offset == 0):
        return offset + len(rows), False, rows  # the page holds the last match
    if planned is None:
        count, estimate = capped_count(queryset)
    return count, estimate, rows


def paginate_numbers(
    queryset: QuerySet,
    query_params: Any,
    url: str,
    *,
    total: int | None = None,
    exact: bool = False,
    unfiltered: QuerySet | None = None,
    walk: Callable[[int, int], QuerySet] | None = None,
) -> tuple[list[Model], dict[str, Any], dict[str, str]]:
    """One page of ``queryset``: the rows, ``meta`` and ``links``.

    ``total``, when given, is the row count of ``queryset`` and replaces the count (so do the
    kept counts of :mod:`wallet.record_counts` for a mode-wide list). A filtered list is paged
    and counted by :func:`_filtered_page`. ``exact`` (a customer's own records) and unfiltered
    lists count every row.
    With ``page[after]`` the page is a keyset seek (:func:`paginate_after`).
    """
    _check_keys(query_params, {NUMBER, SIZE, AFTER})
    if AFTER in query_params:
        if NUMBER in query_params:
            raise bad_parameter(
                "INVALID_PAGE", NUMBER, _("page[number] and page[after] cannot be combined")
            )
        return paginate_after(queryset, query_params, url)
    number = _positive_int(query_params, NUMBER, 1, None)
    size = _page_size(query_params)
    offset = (number - 1) * size
    estimate = False
    rows: list[Model] | None = None
    if total is None:
        total = record_counts.known_total(queryset)
    if total is not None:
        count = total
    elif exact or not any(key.startswith("filter") for key in query_params):
        count = queryset.count()  # a customer's own records, an unfiltered list: exact
    else:
        count, estimate, rows = _filtered_page(queryset, offset, size, unfiltered, walk)
    page_count = ceil(count / size)
    if offset > MAX_OFFSET and (estimate or offset < count):
        raise bad_parameter(
            "INVALID_PAGE",
            NUMBER,
            _(
                "page[number] reaches at most %(max)d rows deep; page on with page[after], "
                "the cursor of links.next"
            )
            % {"max": MAX_OFFSET},
        )
    if rows is None:
        # A page past the end is empty without asking the database (huge offsets overflow it).
        rows = list(queryset[offset : offset + size]) if estimate or offset < count else []
    last = max(page_count, 1)
    links = {"first": page_link(url, **{NUMBER: 1, SIZE: size})}
    if number > 1:
        links["prev"] = page_link(url, **{NUMBER: min(number - 1, last), SIZE: size})
    has_next = len(rows) == size and (estimate or number < page_count)
    if has_next and number * size > MAX_OFFSET:
        ordering = list_ordering(queryset)
        cursor = encode_cursor(ordering, row_key(rows[-1], ordering))
        links["next"] = page_link(url, **{NUMBER: None, AFTER: cursor, SIZE: size})
    elif has_next:
        links["next"] = page_link(url, **{NUMBER: number + 1, SIZE: size})
    meta: dict[str, Any] = {"record_count": count, "page_count": page_count}
    if estimate:
        meta["record_count_is_estimate"] = True
    else:
        links["last"] = page_link(url, **{NUMBER: last, SIZE: size})
    return rows, meta, links


def paginate_cursor(
    queryset: QuerySet, query_params: Any, url: str
) -> tuple[list[Model], dict[str, Any], dict[str, str]]:
    """One page after the ``page[after]`` cursor, oldest first, without counting the table."""
    _check_keys(query_params, {AFTER, SIZE, NUMBER})
    _check_cursor_number(query_params)
    size = _page_size(query_params)
    after = query_params.get(AFTER)
    if after is not None:
        anchor = queryset.filter(pk=after).values_list("created_at", flat=True).first()
        if anchor is None:
            raise bad_parameter("INVALID_PAGE", AFTER, _("page[after] is not a known cursor"))
        queryset = queryset.filter(Q(created_at__gt=anchor) | Q(created_at=anchor, pk__gt=after))
    rows = list(queryset.order_by("created_at", "pk")[: size + 1])
    links = {"first": page_link(url, **{AFTER: None, NUMBER: None, SIZE: size})}
    if len(rows) > size:
        rows = rows[:size]
        links["next"] = page_link(url, **{AFTER: rows[-1].pk, NUMBER: None, SIZE: size})
    return rows, {"page_size": size}, links


# --- the DRF pagination class of the viewsets -----------------------------------------------


class JsonApiPagination(BasePagination):
    """Pages of a list route: page numbers with counts, or the cursor of event stores.

    The listed type (``view.listed_resource()``) says which: its ``cursor_paginated`` flag.
    ``view.known_total()`` may give the row count of an unfiltered list (kept by triggers),
    which spares the ``COUNT(*)``; a customer's own records are counted exactly. ``meta`` and
    ``links`` go on the document the viewset built.
    """

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.links: dict[str, str] = {}

    def check_parameters(self, request: Request, view: Any) -> None:
        """Refuse bad ``page[...]`` parameters before the filters run any query."""
        cursor = view.listed_resource().cursor_paginated
        validate_page_params(request.query_params, cursor=cursor)

    # Narrower than DRF's signature (a QuerySet or a list): the viewsets pass their QuerySet.
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Model]:
        """The rows of the requested page; its ``meta`` and ``links`` are kept for the response."""
        url = request.build_absolute_uri()
        if view.listed_resource().cursor_paginated:
            rows, self.meta, self.links = paginate_cursor(queryset, request.query_params, url)
        else:
            rows, self.meta, self.links = paginate_numbers(
                queryset,
                request.query_params,
                url,
                total=view.known_total(),
                exact=view.access.scope.is_customer,  # a customer's own records: never capped
                unfiltered=getattr(view, "unfiltered_queryset", None),
                walk=self.page_walk(queryset, request, view),
            )
        return rows

    @staticmethod
    def page_walk(
        queryset: QuerySet, request: Request, view: Any
    ) -> Callable[[int, int], QuerySet] | None:
        """The list refiltered, in its order, for a page that walks its sort index: given the
        planner's matches and the rows the page reaches, a condition on a related record is a
        hashed membership test where fewer related records match than the walk would look up
        one by one (:mod:`wallet.api.filters.relations`). None without the unfiltered scope."""
        unfiltered = getattr(view, "unfiltered_queryset", None)
        if unfiltered is None:
            return None
        spec = view.listed_resource().filters
        ordering = queryset.query.order_by

        def build(matches: int, reach: int) -> QuerySet:
            @cache
            def walked_rows() -> float:
                """The rows walked to reach the page, at the planner's density of matches."""
                return reach * (planned_rows(unfiltered) or 0) / max(matches, 1)

            def worth_hashing(related: QuerySet) -> bool:
                return (planned_rows(related) or 0) < walked_rows()

            walked = apply_filters(unfiltered, request.query_params, spec, membership=worth_hashing)
            return walked.order_by(*ordering) if ordering else walked

        return build

    def get_paginated_response(self, data: dict[str, Any]) -> Response:
        """The list document ``data`` with the page's ``meta`` and ``links``."""
        return Response({**data, "meta": self.meta, "links": self.links})
