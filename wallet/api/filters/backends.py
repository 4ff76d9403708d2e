"""The DRF filter backends of the viewsets: Ransack ``filter[...]`` and ``sort``.

Both read what the listed type whitelists (``view.listed_resource().filters``) and answer a
refused parameter as a 400 JSON:API error naming it.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from wallet.api.errors import bad_parameter
from wallet.api.filters.ransack import apply_filters
from wallet.api.filters.sorting import parse_sort
from wallet.api.filters.spec import QueryError


class RansackFilterBackend(BaseFilterBackend):
    """``filter[q][<attr>_<predicate>]``, ``filter[ids]``, date bounds and ``filter[<attr>]``."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        """``queryset`` with every ``filter[...]`` parameter of the request applied."""
        try:
            return apply_filters(queryset, request.query_params, view.listed_resource().filters)
        except QueryError as exc:
            raise bad_parameter(exc.code, exc.parameter, exc.detail) from exc


class SortBackend(BaseFilterBackend):
    """``sort=-created_at,reference``, else the type's default order; event stores keep theirs.

    A queryset already ordered by its selector keeps that order unless ``sort`` is given.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        """``queryset`` in the requested (or default) order, ending with the primary key."""
        resource = view.listed_resource()
        params = request.query_params
        if resource.cursor_paginated:
            if "sort" in params:
                raise bad_parameter("INVALID_SORT", "sort", _("Event stores cannot be sorted."))
            return queryset
        if "sort" not in params and queryset.query.order_by:
            return queryset
        try:
            ordering = parse_sort(
                params.get("sort"), resource.filters, default=resource.default_ordering
            )
        except QueryError as exc:
            raise bad_parameter(exc.code, exc.parameter, exc.detail) from exc
        return queryset.order_by(*ordering)
