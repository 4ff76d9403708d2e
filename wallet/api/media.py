"""Media types: ``application/vnd.api+json`` in and out, ``application/json`` accepted too.

Any other ``Accept`` gets 406 and any other write ``Content-Type`` 415 (raised by DRF, rendered
as JSON:API errors by :mod:`wallet.api.errors`).
"""

import re
from collections.abc import Iterator
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
# A lone UTF-16 surrogate (``"\\ud800"`` as a JSON escape): valid JSON, but no UTF-8 text.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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


def _refusal(text: str) -> str | None:
    """What makes ``text`` unstorable (a NUL character, a lone surrogate), or ``None``."""
    if "\x00" in text:
        return "a NUL character"
    if LONE_SURROGATE.search(text):
        return "a lone UTF-16 surrogate"
    return None


class JsonApiParser(SafeJSONParser):
    """Parses ``application/vnd.api+json`` bodies."""

    media_type = JSONAPI_MEDIA_TYPE


class PlainJsonParser(SafeJSONParser):
    """Parses ``application/json`` bodies, so generic HTTP clients work."""
