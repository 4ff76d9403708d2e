"""``sort``: whitelisted keys as ``order_by`` arguments, ending with the primary key."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from wallet.api.filters.spec import FilterSpec, QueryError

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
