"""Media types: ``application/vnd.api+json`` in and out, ``application/json`` accepted too.

The renderers are here, the parsers in :mod:`wallet.api.parsers`. Any other ``Accept`` gets
406 and any other write ``Content-Type`` 415 (raised by DRF, rendered as JSON:API errors by
:mod:`wallet.api.errors`).
"""

import re

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
