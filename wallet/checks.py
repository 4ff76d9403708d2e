"""System checks for the ``WALLET`` settings."""

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from wallet.conf import DEFAULTS, wallet_settings

# DOT settings the wallet's token views override, with what replaces each.
IGNORED_DOT_SETTINGS = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 'WALLET["ACCESS_TOKEN_EXPIRE_SECONDS"]',
    "OAUTH2_VALIDATOR_CLASS": "wallet.oauth.validators.WalletOAuth2Validator, always",
    "OAUTH2_BACKEND_CLASS": "wallet.oauth.validators.WalletOAuthLibCore, always",
}


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


@register()
def check_ignored_oauth_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Name the ``OAUTH2_PROVIDER`` settings the wallet's token views never read."""
    from django.conf import settings

    configured = getattr(settings, "OAUTH2_PROVIDER", {}) or {}
    return [
        Warning(
            f"OAUTH2_PROVIDER[{name!r}] is ignored by the wallet's token endpoint.",
            hint=f"Remove it; the wallet uses {replacement}.",
            id="wallet.W001",
        )
        for name, replacement in IGNORED_DOT_SETTINGS.items()
        if name in configured
    ]


@register()
def check_jwt_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse a token signing key that cannot be read or is not RSA, and an unknown algorithm."""
    from django.core.exceptions import ImproperlyConfigured

    from wallet import jwt_tokens

    try:
        jwt_tokens.algorithm()
        if wallet_settings.JWT_PRIVATE_KEY:
            jwt_tokens.signing_key()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="wallet.E004")]
    return []


@register(Tags.database)
def check_no_live_test_gateway(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Name every live gateway of kind ``test``: it would authorize any token.

    The database refuses new ones; this finds rows from before that rule (``migrate`` runs it).
    """
    from django.db import DatabaseError

    from wallet.models import PaymentGateway

    databases = kwargs.get("databases") or []
    if "default" not in databases:
        return []
    try:
        names = list(
            PaymentGateway.objects.filter(kind="test", mode="live").values_list("name", flat=True)
        )
    except DatabaseError:  # not migrated yet: nothing to name
        return []
    return [
        Error(
            f"Live payment gateway {name!r} is of kind 'test', which authorizes any token.",
            hint="Give it a real kind, or disable it and move it to test mode.",
            id="wallet.E003",
        )
        for name in names
    ]
