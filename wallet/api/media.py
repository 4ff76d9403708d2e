"""Media types: ``application/vnd.api+json`` in and out, ``application/json`` accepted too.

Any other ``Accept`` gets 406 and any other write ``Content-Type`` 415 (raised by DRF, rendered
as JSON:API errors by :mod:`wallet.api.errors`).
"""

from collections.abc import Iterator
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"


class JsonApiRenderer(JSONRenderer):
    """Renders documents as ``application/vnd.api+json`` (the default answer)."""

    media_type = JSONAPI_MEDIA_TYPE
    format = "vnd.api+json"
    charset = None


class PlainJsonRenderer(JSONRenderer):
    """Renders the same documents as ``application/json`` for generic clients asking for it."""

    charset = None


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


class SafeJSONParser(JSONParser):
    """JSON bodies, refusing what the database or Python cannot take as a 400 parse error.

    Nesting deep enough to exhaust the recursion limit, and NUL characters (which PostgreSQL
    text cannot store), are bad request bodies, not server errors.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        """Parse the body, then refuse NUL characters anywhere in it."""
        try:
            data = super().parse(stream, media_type, parser_context)
            has_nul = any("\x00" in text for text in _strings(data))
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply") from None
        if has_nul:
            raise ParseError("JSON parse error - the body contains a NUL character")
        return data


class JsonApiParser(SafeJSONParser):
    """Parses ``application/vnd.api+json`` bodies."""

    media_type = JSONAPI_MEDIA_TYPE


class PlainJsonParser(SafeJSONParser):
    """Parses ``application/json`` bodies, so generic HTTP clients work."""
