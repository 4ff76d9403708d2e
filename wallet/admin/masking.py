"""Gateway tokens shown masked in the admin: to their last four characters, at any depth of a
JSON value, and put back when a masked value comes back unchanged from a form."""

import json
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

MASK = "••••"


def mask_token(value: Any) -> str:
    """Mask a token to its last 4 characters: ``tok_test_visa_4242_1230`` → ``••••1230``."""
    text = str(value or "")
    if not text:
        return ""
    return MASK + text[-4:] if len(text) > 4 else MASK


def is_token_key(key: Any) -> bool:
    """Whether a JSON key names a token (``customer_token``, ``token``, …)."""
    return str(key).lower().endswith("token")


def mask_json(value: Any, key: Any = None) -> Any:
    """Return ``value`` with every string under a token-like key masked, at any depth.

    A list under a token key (like an audit change ``[old, new]``) has each item masked.
    """
    if isinstance(value, dict):
        return {k: mask_json(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_json(item, key) for item in value]
    if isinstance(value, str) and key is not None and is_token_key(key):
        return mask_token(value)
    return value


def unmask_json(new: Any, old: Any) -> Any:
    """Put back the real tokens where a submitted JSON value still holds their masked form."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    restored = {}
    for key, value in new.items():
        original = old.get(key)
        if (
            is_token_key(key)
            and isinstance(value, str)
            and isinstance(original, str)
            and value == mask_token(original)
        ):
            restored[key] = original
        elif isinstance(value, dict):
            restored[key] = unmask_json(value, original)
        else:
            restored[key] = value
    return restored


def json_display(value: Any) -> SafeString:
    """Render a JSON value, tokens masked, as preformatted text."""
    if value in (None, {}, []):
        return format_html("{}", "-")
    text = json.dumps(mask_json(value), indent=2, ensure_ascii=False, sort_keys=True)
    return format_html('<pre class="wallet-json">{}</pre>', text)


class MaskedJSONFormField(forms.JSONField):
    """A JSON form field that shows token-like keys masked.

    The form puts the real token back when the masked value comes back unchanged
    (:func:`unmask_json`), so editing other keys never destroys a token.
    """

    def prepare_value(self, value: Any) -> Any:
        """Mask tokens before rendering (bound invalid input is left as typed)."""
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return super().prepare_value(mask_json(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Compare with the masked initial value: an untouched masked token is no change."""
        return super().has_changed(mask_json(initial), data)


def changes_display(changes: dict[str, Any]) -> SafeString:
    """Render audit changes ``{attr: [old, new]}`` as lines ``attr: old → new``, tokens masked."""
    masked = mask_json(changes or {})
    if not masked:
        return format_html("{}", "-")

    def show(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for field, change in masked.items():
        if isinstance(change, list) and len(change) == 2:
            lines.append((field, show(change[0]), show(change[1])))
        else:
            lines.append((field, "", show(change)))
    return format_html_join(
        "", "<div><code>{}</code>: {} &rarr; {}</div>", ((f, a, b) for f, a, b in lines)
    )


def who_display(who: dict[str, Any]) -> str:
    """Describe an audit ``who``: ``admin · user 3``."""
    who = who or {}
    parts = []
    application = who.get("application") or {}
    if application.get("kind"):
        parts.append(str(application["kind"]))
    owner = who.get("owner") or {}
    if owner.get("type"):
        parts.append(f"{owner['type']} {owner.get('id') or ''}".strip())
    return " · ".join(parts) or "-"
