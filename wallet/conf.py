"""The ``WALLET`` settings dict and its documented defaults.

Read a value with ``wallet_settings.MODE``; a shop overrides any key in ``settings.WALLET``.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Mode (test or live) in which the storefront's logged-in customers act.
    "MODE": "test",
    # JSON:API page sizes.
    "PAGE_SIZE": 10,
    "MAX_PAGE_SIZE": 25,
    # Days before expiry from which a card is flagged as expiring soon.
    "EXPIRING_SOON_DAYS": 30,
    # Access token lifetime in seconds (Commerce Layer: two hours).
    "ACCESS_TOKEN_EXPIRE_SECONDS": 7200,
    # Rate limits: (requests, seconds) windows per credential, by mode, and for the token endpoint.
    "RATE_LIMITS": {
        "live": [(200, 60), (50, 10)],
        "test": [(100, 60), (25, 10)],
        "token": [(30, 60)],
    },
    # Reverse proxies in front of the shop that append to X-Forwarded-For; 0 trusts none and
    # rate-limits by REMOTE_ADDR.
    "TRUSTED_PROXY_COUNT": 0,
    # Seconds an external gateway call may take before it is abandoned.
    "GATEWAY_TIMEOUT": 10,
}


class WalletSettings:
    """Attribute access to ``settings.WALLET`` merged over :data:`DEFAULTS`, read on each access."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown wallet setting: {name}")
        user_settings = getattr(settings, "WALLET", {}) or {}
        return user_settings.get(name, DEFAULTS[name])


wallet_settings = WalletSettings()
