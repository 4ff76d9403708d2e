"""Money: amounts in minor units, ISO 4217 currencies, and formatting in the shopper's locale.

Amounts are stored as integers in the currency's minor unit (cents for EUR, yen for JPY, fils
for KWD), as Commerce Layer does. Babel knows each currency's exponent and each locale's
symbol, grouping and decimal mark: JPY 12345 is ``¥12,345``, EUR 4599 in French ``45,99 €``.
"""

from decimal import Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, is_currency
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

DEFAULT_LOCALE = "en_US"


def is_iso_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code Babel knows (``EUR``, ``JPY`` …)."""
    return isinstance(code, str) and len(code) == 3 and code.isupper() and is_currency(code)


def validate_currency_code(code: str) -> None:
    """Refuse anything but an ISO 4217 code (the services store it upper-cased)."""
    if not isinstance(code, str) or not is_iso_currency(code.upper()):
        raise ValidationError(_("is not an ISO 4217 currency code"), code="invalid")


def minor_unit_exponent(currency_code: str) -> int:
    """Digits after the decimal mark in ``currency_code``: EUR 2, JPY 0, KWD 3."""
    return get_currency_precision(currency_code)


def to_major_units(amount_minor: int, currency_code: str) -> Decimal:
    """The amount in the currency's major unit: 4599 EUR is ``Decimal("45.99")``."""
    return Decimal(amount_minor).scaleb(-minor_unit_exponent(currency_code))


def current_locale() -> str:
    """The Babel locale of the active Django language (``fr`` → ``fr``, ``en-us`` → ``en_US``)."""
    language = get_language() or DEFAULT_LOCALE
    try:
        return str(Locale.parse(to_locale(language)))
    except (UnknownLocaleError, ValueError):
        return DEFAULT_LOCALE


def format_money(amount_minor: int, currency_code: str, locale: str | None = None) -> str:
    """``amount_minor`` of ``currency_code`` as the locale writes it (default: the active one).

    An unknown currency code is shown as code and plain number rather than failing a page.
    """
    locale = locale or current_locale()
    if not is_iso_currency(currency_code):
        return f"{currency_code} {amount_minor}"
    return format_currency(
        to_major_units(amount_minor, currency_code), currency_code, locale=locale
    )
