"""Payment instruments (cards): brands, labels, masks, expiry. The single home of those rules.

The admin, the storefront, the services and the API all call these functions, so a card reads
the same everywhere: ``American Express •••• 0005``, expired the day after its expiry month (in
the shop's time zone), masked ``•••• •••••• •0005`` (Amex, 4-6-5) or ``•••• •••• •••• 4242``.
Pure functions over a ``payment_instrument`` dict (``card_type``, ``card_last_digits``,
``card_expiry_month``, ``card_expiry_year``, ``card_holder_name``) and a date.
"""

import calendar
import dataclasses
import datetime
from typing import Any

from django.utils import timezone
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
# How each brand groups its digits; the masks keep that shape (Amex: 15 digits, 4-6-5).
DIGIT_GROUPS: dict[str, tuple[int, ...]] = {"amex": (4, 6, 5)}
DEFAULT_DIGIT_GROUPS = (4, 4, 4, 4)
MASK_CHARACTER = "•"
# Commerce Layer's ``name`` of a saved source: the same shape for every brand (the API filters
# and sorts on it in SQL, so it is a prefix plus the last digits).
SOURCE_NAME_PREFIX = "XXXX-XXXX-XXXX-"


def normalize_brand(card_type: str | None) -> str:
    """Map a gateway's ``card_type`` to one of :data:`BRANDS` (``other`` when unknown)."""
    key = str(card_type or "").strip().lower().replace(" ", "_").replace("-", "_")
    key = _BRAND_ALIASES.get(key, key)
    return key if key in BRANDS else "other"


def brand_label(card_type: str | None) -> str:
    """The brand's name as shoppers and staff read it: ``American Express``, ``Card`` if unknown."""
    return str(BRANDS[normalize_brand(card_type)])


def masked_number(card_type: str | None, last_digits: str | None) -> str:
    """The card number with all but its last digits masked, grouped as the brand prints it.

    ``•••• •••• •••• 4242``; Amex ``•••• •••••• •0005``. Empty when the last digits are unknown.
    """
    last = str(last_digits or "")
    if not last:
        return ""
    groups = DIGIT_GROUPS.get(normalize_brand(card_type), DEFAULT_DIGIT_GROUPS)
    digits = MASK_CHARACTER * max(0, sum(groups) - len(last)) + last
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    return " ".join(part for part in parts if part)


def instrument_label(instrument: dict[str, Any] | None) -> str:
    """``American Express •••• 0005``; the brand alone without digits; empty if nothing known."""
    instrument = instrument or {}
    last_digits = str(instrument.get("card_last_digits") or "")
    if not instrument.get("card_type") and not last_digits:
        return ""
    label = brand_label(instrument.get("card_type"))
    return f"{label} {MASK_CHARACTER * 4} {last_digits}" if last_digits else label


def source_name(instrument: dict[str, Any] | None) -> str:
    """A saved source's wire ``name``: ``XXXX-XXXX-XXXX-1111``, empty without last digits."""
    last_digits = (instrument or {}).get("card_last_digits")
    return f"{SOURCE_NAME_PREFIX}{last_digits}" if last_digits else ""


# A saved source's columns kept from its ``payment_instrument`` (see :func:`card_columns`).
CARD_COLUMNS = ("card_brand", "card_last_digits", "name")


def card_columns(instrument: dict[str, Any] | None) -> tuple[str, str, str]:
    """A saved source's brand, last digits and ``name``, as stored in their own columns.

    They are columns so that the API filters and sorts saved cards by index; the services fill
    them on every write of the instrument (``services.records``).
    """
    instrument = instrument or {}
    brand = str(instrument.get("card_type") or "")[:32]
    last_digits = str(instrument.get("card_last_digits") or "")[:4]
    return brand, last_digits, source_name(instrument)[:40]


def shop_today() -> datetime.date:
    """The date every expiry rule is judged on: today in the shop's time zone (``TIME_ZONE``)."""
    return timezone.localdate()


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


def card_state(
    month: Any, year: Any, *, today: datetime.date | None = None, soon_days: int | None = None
) -> str:
    """``expired`` after the expiry month, ``expiring_soon`` within ``soon_days``, else ``valid``.

    A card is usable until the last day of its expiry month. Unknown expiry counts as valid:
    the gateway decides. ``today`` defaults to :func:`shop_today`, ``soon_days`` to
    ``WALLET["EXPIRING_SOON_DAYS"]``.
    """
    if soon_days is None:
        soon_days = int(wallet_settings.EXPIRING_SOON_DAYS)
    on = today if today is not None else shop_today()
    last_day = expiry_date(month, year)
    if last_day is None:
        return VALID
    if on > last_day:
        return EXPIRED
    if (last_day - on).days <= soon_days:
        return EXPIRING_SOON
    return VALID


def instrument_state(
    instrument: dict[str, Any] | None, *, today: datetime.date | None = None
) -> str:
    """:func:`card_state` of a ``payment_instrument`` dict."""
    instrument = instrument or {}
    return card_state(
        instrument.get("card_expiry_month"), instrument.get("card_expiry_year"), today=today
    )


def is_expired(instrument: dict[str, Any] | None, *, today: datetime.date | None = None) -> bool:
    """Whether the card of a ``payment_instrument`` dict is past its expiry month."""
    return instrument_state(instrument, today=today) == EXPIRED


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
            return f"{self.brand_label} {MASK_CHARACTER * 4} {self.last_digits}"
        return str(self.brand_label)

    @property
    def masked_number(self) -> str:
        """The number masked as the brand groups it: ``•••• •••••• •0005`` for Amex."""
        return masked_number(self.brand, self.last_digits)

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
    today: datetime.date | None = None,
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
    source: Any, *, today: datetime.date | None = None, soon_days: int | None = None
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
