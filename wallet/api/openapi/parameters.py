"""Query parameters of the API, from each resource's relationships, fields and filter spec.

``include`` lists every path the server accepts (``wallet.api.document`` bounds), ``fields[type]``
every readable attribute and relationship, ``sort`` every sort key (``-`` for descending),
``filter[q]`` the Ransack keys as a pattern over the filterable attributes and predicates,
``filter[<attr>]`` the equality filters, and ``page[...]`` the page sizes of the settings.
"""

import re
from typing import Any

from wallet.api.document import MAX_INCLUDE_DEPTH, MAX_INCLUDE_PATHS
from wallet.api.filters.predicates import PREDICATES
from wallet.api.filters.ransack import RANGE_FILTERS
from wallet.api.openapi.objects import reachable_types
from wallet.api.resources import RESOURCES, Resource
from wallet.conf import wallet_settings

COMMA_LIST = {"style": "form", "explode": False}


def param_ref(name: str) -> dict[str, str]:
    """A ``$ref`` to a component parameter."""
    return {"$ref": f"#/components/parameters/{name}"}


def include_paths(resource: Resource, depth: int = MAX_INCLUDE_DEPTH) -> list[str]:
    """Every ``include`` path of ``resource`` at most ``depth`` relationships deep."""
    paths: list[str] = []
    if depth == 0:
        return paths
    for rel in resource.relationships:
        if rel.includable:
            paths.append(rel.name)
            paths += [f"{rel.name}.{p}" for p in include_paths(RESOURCES[rel.target], depth - 1)]
    return paths


def _alternatives(names: list[str]) -> str:
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


def ransack_patterns(resource: Resource) -> dict[str, dict[str, Any]]:
    """``filter[q]`` keys: ``<attr>(_or_<attr>)*_<predicate>``, and ``_jcont`` on JSON ones."""
    spec = resource.filters
    patterns = {}
    if spec.fields:
        attrs = _alternatives(list(spec.fields))
        predicates = _alternatives([name for name in PREDICATES if name != "jcont"])
        patterns[f"^({attrs})(_or_({attrs}))*_({predicates})$"] = {"type": "string"}
    if spec.json_fields:
        attrs = _alternatives(list(spec.json_fields))
        patterns[f"^({attrs})(_or_({attrs}))*_jcont$"] = {
            "type": "string",
            "description": "A JSON object the attribute contains.",
        }
    return patterns


def _examples(resource: Resource) -> dict[str, str]:
    key = next(iter(resource.filters.fields), "id")
    return {f"{key}_eq": "xYZkjABcde"}


def resource_parameters(resource: Resource) -> dict[str, Any]:
    """The component parameters of one resource type (named ``<type>.<parameter>``)."""
    t = resource.type
    params: dict[str, Any] = {
        f"{t}.fields": {
            "name": f"fields[{t}]",
            "in": "query",
            "description": f"Sparse fieldset of {t}: the attributes and relationships to render.",
            **COMMA_LIST,
            "schema": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "enum": sorted(resource.field_names)},
            },
        }
    }
    paths = include_paths(resource)
    if paths:
        params[f"{t}.include"] = {
            "name": "include",
            "in": "query",
            "description": f"Related resources to include, at most {MAX_INCLUDE_PATHS} paths "
            f"of at most {MAX_INCLUDE_DEPTH} relationships.",
            **COMMA_LIST,
            "schema": {
                "type": "array",
                "maxItems": MAX_INCLUDE_PATHS,
                "items": {"type": "string", "enum": paths},
            },
        }
    spec = resource.filters
    if spec.sortable and not resource.cursor_paginated:
        keys = sorted(spec.sortable)
        params[f"{t}.sort"] = {
            "name": "sort",
            "in": "query",
            "description": "Sort keys, `-` for descending; default: "
            + ", ".join(resource.default_ordering).replace("pk", "id"),
            **COMMA_LIST,
            "schema": {
                "type": "array",
                "items": {"type": "string", "enum": [*keys, *[f"-{k}" for k in keys]]},
            },
        }
    patterns = ransack_patterns(resource)
    if patterns:
        params[f"{t}.filter_q"] = {
            "name": "filter[q]",
            "in": "query",
            "description": "Ransack conditions `filter[q][<attr>(_or_<attr>)*_<predicate>]`. "
            f"Attributes: {', '.join(sorted(spec.fields))}"
            + (
                f"; JSON (`_jcont`): {', '.join(sorted(spec.json_fields))}"
                if spec.json_fields
                else ""
            )
            + f". Predicates: {', '.join(PREDICATES)}.",
            "style": "deepObject",
            "explode": True,
            "schema": {
                "type": "object",
                "patternProperties": patterns,
                "additionalProperties": False,
            },
            "example": _examples(resource),
        }
    for name in spec.fields:
        params[f"{t}.filter.{name}"] = {
            "name": f"filter[{name}]",
            "in": "query",
            "description": f"{name} equals the value (a comma-separated value: one of them).",
            "schema": {"type": "string"},
        }
    return params


