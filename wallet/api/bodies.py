"""The attributes and relationships of a write body, checked against the resource definition.

Hand-built rather than DRF serializers: the resource definitions already say what each member
may carry, and the errors must be Commerce Layer's (``/data/attributes/<name>`` pointers,
``meta.error`` words). The document shape (type, id, members) is the parsers' job
(:mod:`wallet.api.parsers`); what a write may change in a record is the services'.
"""

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Model
from django.utils.translation import gettext as _

from wallet.api.access import Access
from wallet.api.errors import ApiError, bad_request
from wallet.api.permissions import is_allowed
from wallet.api.resources import NO, REQUIRED, RESOURCES, Resource
from wallet.roles import RETRIEVE

KIND_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
}
NULL_AS = {"string": "", "object": {}}


def _invalid(pointer: str, name: str, message: str, word: str = "invalid") -> ApiError:
    return ApiError(
        422,
        "VALIDATION_ERROR",
        f"{name} - {message}",
        title=message,
        pointer=pointer,
        meta={"error": word},
    )


def _blank(pointer: str, name: str) -> ApiError:
    return _invalid(pointer, name, _("can't be blank"), "blank")


class Body:
    """A write body's attribute values and related records, by API name.

    ``data`` is the primary data the parser already checked; related records are looked up in
    the caller's scope (a role links only records it may read, except a create's subject,
    which answers to its own object rule in the viewset).
    """

    def __init__(
        self, data: dict[str, Any], resource: Resource, access: Access, *, creating: bool
    ) -> None:
        self.resource = resource
        self.access = access
        self.creating = creating
        self.attributes = self._attributes(data.get("attributes", {}))
        self.relationships = self._relationships(data.get("relationships", {}))
        if creating:
            self._check_required()

    def _attributes(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise bad_request(_("attributes must be an object"), pointer="/data/attributes")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            pointer = f"/data/attributes/{name}"
            attr = self.resource.attribute_map.get(name)
            if attr is None:
                raise bad_request(
                    _("%(name)s is not an attribute") % {"name": name}, pointer=pointer
                )
            allowed = attr.create != NO if self.creating else attr.update
            if not allowed:
                raise bad_request(
                    _("%(name)s cannot be set") % {"name": name}
                    if self.creating
                    else _("%(name)s cannot be changed") % {"name": name},
                    pointer=pointer,
                )
            if value is None and attr.kind in NULL_AS and attr.create != REQUIRED:
                value = NULL_AS[attr.kind]
            if value is None:
                if attr.create == REQUIRED:
                    raise _blank(pointer, name)
                if attr.kind != "datetime":
                    raise _invalid(pointer, name, _("must not be null"))
            elif not KIND_CHECKS.get(attr.kind, lambda v: True)(value):
                raise _invalid(pointer, name, _("must be a %(kind)s") % {"kind": attr.kind})
            values[name] = value
        return values

    def _relationships(self, raw: Any) -> dict[str, Model | None]:
        if not isinstance(raw, dict):
            raise bad_request(_("relationships must be an object"), pointer="/data/relationships")
        related: dict[str, Model | None] = {}
        for name, member in raw.items():
            pointer = f"/data/relationships/{name}"
            rel = self.resource.relationship_map.get(name)
            if rel is None:
                raise bad_request(
                    _("%(name)s is not a relationship") % {"name": name}, pointer=pointer
                )
            allowed = rel.create != NO if self.creating else rel.update
            if not allowed or rel.many:
                raise bad_request(_("%(name)s cannot be set") % {"name": name}, pointer=pointer)
            if not isinstance(member, dict) or "data" not in member:
                raise bad_request(_("A relationship needs a data member"), pointer=pointer)
            linkage = member["data"]
            if linkage is None:
                if rel.create == REQUIRED:
                    raise _blank(pointer, name)
                related[name] = None
                continue
            if not isinstance(linkage, dict) or "type" not in linkage or "id" not in linkage:
                raise bad_request(
                    _("data must be a resource identifier"), pointer=f"{pointer}/data"
                )
            if linkage["type"] != rel.target:
                raise _invalid(pointer, name, _("must be of type %(type)s") % {"type": rel.target})
            target = RESOURCES[rel.target]
            obj = target.selector(self.access.scope).filter(pk=str(linkage["id"])).first()
            subject = self.resource.subject == name
            if obj is None or not (subject or is_allowed(self.access, rel.target, RETRIEVE, obj)):
                raise _invalid(pointer, name, _("not found"), "not_found")
            related[name] = obj
        return related

    def _check_required(self) -> None:
        for attr in self.resource.attributes:
            if attr.create == REQUIRED and attr.name not in self.attributes:
                raise _blank(f"/data/attributes/{attr.name}", attr.name)
            if attr.create == REQUIRED and self.attributes[attr.name] in ("", None):
                raise _blank(f"/data/attributes/{attr.name}", attr.name)
        for rel in self.resource.relationships:
            if rel.create == REQUIRED and self.relationships.get(rel.name) is None:
                raise _blank(f"/data/relationships/{rel.name}", rel.name)

    @property
    def subject(self) -> Model | None:
        """The related record of the type's ``subject`` relationship, when the body names one."""
        name = self.resource.subject
        return self.relationships.get(name) if name else None

    def values(self) -> dict[str, Any]:
        """Model field name to value, for the services (triggers left out)."""
        values = {
            self.resource.attribute_map[name].field: value
            for name, value in self.attributes.items()
            if not self.resource.attribute_map[name].trigger
        }
        for name, obj in self.relationships.items():
            # Only writable relationships reach here, and each names the field it writes.
            values[cast(str, self.resource.relationship_map[name].field)] = obj
        return values

    def triggers(self) -> dict[str, Any]:
        """The write-only trigger attributes (``_place`` …) of the body."""
        return {
            name: value
            for name, value in self.attributes.items()
            if self.resource.attribute_map[name].trigger
        }
