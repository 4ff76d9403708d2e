"""Template tags that draw saved cards: brand marks and state badges.

Both run once per card on the wallet and checkout pages, so they are plain Python rather than
``{% include %}``: a brand mark is rendered once per brand and size per process, and the badges
are formatted directly.
"""

from functools import cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from wallet.instruments import BRANDS, CardDisplay

register = template.Library()


@cache
def _cached_mark(brand: str, size: str) -> str:
    return render_to_string("wallet/includes/brand_mark.html", {"brand": brand, "size": size})


@register.simple_tag
def brand_mark(brand: str, size: str = "") -> SafeString:
    """The decorative SVG mark of a card brand (``other`` for an unknown one)."""
    brand = brand if brand in BRANDS else "other"
    if settings.DEBUG:  # pick up template edits while developing
        return mark_safe(_cached_mark.__wrapped__(brand, size))  # noqa: S308 - our template
    return mark_safe(_cached_mark(brand, size))  # noqa: S308 - rendered from our template


@register.simple_tag
def card_badges(card: CardDisplay, prefix: str = "") -> SafeString:
    """The Default / Expired / Expires soon badges of a card; the state badge has an id."""
    badges: list[tuple[str, str, str]] = []
    if card.is_default:
        badges.append(("badge badge--default", "", gettext("Default")))
    state_id = f"{prefix}{card.id}-state"
    if card.is_expired:
        badges.append(("badge badge--expired", state_id, gettext("Expired")))
    elif card.is_expiring_soon:
        badges.append(("badge badge--soon", state_id, gettext("Expires soon")))
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html('<span class="{}" id="{}">{}</span>', css, badge_id, text)
                if badge_id
                else format_html('<span class="{}">{}</span>', css, text),
            )
            for css, badge_id, text in badges
        ),
    )
