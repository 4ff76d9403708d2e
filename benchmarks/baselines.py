"""Hand-written baselines: the same documents and page, built directly from ``.values()``.

They do the work any implementation must do (check the bearer token, count, fetch the page
and the included rows, serialize), and nothing else: no framework, no generic machinery. They
live here, in the benchmark, never in the product.
"""

import hashlib
import json
from datetime import UTC
from math import ceil
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.utils import timezone
from oauth2_provider.models import AccessToken

from wallet.models import AuditEntry, Customer, CustomerPaymentSource, ExternalPayment, Order
from wallet.money import format_money

JSONAPI = "application/vnd.api+json"
# Every relationship the API renders (links only unless included), as the product must.
CPS_RELS = ("customer", "payment_source", "payment_method", "versions", "event_stores")
EP_RELS = ("order", "payment_gateway", "wallet", "versions", "event_stores")
ORDER_RELS = (
    "customer",
    "payment_method",
    "payment_gateway",
    "payment_source",
    "external_payments",
    "available_customer_payment_sources",
    "authorizations",
    "captures",
    "voids",
    "refunds",
    "versions",
    "event_stores",
)


def _ts(value: Any) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _token_scope(request: HttpRequest) -> dict[str, Any] | None:
    token = request.headers.get("Authorization", "").partition(" ")[2]
    checksum = hashlib.sha256(token.encode()).hexdigest()
    row = (
        AccessToken.objects.filter(token_checksum=checksum, expires__gt=timezone.now())
        .values("user_id", "application__wallet_credential__mode")
        .first()
    )
    if row is None:
        return None
    scope = {"mode": row["application__wallet_credential__mode"], "customer_id": None}
    if row["user_id"]:
        scope["customer_id"] = (
            Customer.objects.filter(user_id=row["user_id"], mode=scope["mode"])
            .values_list("id", flat=True)
            .first()
        )
    return scope


def _resource(base: str, type_: str, row: dict, attributes: dict, rels: tuple, data: dict) -> dict:
    self_url = f"{base}/{type_}/{row['id']}"
    relationships = {}
    for name in rels:
        relationships[name] = {
            "links": {
                "self": f"{self_url}/relationships/{name}",
                "related": f"{self_url}/{name}",
            }
        }
        if name in data:
            relationships[name]["data"] = data[name]
    return {
        "id": row["id"],
        "type": type_,
        "links": {"self": self_url},
        "attributes": attributes,
        "relationships": relationships,
        "meta": {"mode": row["mode"]},
    }


def _common(row: dict) -> dict:
    return {
        "created_at": _ts(row["created_at"]),
        "updated_at": _ts(row["updated_at"]),
        "reference": row["reference"],
        "reference_origin": row["reference_origin"],
        "metadata": row["metadata"],
    }


COMMON = ("id", "mode", "created_at", "updated_at", "reference", "reference_origin", "metadata")


def _source_object(base: str, row: dict, with_payment: bool) -> dict:
    attributes = {
        "name": row["name"],
        "customer_token": row["customer_token"],
        "payment_source_token": row["payment_source_token"],
        **_common(row),
        "default": row["is_default"],
    }
    data = {}
    if with_payment:
        data["payment_source"] = (
            {"type": "external_payments", "id": row["payment_id"]} if row["payment_id"] else None
        )
    return _resource(base, "customer_payment_sources", row, attributes, CPS_RELS, data)


def _payment_object(base: str, row: dict, data: dict) -> dict:
    attributes = {
        "payment_source_token": row["payment_source_token"],
        "options": row["options"],
        "payment_instrument": row["payment_instrument"],
        **_common(row),
    }
    return _resource(base, "external_payments", row, attributes, EP_RELS, data)


def _json(document: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(document, separators=(",", ":")), status=status, content_type=JSONAPI
    )


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/api").rstrip("/")


def _page_links(request: HttpRequest, path: str, number: int, size: int, pages: int) -> dict:
    def link(page: int) -> str:
        query = [(k, v) for k, v in request.GET.items() if not k.startswith("page[")]
        query += [("page[number]", str(page)), ("page[size]", str(size))]
        parts = "&".join(f"{key}={value}" for key, value in query)
        return request.build_absolute_uri(path) + "?" + parts

    links = {"first": link(1)}
    if number > 1:
        links["prev"] = link(number - 1)
    if number < pages:
        links["next"] = link(number + 1)
    links["last"] = link(pages)
    return links


def source_list(request: HttpRequest) -> HttpResponse:
    """``GET customer_payment_sources?include=payment_source`` by hand (integration or customer)."""
    scope = _token_scope(request)
    if scope is None:
        return _json({"errors": [{"status": "401", "code": "INVALID_TOKEN"}]}, 401)
    size = int(request.GET.get("page[size]", 10))
    number = int(request.GET.get("page[number]", 1))
    queryset = CustomerPaymentSource.objects.filter(mode=scope["mode"])
    if scope["customer_id"]:
        queryset = queryset.filter(customer_id=scope["customer_id"])
    count = queryset.count()
    rows = list(
        queryset.order_by("-created_at", "-id").values(
            *COMMON,
            "name",
            "customer_token",
            "payment_source_token",
            "is_default",
            "payment_id",
        )[(number - 1) * size : number * size]
    )
    include = request.GET.get("include") == "payment_source"
    base = _base(request)
    document: dict[str, Any] = {"data": [_source_object(base, row, include) for row in rows]}
    if include:
        ids = {row["payment_id"] for row in rows if row["payment_id"]}
        payments = ExternalPayment.objects.filter(pk__in=ids).values(
            *COMMON, "payment_source_token", "options", "payment_instrument"
        )
        document["included"] = [_payment_object(base, row, {}) for row in payments]
    pages = max(1, ceil(count / size))
    document["meta"] = {"record_count": count, "page_count": pages}
    document["links"] = _page_links(request, "/api/customer_payment_sources", number, size, pages)
    return _json(document)


