"""DRF parsers of the API: JSON:API request documents, as ``application/vnd.api+json`` or JSON.

Beyond JSON itself, a body must be a resource document: ``data`` an object with only the
members of a resource object (400), of the routed type (409), without an ``id`` on create
(400: ids are the server's) and with the URL's ``id`` on update (400). What the attributes
and relationships may carry is the write body's concern (:mod:`wallet.api.bodies`).
"""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from wallet.api.errors import ApiError, bad_request
from wallet.api.media import JSONAPI_MEDIA_TYPE, LONE_SURROGATE
from wallet.validators import has_nul

BODY_MEMBERS = {"type", "id", "attributes", "relationships", "links", "meta"}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _refusal(text: str) -> str | None:
    """What makes ``text`` unstorable (a NUL character, a lone surrogate), or ``None``."""
    if has_nul(text):
        return "a NUL character"
    if LONE_SURROGATE.search(text):
        return "a lone UTF-16 surrogate"
    return None


class SafeJSONParser(JSONParser):
    """JSON bodies, refusing what the database or Python cannot take as a 400 parse error.

    Nesting deep enough to exhaust the recursion limit, NUL characters (which PostgreSQL
    text cannot store) and lone UTF-16 surrogates (which no UTF-8 text can hold) are bad request
    bodies, not server errors.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        """Parse the body, then refuse NUL characters and lone surrogates anywhere in it."""
        try:
            data = super().parse(stream, media_type, parser_context)
            refusal = next(filter(None, map(_refusal, _strings(data))), None)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply") from None
        if refusal:
            raise ParseError(f"JSON parse error - the body contains {refusal}")
        return data


class ResourceDocumentParser(SafeJSONParser):
    """A JSON:API resource document for the routed type (see the module docstring)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        """The parsed document, its primary data checked against the route."""
        document = super().parse(stream, media_type, parser_context)
        view = (parser_context or {}).get("view")
        if view is not None:
            pk = (parser_context.get("kwargs") or {}).get("pk")
            check_primary_data(document, view.resource.type, pk=pk)
        return document


def check_primary_data(document: Any, type_name: str, *, pk: str | None) -> None:
    """Refuse a body whose ``data`` is not a resource object of ``type_name`` with id ``pk``.

    ``pk`` is ``None`` on create, where a client-generated id is refused.
    """
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise bad_request(
            _("The request body must be a JSON:API document with data"), pointer="/data"
        )
    data = document["data"]
    unknown = sorted(set(data) - BODY_MEMBERS)
    if unknown:
        raise bad_request(
            _("%(member)s is not a member of a resource object") % {"member": unknown[0]},
            pointer=f"/data/{unknown[0]}",
        )
    if "type" not in data:
        raise bad_request(_("type is required"), pointer="/data/type")
    if data["type"] != type_name:
        raise ApiError(
            409, "CONFLICT", _("type must be %(type)s") % {"type": type_name}, pointer="/data/type"
        )
    if pk is None:
        if "id" in data:
            raise bad_request(_("Client-generated ids are not supported"), pointer="/data/id")
        return
    if "id" not in data:
        raise bad_request(_("id is required"), pointer="/data/id")
    if str(data["id"]) != pk:
        raise ApiError(
            400,
            "KEY_NOT_INCLUDED_IN_URL",
            _("The id in the body does not match the id in the URL"),
            pointer="/data/id",
        )


class JsonApiParser(ResourceDocumentParser):
    """Parses ``application/vnd.api+json`` bodies."""

    media_type = JSONAPI_MEDIA_TYPE


class PlainJsonParser(ResourceDocumentParser):
    """Parses ``application/json`` bodies, so generic HTTP clients work."""
