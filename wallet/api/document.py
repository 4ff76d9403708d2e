"""Building JSON:API documents: resource objects, compound documents and the query they obey.

Resource objects look exactly like Commerce Layer's: ``id``, ``type``,
absolute ``links.self``, ``attributes`` in the documented order, ``relationships`` carrying only
``links.self``/``links.related`` (plus ``data`` when the relationship is included), and
``meta.mode``. Relationship links never touch the database; included resources are loaded one
query per relationship of the include tree, whatever the number of rows.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from django.db.models import F, Model, QuerySet, Window
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber
from django.db.models.lookups import In
from django.db.models.sql.where import WhereNode
from django.utils.translation import gettext as _

from wallet.api.errors import bad_parameter
from wallet.api.resources import RESOURCES, Relationship, Resource
from wallet.selectors import Scope

IncludeTree = dict[str, "IncludeTree"]

# Bounds of ``include``: relationships per path (``a.b.c`` is 3) and paths per request.
MAX_INCLUDE_DEPTH = 3
MAX_INCLUDE_PATHS = 10
# Related records of one parent an ``include`` of a to-many relationship returns; past it the
# relationship says ``meta.included_limit`` and ``meta.has_more`` (its ``links.related`` pages
# through all of them).
MAX_INCLUDED_PER_PARENT = 25


def format_datetime(value: datetime | None) -> str | None:
    """Render a timestamp as UTC ISO-8601 with milliseconds and ``Z``."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_include(value: str | None, resource: Resource) -> IncludeTree:
    """Parse ``include=a,b.c`` into a tree, refusing any path that is not includable.

    At most ``MAX_INCLUDE_PATHS`` paths, each at most ``MAX_INCLUDE_DEPTH`` relationships deep.
    """
    tree: IncludeTree = {}
    if value is None:
        return tree
    paths = value.split(",")
    if len(paths) > MAX_INCLUDE_PATHS:
        raise bad_parameter(
            "INVALID_INCLUDE",
            "include",
            _("include takes at most %(limit)d paths") % {"limit": MAX_INCLUDE_PATHS},
        )
    for path in paths:
        path = path.strip()
        if not path:
            raise bad_parameter("INVALID_INCLUDE", "include", _("An include path is empty"))
        names = path.split(".")
        if len(names) > MAX_INCLUDE_DEPTH:
            raise bad_parameter(
                "INVALID_INCLUDE",
                "include",
                _("An include path is at most %(limit)d relationships deep")
                % {"limit": MAX_INCLUDE_DEPTH},
            )
        current, node = resource, tree
        for name in names:
            rel = current.relationship_map.get(name)
            if rel is None or not rel.includable:
                raise bad_parameter(
                    "INVALID_INCLUDE",
                    "include",
                    _("%(path)s is not a valid relationship of %(type)s")
                    % {"path": path, "type": current.type},
                )
            node = node.setdefault(name, {})
            current = RESOURCES[rel.target]
    return tree


def parse_fields(query_params: Any) -> dict[str, set[str]]:
    """Parse ``fields[type]=a,b`` sparse fieldsets, refusing unknown types and fields."""
    fieldsets: dict[str, set[str]] = {}
    for key in query_params:
        if not key.startswith("fields"):
            continue
        parameter = key
        if not (key.startswith("fields[") and key.endswith("]")):
            raise bad_parameter("INVALID_FIELD", parameter, _("Use fields[type]=a,b"))
        type_name = key[len("fields[") : -1]
        resource = RESOURCES.get(type_name)
        if resource is None:
            raise bad_parameter(
                "INVALID_FIELD",
                parameter,
                _("%(type)s is not a resource type") % {"type": type_name},
            )
        names = {name.strip() for name in query_params.get(key, "").split(",") if name.strip()}
        unknown = sorted(names - resource.field_names)
        if unknown:
            raise bad_parameter(
                "INVALID_FIELD",
                parameter,
                _("%(field)s is not a valid field of %(type)s")
                % {"field": ", ".join(unknown), "type": type_name},
            )
        fieldsets[type_name] = names
    return fieldsets


