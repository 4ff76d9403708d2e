"""System checks for the ``WALLET`` settings."""

from typing import Any

from django.core.checks import CheckMessage, Error, register

from wallet.conf import DEFAULTS, wallet_settings


@register()
def check_wallet_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse unknown keys and a mode other than test or live."""
    from django.conf import settings

    errors: list[CheckMessage] = []
    for key in getattr(settings, "WALLET", {}) or {}:
        if key not in DEFAULTS:
            errors.append(Error(f"Unknown WALLET setting {key!r}.", id="wallet.E001"))
    if wallet_settings.MODE not in ("test", "live"):
        errors.append(Error("WALLET['MODE'] must be 'test' or 'live'.", id="wallet.E002"))
    return errors
