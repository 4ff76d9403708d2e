"""What a resource lets clients filter and sort on, and the error a refused parameter raises."""

from dataclasses import dataclass, field


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


# Bounds that keep every query within what the databases parse (SQLite refuses expression
# trees deeper than 1000): values of one list condition (or keys of a _jcont object where it
# becomes key paths), and filter parameters of one request.
MAX_VALUES = 100
MAX_FILTERS = 50


def invalid(parameter: str, detail: str) -> QueryError:
    """An ``INVALID_FILTER`` error naming ``parameter``."""
    return QueryError("INVALID_FILTER", parameter, detail)
