"""The API's resource types: attributes, relationships, filters and write rules, as data.

One :class:`Resource` per JSON:API type describes everything the views need: how to read it
(a scoped selector), how to render it (attributes in Commerce Layer's order, relationships with
links), how to filter and sort it (a :class:`~wallet.api.query.FilterSpec`), which attributes a
create or an update may carry, and which service writes it. The views stay generic.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, F, Model, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from wallet import selectors, services
from wallet.api.access import CUSTOMER, Access
from wallet.api.query import FilterSpec
from wallet.models import (
    TRANSACTION_MODELS,
    AuditEntry,
    Customer,
    CustomerPaymentSource,
    ExternalPayment,
    Order,
    PaymentGateway,
    PaymentMethod,
    Transaction,
)
from wallet.selectors import Scope

# Create rules of an attribute or relationship.
NO = "no"
OPTIONAL = "optional"
REQUIRED = "required"


@dataclass(frozen=True)
class Attribute:
    """One attribute: API ``name``, JSON ``kind`` and the create/update rules of DESIGN §4.

    ``source`` is the model field written and read (default: ``name``); ``readable=False``
    marks a write-only attribute (``password``, order triggers).
    """

    name: str
    kind: str = "string"  # string | boolean | object | integer | datetime
    source: str | None = None
    create: str = NO
    update: bool = False
    readable: bool = True
    trigger: bool = False
    getter: Callable[[Any], Any] | None = None

    @property
    def field(self) -> str:
        """The model field name behind the attribute."""
        return self.source or self.name


@dataclass(frozen=True)
class Relationship:
    """One relationship of a resource type.

    A to-one relationship reads the foreign key ``fk`` of the parent. A to-many relationship
    loads its targets for many parents at once with ``load(scope, keys)``, where each parent's
    key is ``parent_key(parent)`` and each target belongs to ``child_key(target)``: one query
    per relationship whatever the number of parents.
    """

    name: str
    target: str
    many: bool = False
    fk: str | None = None
    field: str | None = None
    create: str = NO
    update: bool = False
    includable: bool = True
    load: Callable[[Scope, list[Any]], QuerySet] | None = None
    parent_key: Callable[[Any], Any] = lambda parent: parent.pk
    child_key: Callable[[Any], Any] | None = None

    @property
    def writable(self) -> bool:
        """Whether a body may carry this relationship at all."""
        return self.create != NO or self.update


@dataclass
class Resource:
    """A JSON:API resource type and everything the generic views need to serve it."""

    type: str
    model: type[Model]
    selector: Callable[[Scope], QuerySet]
    attributes: tuple[Attribute, ...]
    relationships: tuple[Relationship, ...]
    filters: FilterSpec
    actions: frozenset[str] = frozenset({"list", "retrieve", "create", "update", "delete"})
    annotate: Callable[[QuerySet], QuerySet] | None = None
    cursor_paginated: bool = False
    create: Callable[[Access, dict[str, Any]], Model] | None = None
    update: Callable[[Access, Model, dict[str, Any]], Model] | None = None
    delete: Callable[[Access, Model], None] | None = None
    default_ordering: tuple[str, ...] = ("-created_at", "pk")
    relationship_map: dict[str, Relationship] = field(init=False)
    attribute_map: dict[str, Attribute] = field(init=False)

    def __post_init__(self) -> None:
        self.relationship_map = {rel.name: rel for rel in self.relationships}
        self.attribute_map = {attr.name: attr for attr in self.attributes}

    @property
    def readable_attributes(self) -> tuple[Attribute, ...]:
        """The attributes rendered in a resource object, in Commerce Layer's order."""
        return tuple(attr for attr in self.attributes if attr.readable)

    @property
    def field_names(self) -> set[str]:
        """Every name a sparse fieldset of this type may list."""
        return {a.name for a in self.readable_attributes} | set(self.relationship_map)

    def queryset(self, scope: Scope) -> QuerySet:
        """The scoped queryset of this type, with the annotations its filters need."""
        queryset = self.selector(scope)
        if self.annotate is not None:
            queryset = self.annotate(queryset)
        return queryset


# --- shared pieces -------------------------------------------------------------------------

# Commerce Layer's read-only transaction types, by the kind of gateway operation they show.
TRANSACTION_TYPES = {
    "authorizations": Transaction.Kind.AUTHORIZATION,
    "captures": Transaction.Kind.CAPTURE,
    "voids": Transaction.Kind.VOID,
    "refunds": Transaction.Kind.REFUND,
}