def collection_parameter_names(resource: Resource) -> list[str]:
    """The component parameter names a list of ``resource`` takes (filters, sort, pages)."""
    t = resource.type
    names = [f"{t}.filter_q"] if ransack_patterns(resource) else []
    names += [f"{t}.filter.{name}" for name in resource.filters.fields]
    names.append("filter.ids")
    fields = {f.name for f in resource.model._meta.concrete_fields} | set(resource.filters.fields)
    names += [f"filter.{bound}" for bound, (attr, _op) in RANGE_FILTERS.items() if attr in fields]
    if f"{t}.sort" in resource_parameters(resource):
        names.append(f"{t}.sort")
    if resource.cursor_paginated:
        names += ["page.after", "page.size", "page.first"]
    else:
        names += ["page.number", "page.size", "page.cursor"]
    return names


def document_parameter_names(resource: Resource) -> list[str]:
    """``include`` and the sparse fieldsets of the types a document of ``resource`` can hold."""
    names = [f"{resource.type}.include"] if include_paths(resource) else []
    types = [resource.type, *reachable_types(resource, MAX_INCLUDE_DEPTH)]
    return names + [f"{name}.fields" for name in dict.fromkeys(types)]


def common_parameters() -> dict[str, Any]:
    """Parameters every list shares: ``filter[ids]``, date bounds and pages."""
    size = wallet_settings.PAGE_SIZE
    maximum = wallet_settings.MAX_PAGE_SIZE
    params: dict[str, Any] = {
        "filter.ids": {
            "name": "filter[ids]",
            "in": "query",
            "description": "Only these ids (comma-separated).",
            "schema": {"type": "string"},
        },
        "page.number": {
            "name": "page[number]",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        "page.size": {
            "name": "page[size]",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": size},
        },
        "page.after": {
            "name": "page[after]",
            "in": "query",
            "description": "The id of the last record of the previous page.",
            "schema": {"type": "string"},
        },
        "page.cursor": {
            "name": "page[after]",
            "in": "query",
            "description": "The cursor of `links.next` (empty for the first page): a page in "
            "the list's order without counting; page numbers reach 10,000 rows deep at most.",
            "schema": {"type": "string"},
        },
        "page.first": {
            "name": "page[number]",
            "in": "query",
            "description": "Only 1, the first page (what Commerce Layer's SDK sends): this list "
            "pages with `page[after]`.",
            "schema": {"type": "integer", "enum": [1]},
        },
    }
    for bound, (attr, lookup) in RANGE_FILTERS.items():
        params[f"filter.{bound}"] = {
            "name": f"filter[{bound}]",
            "in": "query",
            "description": f"{attr} {'at or after' if lookup == 'gte' else 'at or before'} "
            "this time (ISO 8601).",
            "schema": {"type": "string", "format": "date-time"},
        }
    return params


def all_parameters() -> dict[str, Any]:
    """``components.parameters``."""
    params = common_parameters()
    for resource in RESOURCES.values():
        params.update(resource_parameters(resource))
    return params
