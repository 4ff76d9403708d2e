"""How the storefront presents a saved card: brand, masked number, expiry and its state.

Pure functions over a ``payment_instrument`` dict and a date, so they are easy to test and the
templates stay free of date arithmetic.
"""

import calendar
import dataclasses
import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from wallet.conf import wallet_settings

VALID = "valid"
EXPIRING_SOON = "expiring_soon"
EXPIRED = "expired"

# Brand marks the templates know how to draw; anything else is drawn as a generic card.
BRANDS: dict[str, Any] = {
    "visa": _("Visa"),
    "mastercard": _("Mastercard"),
    "amex": _("American Express"),
    "discover": _("Discover"),
    "other": _("Card"),
}
_BRAND_ALIASES = {
    "master": "mastercard",
    "master_card": "mastercard",
    "american_express": "amex",
    "americanexpress": "amex",
}


def normalize_brand(card_type: str | None) -> str:
    """Map a gateway's ``card_type`` to one of :data:`BRANDS` (``other`` when unknown)."""
    key = str(card_type or "").strip().lower().replace(" ", "_").replace("-", "_")
    key = _BRAND_ALIASES.get(key, key)
    return key if key in BRANDS else "other"


def expiry_date(month: Any, year: Any) -> datetime.date | None:
    """The last day a card with this expiry month and year can be used; ``None`` if unknown."""
    try:
        month_number, year_number = int(month), int(year)
    except (TypeError, ValueError):
        return None
    if year_number < 100:
        year_number += 2000
    if not 1 <= month_number <= 12 or not 1 <= year_number <= 9999:
        return None
    last_day = calendar.monthrange(year_number, month_number)[1]
    return datetime.date(year_number, month_number, last_day)


def card_state(month: Any, year: Any, *, today: datetime.date, soon_days: int | None = None) -> str:
    """``expired`` after the expiry month, ``expiring_soon`` within ``soon_days``, else ``valid``.

    A card is usable until the last day of its expiry month. Unknown expiry counts as valid:
    the gateway decides.
    """
    if soon_days is None:
        soon_days = int(wallet_settings.EXPIRING_SOON_DAYS)
    last_day = expiry_date(month, year)
    if last_day is None:
        return VALID
    if today > last_day:
        return EXPIRED
    if (last_day - today).days <= soon_days:
        return EXPIRING_SOON
    return VALID


@dataclasses.dataclass(frozen=True)
class CardDisplay:
    """Everything a template needs to draw one saved card."""

    id: str
    brand: str
    brand_label: str
    last_digits: str
    expiry: str
    holder: str
    is_default: bool
    state: str
    nickname: str = ""

    @property
    def label(self) -> str:
        """``Visa •••• 4242``, or the brand alone when the digits are unknown."""
        if self.last_digits:
            return f"{self.brand_label} •••• {self.last_digits}"
        return str(self.brand_label)

    @property
    def is_expired(self) -> bool:
        """Whether the card can no longer be used."""
        return self.state == EXPIRED

    @property
    def is_expiring_soon(self) -> bool:
        """Whether the card expires within the configured number of days."""
        return self.state == EXPIRING_SOON

    @property
    def is_selectable(self) -> bool:
        """Whether the customer may pay with it."""
        return not self.is_expired


def describe_instrument(
    instrument: dict[str, Any] | None,
    *,
    today: datetime.date,
    source_id: str = "",
    is_default: bool = False,
    soon_days: int | None = None,
) -> CardDisplay:
    """Describe a ``payment_instrument`` dict for display."""
    instrument = instrument or {}
    brand = normalize_brand(instrument.get("card_type"))
    month = instrument.get("card_expiry_month")
    year = instrument.get("card_expiry_year")
    last_day = expiry_date(month, year)
    return CardDisplay(
        id=source_id,
        brand=brand,
        brand_label=str(BRANDS[brand]),
        last_digits=str(instrument.get("card_last_digits") or ""),
        expiry=f"{last_day.month:02d}/{last_day.year}" if last_day else "",
        holder=str(instrument.get("card_holder_name") or ""),
        is_default=is_default,
        state=card_state(month, year, today=today, soon_days=soon_days),
    )


def describe_source(
    source: Any, *, today: datetime.date, soon_days: int | None = None
) -> CardDisplay:
    """Describe a saved :class:`~wallet.models.CustomerPaymentSource` for display."""
    card = describe_instrument(
        source.payment_instrument,
        today=today,
        source_id=source.pk,
        is_default=source.is_default,
        soon_days=soon_days,
    )
    return dataclasses.replace(card, nickname=str(getattr(source, "nickname", "") or ""))