def payment_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """``GET external_payments/:id?include=order,wallet`` by hand."""
    scope = _token_scope(request)
    if scope is None:
        return _json({"errors": [{"status": "401", "code": "INVALID_TOKEN"}]}, 401)
    row = (
        ExternalPayment.objects.filter(pk=pk, mode=scope["mode"])
        .values(
            *COMMON,
            "payment_source_token",
            "options",
            "payment_instrument",
            "order_id",
            "saved_source_id",
        )
        .first()
    )
    if row is None:
        return _json({"errors": [{"status": "404", "code": "RECORD_NOT_FOUND"}]}, 404)
    base = _base(request)
    data = {
        "order": {"type": "orders", "id": row["order_id"]},
        "wallet": {"type": "customer_payment_sources", "id": row["saved_source_id"]}
        if row["saved_source_id"]
        else None,
    }
    order = (
        Order.objects.filter(pk=row["order_id"])
        .values(
            *COMMON,
            "number",
            "status",
            "payment_status",
            "customer_email",
            "currency_code",
            "total_amount_cents",
            "placed_at",
        )
        .first()
    )
    included = [
        _resource(
            base,
            "orders",
            order,
            {
                "number": order["number"],
                "status": order["status"],
                "payment_status": order["payment_status"],
                "customer_email": order["customer_email"],
                "currency_code": order["currency_code"],
                "total_amount_cents": order["total_amount_cents"],
                "formatted_total_amount": format_money(
                    order["total_amount_cents"], order["currency_code"]
                ),
                "placed_at": _ts(order["placed_at"]),
                **_common(order),
            },
            ORDER_RELS,
            {},
        )
    ]
    if row["saved_source_id"]:
        source = (
            CustomerPaymentSource.objects.filter(pk=row["saved_source_id"])
            .values(
                *COMMON,
                "name",
                "customer_token",
                "payment_source_token",
                "is_default",
                "payment_id",
            )
            .first()
        )
        included.append(_source_object(base, source, False))
    return _json({"data": _payment_object(base, row, data), "included": included})


def payment_create(request: HttpRequest) -> HttpResponse:
    """``POST external_payments`` by hand: parse, one ORM insert, one audit entry, render."""
    scope = _token_scope(request)
    if scope is None:
        return _json({"errors": [{"status": "401", "code": "INVALID_TOKEN"}]}, 401)
    body = json.loads(request.body)["data"]
    order_id = body["relationships"]["order"]["data"]["id"]
    order = (
        Order.objects.filter(pk=order_id, mode=scope["mode"])
        .values("id", "payment_gateway_id")
        .first()
    )
    payment = ExternalPayment.objects.create(
        mode=scope["mode"],
        order_id=order["id"],
        payment_gateway_id=order["payment_gateway_id"],
        payment_source_token=body["attributes"]["payment_source_token"],
    )
    AuditEntry.objects.create(
        mode=payment.mode,
        resource_type="external_payments",
        resource_id=payment.pk,
        event="create",
        changes={"payment_source_token": [None, payment.payment_source_token]},
    )
    row = {
        "id": payment.pk,
        "mode": payment.mode,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "reference": "",
        "reference_origin": "",
        "metadata": {},
        "payment_source_token": payment.payment_source_token,
        "options": {},
        "payment_instrument": {},
    }
    return _json({"data": _payment_object(_base(request), row, {})}, 201)


MINIMAL_PAGE = engines["django"].from_string(
    "<!doctype html><html><body><h1>Pay order {{ order.number }}</h1><form method=post>"
    "{% csrf_token %}<fieldset><legend>Saved cards</legend>{% for card in cards %}"
    "<label><input type=radio name=card value='{{ card.id }}'{% if card.is_default %} checked"
    "{% endif %}> {{ card.payment_instrument.card_type }} •••• "
    "{{ card.payment_instrument.card_last_digits }} {{ card.payment_instrument.card_expiry_month }}"
    "/{{ card.payment_instrument.card_expiry_year }}</label>{% endfor %}</fieldset>"
    "<button>Pay {{ order.currency_code }} {{ order.total_amount_cents }}</button></form>"
    "</body></html>"
)


def checkout_page(request: HttpRequest, pk: str) -> HttpResponse:
    """The checkout page's data rendered through a minimal template."""
    order = get_object_or_404(
        Order.objects.values("id", "number", "currency_code", "total_amount_cents", "customer_id"),
        pk=pk,
        customer__user=request.user,
    )
    cards = CustomerPaymentSource.objects.filter(customer_id=order["customer_id"]).values(
        "id", "is_default", "payment_instrument"
    )
    return HttpResponse(MINIMAL_PAGE.render({"order": order, "cards": cards}, request))
