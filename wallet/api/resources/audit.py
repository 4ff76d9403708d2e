"""``versions`` and ``event_stores``: the audit trail, read-only."""

from typing import Any

from wallet import selectors
from wallet.api.filters import FilterSpec
from wallet.api.resources.base import TIMESTAMPS, Attribute, Resource
from wallet.models import AuditEntry


def payload(changes: dict[str, Any]) -> dict[str, Any]:
    """An event store's ``payload``: audit ``changes`` ``{attr: [old, new]}`` as ``{from, to}``."""
    result = {}
    for attr, change in (changes or {}).items():
        if isinstance(change, list | tuple) and len(change) == 2:
            result[attr] = {"from": change[0], "to": change[1]}
        else:
            result[attr] = {"from": None, "to": change}
    return result


AUDIT_ATTRIBUTES = (
    Attribute("resource_type"),
    Attribute("resource_id"),
    Attribute("event"),
)
AUDIT_FILTERS = {
    "id": "id",
    "resource_type": "resource_type",
    "resource_id": "resource_id",
    "event": "event",
    "created_at": "created_at",
    "updated_at": "created_at",
}

VERSIONS = Resource(
    type="versions",
    model=AuditEntry,
    selector=lambda scope: selectors.audit_entries(scope, versions_only=True),
    actions=frozenset({"list", "retrieve"}),
    attributes=(
        *AUDIT_ATTRIBUTES,
        Attribute("changes", "object"),
        Attribute("who", "object"),
        *TIMESTAMPS,
    ),
    relationships=(),
    filters=FilterSpec(
        fields=AUDIT_FILTERS,
        json_fields={},
        sortable={"id": "id", "created_at": "created_at", "updated_at": "created_at"},
    ),
)

EVENT_STORES = Resource(
    type="event_stores",
    model=AuditEntry,
    selector=lambda scope: selectors.audit_entries(scope),
    actions=frozenset({"list", "retrieve"}),
    attributes=(
        *AUDIT_ATTRIBUTES,
        Attribute(
            "payload", "object", source="changes", getter=lambda entry: payload(entry.changes)
        ),
        Attribute("who", "object"),
        *TIMESTAMPS,
    ),
    relationships=(),
    filters=FilterSpec(fields=AUDIT_FILTERS, json_fields={}, sortable={}),
    cursor_paginated=True,
    default_ordering=("created_at", "pk"),
)
