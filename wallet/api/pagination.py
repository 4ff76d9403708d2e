"""Pagination: ``page[number]``/``page[size]`` with counts and absolute links, or a cursor.

Page-number pages carry ``meta.record_count``, ``meta.page_count`` and ``links.first/prev/next/
last`` that keep the whole query string (no ``prev`` on the first page, no ``next`` on the last).
Event stores are append-only and large: they page with ``page[after]=<id>``/``page[size]``;
``page[number]=1`` (which Commerce Layer's SDK always sends) is their first page, and any other
page number a 400 that points to ``page[after]``.
"""

from math import ceil
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from wallet.api.errors import bad_parameter
from wallet.conf import wallet_settings

NUMBER = "page[number]"
SIZE = "page[size]"
AFTER = "page[after]"


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
        _check_keys(query_params, {NUMBER, SIZE})
        _positive_int(query_params, NUMBER, 1, None)
    _page_size(query_params)


def paginate_numbers(
    queryset: QuerySet, query_params: Any, url: str, *, total: int | None = None
) -> tuple[list[Model], dict[str, Any], dict[str, str]]:
    """One page of ``queryset``: the rows, ``meta`` and ``links`` (two queries).

    ``total``, when given, is the row count of ``queryset`` and replaces the ``COUNT(*)``.
    """
    _check_keys(query_params, {NUMBER, SIZE})
    number = _positive_int(query_params, NUMBER, 1, None)
    size = _page_size(query_params)
    count = queryset.count() if total is None else total
    page_count = ceil(count / size)
    offset = (number - 1) * size
    # A page past the end is empty without asking the database (huge offsets overflow it).
    rows = list(queryset[offset : offset + size]) if offset < count else []
    last = max(page_count, 1)
    links = {"first": page_link(url, **{NUMBER: 1, SIZE: size})}
    if number > 1:
        links["prev"] = page_link(url, **{NUMBER: min(number - 1, last), SIZE: size})
    if number < page_count:
        links["next"] = page_link(url, **{NUMBER: number + 1, SIZE: size})
    links["last"] = page_link(url, **{NUMBER: last, SIZE: size})
    return rows, {"record_count": count, "page_count": page_count}, links


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