@dataclass
class Context:
    """What rendering needs from the request: the base URL, scope, fieldsets and includes."""

    base_url: str
    scope: Scope
    fields: dict[str, set[str]] = field(default_factory=dict)
    include: IncludeTree = field(default_factory=dict)

    def self_link(self, type_name: str, pk: Any) -> str:
        """The absolute URL of a resource object."""
        return f"{self.base_url}{type_name}/{pk}"


class Compound:
    """The loaded include tree of a response: linkage per object and the included objects."""

    def __init__(self) -> None:
        self.linkage: dict[tuple[str, Any], dict[str, Any]] = defaultdict(dict)
        self.included: dict[tuple[str, Any], tuple[Resource, Model]] = {}
        # (type, pk, relationship) of the to-many linkages cut at MAX_INCLUDED_PER_PARENT.
        self.truncated: set[tuple[str, Any, str]] = set()

    def load(
        self, resource: Resource, objects: list[Model], tree: IncludeTree, scope: Scope
    ) -> None:
        """Load every relationship of ``tree`` for ``objects``: one query per relationship."""
        for name, subtree in tree.items():
            rel = resource.relationship_map[name]
            target = RESOURCES[rel.target]
            related = load_relationship(rel, objects, scope, limit=MAX_INCLUDED_PER_PARENT)
            children: dict[Any, Model] = {}
            for obj in objects:
                value: Any = related.get(obj.pk)  # an object, None, or a list of them
                if rel.many and len(value) > MAX_INCLUDED_PER_PARENT:
                    value = value[:MAX_INCLUDED_PER_PARENT]
                    self.truncated.add((resource.type, obj.pk, name))
                self.linkage[(resource.type, obj.pk)][name] = value
                for child in value if rel.many else [value] if value is not None else []:
                    children[child.pk] = child
                    self.included.setdefault((target.type, child.pk), (target, child))
            if subtree and children:
                self.load(target, list(children.values()), subtree, scope)


def load_relationship(
    rel: Relationship, parents: list[Model], scope: Scope, *, limit: int | None = None
) -> dict[Any, Any]:
    """The targets of ``rel`` for each parent (by pk): an object or ``None``, or a list.

    ``limit``: a to-many relationship loads at most ``limit + 1`` targets per parent (in the
    relationship's order), so the caller can tell that there are more than ``limit``.
    """
    target = RESOURCES[rel.target]
    if not rel.many:
        fk = cast(str, rel.fk)  # every to-one relationship names its foreign key
        ids = {getattr(parent, fk) for parent in parents} - {None}
        found = {obj.pk: obj for obj in target.queryset(scope).filter(pk__in=ids)} if ids else {}
        return {parent.pk: found.get(getattr(parent, fk)) for parent in parents}
    # Every to-many relationship has its loader and its child key.
    load = cast(Callable[[Scope, list[Any]], QuerySet], rel.load)
    child_key = cast(Callable[[Any], Any], rel.child_key)
    keys = {rel.parent_key(parent) for parent in parents} - {None}
    groups: dict[Any, list[Model]] = defaultdict(list)
    if keys:
        queryset = load(scope, list(keys))
        if limit is not None:
            queryset = first_per_parent(queryset, keys, limit + 1)
        for child in queryset:
            groups[child_key(child)].append(child)
    return {parent.pk: groups.get(rel.parent_key(parent), []) for parent in parents}


def _parent_column(queryset: QuerySet, keys: set[Any]) -> Any:
    """The column of the ``IN (keys)`` condition that ties each row to its parent, or None."""
    pending: list[Any] = [queryset.query.where]
    while pending:
        node = pending.pop()
        if isinstance(node, WhereNode):
            pending.extend(node.children)
        elif (
            isinstance(node, In)
            and isinstance(node.rhs, list | tuple | set)
            and set(node.rhs) == keys
        ):
            return node.lhs
    return None


