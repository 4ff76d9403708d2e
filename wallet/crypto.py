"""Encryption at rest of gateway secrets: Fernet keys from settings, rotatable.

``WALLET["SECRET_KEYS"]`` lists Fernet keys (``Fernet.generate_key()``): the first encrypts,
every one decrypts (:class:`~cryptography.fernet.MultiFernet`), so a key is rotated by putting a
new one first, re-encrypting (``manage.py wallet_rotate_secrets``), then dropping the old one.
Without the setting one key is derived from ``settings.SECRET_KEY`` (HKDF-SHA256), so the demo
works unconfigured; production sets its own keys, kept apart from ``SECRET_KEY``.

:class:`EncryptedTextField` stores the ciphertext and gives the plaintext in Python.
"""

import base64
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from wallet.conf import wallet_settings

# Every stored ciphertext starts with this, so plaintext left by an older version is recognised.
PREFIX = "fernet:"


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from Django's ``SECRET_KEY`` (the default, for demos)."""
    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"wallet.crypto",
        info=b"gateway secrets",
    ).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def configured_keys() -> list[bytes]:
    """The Fernet keys in use: ``WALLET["SECRET_KEYS"]``, or one derived from ``SECRET_KEY``."""
    keys = wallet_settings.SECRET_KEYS
    if not keys:
        return [derived_key(settings.SECRET_KEY)]
    if isinstance(keys, str | bytes):
        keys = [keys]
    return [key.encode("ascii") if isinstance(key, str) else key for key in keys]


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in configured_keys()])
    except ValueError as exc:
        raise ImproperlyConfigured(
            'WALLET["SECRET_KEYS"] must list Fernet keys (Fernet.generate_key())'
        ) from exc


def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the first key; the empty string stays empty."""
    if not plaintext:
        return ""
    token = _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")
    return f"{PREFIX}{token}"


def is_encrypted(value: str | None) -> bool:
    """Whether a stored value is ciphertext written by :func:`encrypt`."""
    return bool(value) and str(value).startswith(PREFIX)


def decrypt(stored: str) -> str:
    """The plaintext of a stored value; a value stored before encryption is returned as is.

    Raises :class:`ImproperlyConfigured` when no configured key decrypts it (a key was
    dropped before re-encrypting).
    """
    if not is_encrypted(stored):
        return stored or ""
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            'A gateway secret cannot be decrypted with WALLET["SECRET_KEYS"]: keep the old key '
            "in the list until every secret is re-encrypted"
        ) from exc


def reencrypt(stored: str) -> str:
    """``stored`` encrypted with the current first key (plaintext is encrypted)."""
    if not stored:
        return ""
    if not is_encrypted(stored):
        return encrypt(stored)
    token = _fernet().rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")
    return f"{PREFIX}{token}"


class EncryptedTextField(models.TextField):
    """A text field stored encrypted (Fernet) and read back as plaintext.

    Lookups compare fresh ciphertexts (random IVs), so never filter on its value, except
    ``=""`` (the empty string is stored as is). ``dumpdata`` writes the plaintext.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        """Decrypt what the database returns."""
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        """Encrypt before writing: Python always holds plaintext, even one that looks encrypted."""
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))