REFERENCE_ATTRIBUTES = (
    Attribute("reference", create=OPTIONAL, update=True),
    Attribute("reference_origin", create=OPTIONAL, update=True),
    Attribute("metadata", "object", create=OPTIONAL, update=True),
)
TIMESTAMPS = (Attribute("created_at", "datetime"), Attribute("updated_at", "datetime"))
COMMON_FILTERS = {
    "id": "id",
    "reference": "reference",
    "reference_origin": "reference_origin",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
COMMON_SORTS = dict(COMMON_FILTERS)
METADATA = {"metadata": "metadata"}


def audit_relationships(resource_type: str) -> tuple[Relationship, ...]:
    """The ``versions`` and ``event_stores`` relationships every wallet resource has."""
    return (
        Relationship(
            "versions",
            "versions",
            many=True,
            load=lambda scope, keys: selectors.audit_entries(
                scope, resource_type=resource_type, versions_only=True
            ).filter(resource_id__in=keys),
            child_key=lambda entry: entry.resource_id,
        ),
        Relationship(
            "event_stores",
            "event_stores",
            many=True,
            includable=False,
            load=lambda scope, keys: selectors.audit_entries(
                scope, resource_type=resource_type
            ).filter(resource_id__in=keys),
            child_key=lambda entry: entry.resource_id,
        ),
    )


def annotate_source(queryset: QuerySet) -> QuerySet:
    """Annotate what the API shows of a saved source beyond its columns.

    ``name_value``: the ``name`` property in SQL, so the API can filter by it;
    ``payment_method_id``: the payment method of the order the card was paid on.
    """
    return queryset.annotate(
        payment_method_id=F("payment_source__order__payment_method_id"),
        name_value=Case(
            When(
                payment_instrument__card_last_digits__isnull=False,
                then=Concat(
                    Value("XXXX-XXXX-XXXX-"),
                    KeyTextTransform("card_last_digits", "payment_instrument"),
                    output_field=CharField(),
                ),
            ),
            default=Value(""),
            output_field=CharField(),
        ),
    )


def _reference_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: values[key] for key in ("reference", "reference_origin", "metadata") if key in values
    }


# --- write adapters: translate API values into service calls -------------------------------