def first_per_parent(queryset: QuerySet, keys: set[Any], limit: int) -> QuerySet:
    """At most ``limit`` rows of ``queryset`` per parent key, in the queryset's order.

    One query: ``ROW_NUMBER() OVER (PARTITION BY <parent column> ORDER BY …) <= limit``.
    A queryset whose parent column cannot be found is left as it is (the caller cuts).
    """
    column = _parent_column(queryset, keys)
    if column is None:
        return queryset
    query = queryset.query
    items = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    ordering: list[Any] = []
    for item in items:
        if isinstance(item, str):
            ordering.append(F(item[1:]).desc() if item.startswith("-") else F(item).asc())
        elif isinstance(item, OrderBy):
            ordering.append(item)
        else:  # an expression: each has asc(), which the stubs' Combinable does not declare
            ordering.append(item.asc())  # type: ignore[union-attr]
    ordering.append(F("pk").asc())
    rank = Window(RowNumber(), partition_by=[column], order_by=ordering)
    return queryset.annotate(included_rank=rank).filter(included_rank__lte=limit)


def identifier(type_name: str, obj: Model | None) -> dict[str, str] | None:
    """A resource identifier object, or ``None``."""
    if obj is None:
        return None
    return {"type": type_name, "id": str(obj.pk)}


def linkage_data(rel: Relationship, value: Any) -> Any:
    """The ``data`` member of a relationship: an identifier, ``None`` or a list of them."""
    if rel.many:
        return [identifier(rel.target, child) for child in value]
    return identifier(rel.target, value)


def relationship_links(ctx: Context, type_name: str, pk: Any, name: str) -> dict[str, str]:
    """``links.self`` (the relationship route) and ``links.related`` (the related route)."""
    base = ctx.self_link(type_name, pk)
    return {"self": f"{base}/relationships/{name}", "related": f"{base}/{name}"}


def resource_object(
    resource: Resource, obj: Model, ctx: Context, compound: Compound | None = None
) -> dict[str, Any]:
    """Render one resource object in Commerce Layer's shape."""
    fieldset = ctx.fields.get(resource.type)
    self_link = f"{ctx.base_url}{resource.type}/{obj.pk}"
    attributes: dict[str, Any] = {}
    for name, field_name, getter, is_datetime in resource.rendering:
        if fieldset is not None and name not in fieldset:
            continue
        value = getter(obj) if getter else getattr(obj, field_name)
        attributes[name] = format_datetime(value) if is_datetime else value
    data: dict[str, Any] = {
        "id": str(obj.pk),
        "type": resource.type,
        "links": {"self": self_link},
        "attributes": attributes,
    }
    linkage = compound.linkage.get((resource.type, obj.pk), {}) if compound else {}
    relationships: dict[str, Any] = {}
    for rel in resource.relationships:
        name = rel.name
        if fieldset is not None and name not in fieldset:
            continue
        member: dict[str, Any] = {
            "links": {
                "self": f"{self_link}/relationships/{name}",
                "related": f"{self_link}/{name}",
            }
        }
        if name in linkage:
            member["data"] = linkage_data(rel, linkage[name])
            if compound is not None and (resource.type, obj.pk, name) in compound.truncated:
                member["meta"] = {"included_limit": MAX_INCLUDED_PER_PARENT, "has_more": True}
        relationships[name] = member
    if relationships:
        data["relationships"] = relationships
    data["meta"] = {"mode": obj.mode}  # type: ignore[attr-defined]  # every resource has a mode
    return data


def build_document(
    resource: Resource,
    objects: list[Model] | Model | None,
    ctx: Context,
    *,
    many: bool,
) -> dict[str, Any]:
    """A top-level document: ``data`` (one object, ``null`` or a list) and ``included``."""
    # ``many``: a list of objects; otherwise one object or None.
    if many:
        primary = cast(list[Model], objects)
    else:
        primary = [cast(Model, objects)] if objects is not None else []
    compound = Compound()
    if ctx.include and primary:
        compound.load(resource, primary, ctx.include, ctx.scope)
    rendered = [resource_object(resource, obj, ctx, compound) for obj in primary]
    document: dict[str, Any] = {"data": rendered if many else (rendered[0] if rendered else None)}
    if ctx.include:
        primary_keys = {(resource.type, obj.pk) for obj in primary}
        document["included"] = [
            resource_object(target, obj, ctx, compound)
            for key, (target, obj) in compound.included.items()
            if key not in primary_keys
        ]
    return document
