"""The ``WALLET`` settings dict and its documented defaults.

Read a value with ``wallet_settings.MODE``; a shop overrides any key in ``settings.WALLET``.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Mode (test or live) in which the storefront's logged-in customers act.
    "MODE": "test",
    # ISO 4217 currency of orders created without one (Commerce Layer takes the market's).
    "DEFAULT_CURRENCY": "EUR",
    # JSON:API page sizes.
    "PAGE_SIZE": 10,
    "MAX_PAGE_SIZE": 25,
    # Days before expiry from which a card is flagged as expiring soon.
    "EXPIRING_SOON_DAYS": 30,
    # Seconds during which a card removed from the storefront can be brought back ("Undo").
    # Until then it is hidden everywhere (API 404, admin, checkout); the next wallet write of its
    # customer, or ``manage.py wallet_purge_removed_cards``, deletes it for good afterwards.
    "REMOVAL_UNDO_SECONDS": 300,
    # Access token lifetime in seconds (Commerce Layer: two hours); DOT's own setting is ignored.
    "ACCESS_TOKEN_EXPIRE_SECONDS": 7200,
    # Access tokens are JWTs signed with this RSA private key: a PEM string or a PEM file's path.
    # ``None`` generates a key per process (signatures then change on restart): set one.
    "JWT_PRIVATE_KEY": None,
    # The tokens' signing algorithm: RS512 (Commerce Layer's, what js-auth verifies) or RS256.
    "JWT_ALGORITHM": "RS512",
    # The tokens' ``iss`` claim; ``None`` uses the origin of the token request.
    "JWT_ISSUER": None,
    # The tokens' ``organization`` claim; an empty id uses the slug.
    "ORGANIZATION_SLUG": "wallet",
    "ORGANIZATION_ID": "",
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
    # Users are never linked to an existing customer by email, unless the shop verifies emails:
    # a dotted path to (or a) callable ``(user) -> bool`` answering whether the user's email is
    # verified. Off (``None``) by default.
    "LINK_CUSTOMERS_BY_VERIFIED_EMAIL": None,
    # Fernet keys encrypting gateway secrets at rest: the first encrypts, every one decrypts
    # (add a new key first to rotate, then run ``manage.py wallet_rotate_secrets``). ``None``
    # derives one key from ``SECRET_KEY``: fine for a demo, set real keys in production.
    "SECRET_KEYS": None,
    # PostgreSQL: keep each big table's row count per mode with triggers, so unfiltered lists
    # answer ``meta.record_count`` without counting (``wallet.record_counts``; run ``migrate``
    # or ``manage.py wallet_record_counts`` after changing it). Off by default.
    "RECORD_COUNTS": False,
}


class WalletSettings:
    """Attribute access to ``settings.WALLET`` merged over :data:`DEFAULTS`, read on each access."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown wallet setting: {name}")
        user_settings = getattr(settings, "WALLET", {}) or {}
        return user_settings.get(name, DEFAULTS[name])


wallet_settings = WalletSettings()
