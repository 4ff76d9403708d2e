"""``_jcont``: a JSON attribute contains a JSON object (``@>``, or key paths without it)."""

import json
import math
from typing import Any

from django.db import models
from django.db.models import Q, Value
from django.db.models.fields.json import KeyTransform, KeyTransformExact, KeyTransformIsNull
from django.utils.translation import gettext as _

from wallet.api.filters.spec import MAX_VALUES, invalid
from wallet.validators import has_nul


def jcont(path: str, document: dict[str, Any], supports_contains: bool, parameter: str) -> Q:
    """``path`` contains ``document``: ``@>`` where the database has it, else key paths."""
    if supports_contains:
        return Q(**{f"{path}__contains": document})
    if _count_keys(document) > MAX_VALUES:
        raise invalid(
            parameter, _("At most %(count)d keys in a _jcont object.") % {"count": MAX_VALUES}
        )
    return _key_paths(models.F(path), document, parameter)


def _count_keys(document: dict[str, Any]) -> int:
    """The keys of ``document`` at every level (stops early past ``MAX_VALUES``)."""
    count, pending = 0, [document]
    while pending and count <= MAX_VALUES:
        current = pending.pop()
        count += len(current)
        pending.extend(value for value in current.values() if isinstance(value, dict))
    return count


def _key_paths(expression: Any, document: dict[str, Any], parameter: str) -> Q:
    """One equality per scalar leaf of ``document`` below ``expression``, ANDed."""
    q = Q()
    for key, value in document.items():
        if key.isdigit():
            raise invalid(
                parameter,
                _("Numeric keys such as %(key)r need PostgreSQL for _jcont.") % {"key": key},
            )
        inner = KeyTransform(key, expression)
        if isinstance(value, dict) and value:
            q &= _key_paths(inner, value, parameter)
        elif isinstance(value, dict):
            q &= Q(KeyTransformIsNull(inner, False))
        elif isinstance(value, list):
            raise invalid(
                parameter, _("Arrays inside a _jcont object need PostgreSQL on this server.")
            )
        else:
            q &= Q(KeyTransformExact(inner, Value(value, output_field=models.JSONField())))
    return q


def json_object(raw: str, parameter: str) -> dict[str, Any]:
    """The JSON object of a ``_jcont`` value, or INVALID_FILTER."""
    try:
        document = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise invalid(parameter, _('_jcont takes a JSON object such as {"key": "value"}.'))
    if has_nul(document):  # PostgreSQL's jsonb refuses NUL characters
        raise invalid(parameter, _("The value contains a NUL character."))
    return document


def _no_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity``, which JSON (and the databases) do not have."""
    raise ValueError(name)


def _finite_float(text: str) -> float:
    """A JSON number as a float, refusing those too large to be finite (``1e400``)."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number