def create_payment_source(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/customer_payment_sources."""
    return services.create_payment_source(
        customer=values["customer"],
        payment_source_token=values.get("payment_source_token", ""),
        customer_token=values.get("customer_token", ""),
        payment_source=values.get("payment_source"),
        is_default=values.get("is_default", False),
        actor=access.actor,
        **_reference_kwargs(values),
    )


def create_external_payment(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/external_payments."""
    return services.create_external_payment(
        order=values["order"],
        payment_source_token=values.get("payment_source_token", ""),
        options=values.get("options"),
        actor=access.actor,
        **_reference_kwargs(values),
    )


def create_customer(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/customers."""
    return services.create_customer(
        mode=access.scope.mode,
        email=values.get("email", ""),
        password=values.get("password"),
        actor=access.actor,
        **_reference_kwargs(values),
    )


def create_order(access: Access, values: dict[str, Any]) -> Model:
    """POST /api/orders; a customer's order is always their own."""
    customer = values.get("customer")
    if access.role == CUSTOMER:
        customer = selectors.customers(access.scope).get()
    return services.create_order(
        mode=access.scope.mode,
        currency_code=values.get("currency_code") or None,
        total_amount_cents=values.get("total_amount_cents"),
        customer=customer,
        customer_email=values.get("customer_email", ""),
        payment_method=values.get("payment_method"),
        payment_gateway=values.get("payment_gateway"),
        number=values.get("number") or None,
        actor=access.actor,
        **_reference_kwargs(values),
    )


ORDER_TRIGGERS = (
    "_customer_payment_source_id",
    "_save_payment_source_to_customer_wallet",
    "_place",
    "_capture",
    "_cancel",
    "_refund",
)


def update_order(access: Access, order: Model, changes: dict[str, Any]) -> Model:
    """PATCH /api/orders/:id: attributes, relationships and triggers as one service call.

    A customer cannot hand their order to nobody (or anybody) else; the saved source a
    ``_customer_payment_source_id`` names must be in the caller's scope.
    """
    changes = dict(changes)
    triggers = {name: changes.pop(name) for name in ORDER_TRIGGERS if name in changes}
    owner = changes["customer"].pk if changes.get("customer") else None
    if access.role == CUSTOMER and "customer" in changes and owner != access.scope.customer_id:
        raise ValidationError({"customer": ValidationError(_("cannot be changed"), code="invalid")})
    source = None
    source_id = triggers.get("_customer_payment_source_id")
    if source_id:
        source = CUSTOMER_PAYMENT_SOURCES.queryset(access.scope).filter(pk=source_id).first()
        if source is None:
            raise ValidationError(
                {"_customer_payment_source_id": ValidationError(_("not found"), code="not_found")}
            )
    return services.change_order(
        order,
        changes,
        pay_with_source=source,
        save_to_wallet=triggers.get("_save_payment_source_to_customer_wallet") is True,
        place=triggers.get("_place") is True,
        capture=triggers.get("_capture") is True,
        cancel=triggers.get("_cancel") is True,
        refund=triggers.get("_refund") is True,
        actor=access.actor,
    )


# --- the resource types --------------------------------------------------------------------

CUSTOMER_PAYMENT_SOURCES = Resource(
    type="customer_payment_sources",
    model=CustomerPaymentSource,
    selector=selectors.payment_sources,
    annotate=annotate_source,
    attributes=(
        Attribute("name"),
        Attribute("customer_token", create=OPTIONAL, update=True),
        # Required without a payment_source, whose tokens are copied otherwise (the service).
        Attribute("payment_source_token", create=OPTIONAL, update=True),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
        Attribute("default", "boolean", source="is_default", create=OPTIONAL, update=True),
    ),
    relationships=(
        Relationship(
            "customer",
            "customers",
            fk="customer_id",
            field="customer",
            create=REQUIRED,
            update=True,
        ),
        Relationship(
            "payment_source",
            "external_payments",
            fk="payment_source_id",
            field="payment_source",
            create=OPTIONAL,
            update=True,
        ),
        # The payment method of the order the card was paid on (``annotate_source``).
        Relationship("payment_method", "payment_methods", fk="payment_method_id"),
        *audit_relationships("customer_payment_sources"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "name": "name_value",
            "payment_source_token": "payment_source_token",
            "default": "is_default",
            "customer_id": "customer_id",
            "customer_email": "customer__email",
        },
        json_fields=METADATA,
        sortable={
            **COMMON_SORTS,
            "default": "is_default",
            "customer": "customer_id",
            "customer_id": "customer_id",
        },
    ),
    create=create_payment_source,
    update=lambda access, obj, changes: services.update_payment_source(
        obj, changes, actor=access.actor
    ),
    delete=lambda access, obj: services.delete_payment_source(obj, actor=access.actor),
)

EXTERNAL_PAYMENTS = Resource(
    type="external_payments",
    model=ExternalPayment,
    selector=selectors.external_payments,
    attributes=(
        Attribute("payment_source_token", create=REQUIRED),
        Attribute("options", "object", create=OPTIONAL, update=True),
        Attribute("payment_instrument", "object"),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
    ),
    relationships=(
        Relationship("order", "orders", fk="order_id", field="order", create=REQUIRED, update=True),
        Relationship("payment_gateway", "payment_gateways", fk="payment_gateway_id"),
        Relationship("wallet", "customer_payment_sources", fk="wallet_id"),
        *audit_relationships("external_payments"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "payment_source_token": "payment_source_token",
            "order_id": "order_id",
            "order_number": "order__number",
        },
        json_fields=METADATA,
        sortable={**COMMON_SORTS, "order": "order_id", "order_id": "order_id"},
    ),
    create=create_external_payment,
    update=lambda access, obj, changes: services.update_external_payment(
        obj, changes, actor=access.actor
    ),
    delete=lambda access, obj: services.delete_external_payment(obj, actor=access.actor),
)

CUSTOMERS = Resource(
    type="customers",
    model=Customer,
    selector=selectors.customers,
    attributes=(
        Attribute("email", create=REQUIRED, update=True),
        Attribute("password", create=OPTIONAL, update=True, readable=False),
        # A customer changing their own password proves the current one (integrations need not).
        Attribute("current_password", update=True, readable=False),
        Attribute("status"),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
    ),
    relationships=(
        Relationship(
            "customer_payment_sources",
            "customer_payment_sources",
            many=True,
            load=lambda scope, keys: CUSTOMER_PAYMENT_SOURCES.queryset(scope).filter(
                customer_id__in=keys
            ),
            child_key=lambda source: source.customer_id,
        ),
        Relationship(
            "orders",
            "orders",
            many=True,
            load=lambda scope, keys: selectors.orders(scope).filter(customer_id__in=keys),
            child_key=lambda order: order.customer_id,
        ),
        *audit_relationships("customers"),
    ),
    filters=FilterSpec(
        fields={**COMMON_FILTERS, "email": "email", "status": "status"},
        json_fields=METADATA,
        sortable={**COMMON_SORTS, "email": "email", "status": "status"},
    ),
    create=create_customer,
    update=lambda access, obj, changes: services.update_customer(
        obj,
        changes,
        actor=access.actor,
        keep_token_id=access.token_id,
        keep_session_key=access.session_key,
    ),
    delete=lambda access, obj: services.delete_customer(obj, actor=access.actor),
)

ORDERS = Resource(
    type="orders",
    model=Order,
    selector=selectors.orders,
    attributes=(
        Attribute("number", create=OPTIONAL, update=True),
        Attribute("status"),
        Attribute("payment_status"),
        Attribute("customer_email", create=OPTIONAL, update=True),
        Attribute("currency_code", create=OPTIONAL, update=True),
        Attribute("total_amount_cents", "integer", create=OPTIONAL, update=True),
        Attribute("formatted_total_amount", getter=lambda order: order.total_amount),
        Attribute("placed_at", "datetime"),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
        Attribute(
            "_save_payment_source_to_customer_wallet",
            "boolean",
            update=True,
            readable=False,
            trigger=True,
        ),
        Attribute("_customer_payment_source_id", update=True, readable=False, trigger=True),
        Attribute("_place", "boolean", update=True, readable=False, trigger=True),
        Attribute("_capture", "boolean", update=True, readable=False, trigger=True),
        Attribute("_cancel", "boolean", update=True, readable=False, trigger=True),
        Attribute("_refund", "boolean", update=True, readable=False, trigger=True),
    ),
    relationships=(
        Relationship(
            "customer",
            "customers",
            fk="customer_id",
            field="customer",
            create=OPTIONAL,
            update=True,
        ),
        Relationship(
            "payment_method",
            "payment_methods",
            fk="payment_method_id",
            field="payment_method",
            create=OPTIONAL,
            update=True,
        ),
        Relationship(
            "payment_gateway",
            "payment_gateways",
            fk="payment_gateway_id",
            field="payment_gateway",
            create=OPTIONAL,
            update=True,
        ),
        Relationship(
            "payment_source",
            "external_payments",
            fk="payment_source_id",
            field="payment_source",
            update=True,
        ),
        Relationship(
            "external_payments",
            "external_payments",
            many=True,
            load=lambda scope, keys: selectors.external_payments(scope).filter(order_id__in=keys),
            child_key=lambda payment: payment.order_id,
        ),
        Relationship(
            "available_customer_payment_sources",
            "customer_payment_sources",
            many=True,
            load=lambda scope, keys: (
                CUSTOMER_PAYMENT_SOURCES.queryset(scope)
                .filter(customer_id__in=[key for key in keys if key is not None])
                .order_by("-is_default", "-created_at", "pk")
            ),
            parent_key=lambda order: order.customer_id,
            child_key=lambda source: source.customer_id,
        ),
        *(
            Relationship(
                type_name,
                type_name,
                many=True,
                load=lambda scope, keys, kind=kind: selectors.transactions(scope, kind).filter(
                    payment__order_id__in=keys
                ),
                child_key=lambda transaction: transaction.order_id,
            )
            for type_name, kind in TRANSACTION_TYPES.items()
        ),
        *audit_relationships("orders"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "number": "number",
            "status": "status",
            "payment_status": "payment_status",
            "currency_code": "currency_code",
            "total_amount_cents": "total_amount_cents",
            "placed_at": "placed_at",
            "customer_id": "customer_id",
            "customer_email": "customer__email",
        },
        json_fields=METADATA,
        sortable={
            **COMMON_SORTS,
            "number": "number",
            "status": "status",
            "payment_status": "payment_status",
            "total_amount_cents": "total_amount_cents",
            "placed_at": "placed_at",
            "customer_id": "customer_id",
        },
    ),
    create=create_order,
    update=update_order,
    delete=lambda access, obj: services.delete_order(obj, actor=access.actor),
)


def update_payment_method(access: Access, method: Model, changes: dict[str, Any]) -> Model:
    """PATCH /api/payment_methods/:id; ``_disable`` and ``_enable`` set ``disabled_at``."""
    changes = dict(changes)
    disable, enable = changes.pop("_disable", None), changes.pop("_enable", None)
    if disable is True:
        changes["disabled_at"] = timezone.now()
    elif enable is True:
        changes["disabled_at"] = None
    return services.update_payment_method(method, changes, actor=access.actor)


PAYMENT_METHODS = Resource(
    type="payment_methods",
    model=PaymentMethod,
    selector=selectors.payment_methods,
    attributes=(
        Attribute("payment_source_type", create=OPTIONAL, update=True),
        Attribute("name", create=OPTIONAL, update=True),
        Attribute("currency_code", create=OPTIONAL, update=True),
        Attribute("moto", "boolean", create=OPTIONAL, update=True),
        Attribute("require_capture", "boolean", create=OPTIONAL, update=True),
        Attribute("auto_place", "boolean", create=OPTIONAL, update=True),
        Attribute("auto_capture", "boolean", create=OPTIONAL, update=True),
        Attribute("price_amount_cents", "integer", create=OPTIONAL, update=True),
        Attribute("disabled_at", "datetime"),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
        Attribute("_disable", "boolean", update=True, readable=False, trigger=True),
        Attribute("_enable", "boolean", update=True, readable=False, trigger=True),
    ),
    relationships=(
        Relationship(
            "payment_gateway",
            "payment_gateways",
            fk="payment_gateway_id",
            field="payment_gateway",
            create=REQUIRED,
            update=True,
        ),
        *audit_relationships("payment_methods"),
    ),
    filters=FilterSpec(
        fields={
            **COMMON_FILTERS,
            "name": "name",
            "payment_source_type": "payment_source_type",
            "currency_code": "currency_code",
            "moto": "moto",
            "require_capture": "require_capture",
            "auto_place": "auto_place",
            "auto_capture": "auto_capture",
            "price_amount_cents": "price_amount_cents",
            "disabled_at": "disabled_at",
            "payment_gateway_id": "payment_gateway_id",
        },
        json_fields=METADATA,
        sortable={
            **COMMON_SORTS,
            "name": "name",
            "currency_code": "currency_code",
            "price_amount_cents": "price_amount_cents",
            "disabled_at": "disabled_at",
        },
    ),
    create=lambda access, values: services.create_payment_method(
        mode=access.scope.mode, values=values, actor=access.actor
    ),
    update=update_payment_method,
    delete=lambda access, obj: services.delete_payment_method(obj, actor=access.actor),
    default_ordering=("name", "pk"),
)

PAYMENT_GATEWAYS = Resource(
    type="payment_gateways",
    model=PaymentGateway,
    selector=selectors.payment_gateways,
    actions=frozenset({"list", "retrieve"}),
    attributes=(
        Attribute("name"),
        Attribute("kind"),
        Attribute("disabled_at", "datetime"),
        *TIMESTAMPS,
        *REFERENCE_ATTRIBUTES,
    ),
    relationships=audit_relationships("payment_gateways"),
    filters=FilterSpec(
        fields={**COMMON_FILTERS, "name": "name", "kind": "kind", "disabled_at": "disabled_at"},
        json_fields=METADATA,
        sortable={**COMMON_SORTS, "name": "name", "disabled_at": "disabled_at"},
    ),
    default_ordering=("name", "pk"),
)


def transaction_resource(type_name: str, kind: str) -> Resource:
    """A read-only type of gateway transactions: ``authorizations``, ``captures`` …"""
    return Resource(
        type=type_name,
        model=TRANSACTION_MODELS[kind],
        selector=lambda scope: selectors.transactions(scope, kind),
        actions=frozenset({"list", "retrieve"}),
        attributes=(
            Attribute("currency_code"),
            Attribute("amount_cents", "integer"),
            Attribute("succeeded", "boolean"),
            Attribute("message"),
            Attribute("token"),
            Attribute("created_at", "datetime"),
            Attribute("updated_at", "datetime", getter=lambda record: record.created_at),
        ),
        relationships=(Relationship("order", "orders", fk="order_id"),),
        filters=FilterSpec(
            fields={
                "id": "id",
                "succeeded": "succeeded",
                "amount_cents": "amount_cents",
                "currency_code": "currency_code",
                "order_id": "payment__order_id",
                "created_at": "created_at",
                "updated_at": "created_at",
            },
            sortable={
                "id": "id",
                "amount_cents": "amount_cents",
                "created_at": "created_at",
                "updated_at": "created_at",
            },
        ),
    )


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

RESOURCES: dict[str, Resource] = {
    resource.type: resource
    for resource in (
        CUSTOMER_PAYMENT_SOURCES,
        EXTERNAL_PAYMENTS,
        CUSTOMERS,
        ORDERS,
        PAYMENT_METHODS,
        PAYMENT_GATEWAYS,
        VERSIONS,
        EVENT_STORES,
        *(transaction_resource(name, kind) for name, kind in TRANSACTION_TYPES.items()),
    )
}
