"""Media types: ``application/vnd.api+json`` in and out, ``application/json`` accepted too.

Any other ``Accept`` gets 406 and any other write ``Content-Type`` 415 (raised by DRF, rendered
as JSON:API errors by :mod:`wallet.api.errors`).
"""

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


class JsonApiParser(JSONParser):
    """Parses ``application/vnd.api+json`` bodies."""

    media_type = JSONAPI_MEDIA_TYPE


class PlainJsonParser(JSONParser):
    """Parses ``application/json`` bodies, so generic HTTP clients work."""
