"""Signed JWT access tokens shaped as Commerce Layer's, and the JWKS that verifies them.

The private key is ``WALLET["JWT_PRIVATE_KEY"]``: an RSA key as a PEM string or the path of a
PEM file, signing with ``WALLET["JWT_ALGORITHM"]`` (``RS512``, as Commerce Layer and js-auth's
``jwtVerify``; ``RS256`` also works). Without a configured key, a key is generated when the
process starts: tokens still work (the database row, not the signature, authorizes a request),
but their signatures change on every restart and differ between processes.

A token's payload is written so that its base64url form has no ``-`` or ``_``: Commerce Layer's
JavaScript SDK decodes the payload with ``atob``, which refuses those characters. In ASCII JSON
they can only come from ``>``, ``?``, ``~`` or DEL, which are written as ``\\u`` escapes.

This module imports no model: the demo's settings call :func:`ensure_private_key_file`.
"""

import base64
import contextlib
import json
import os
import secrets
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from jwcrypto import jwk, jws

from wallet.conf import wallet_settings

ALGORITHMS = frozenset({"RS256", "RS512"})
KEY_SIZE = 2048
# Characters whose place in the JSON could put a ``-`` or ``_`` in the base64url payload.
_ESCAPED = {">": "\\u003e", "?": "\\u003f", "~": "\\u007e", "\x7f": "\\u007f"}

_ephemeral_lock = threading.Lock()
_ephemeral: list[jwk.JWK] = []


def generate_private_key_pem(key_size: int = KEY_SIZE) -> bytes:
    """A new RSA private key, as unencrypted PKCS#8 PEM bytes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_private_key_file(path: str | os.PathLike[str]) -> Path:
    """Create an RSA private key at ``path`` unless a file is already there; return the path.

    The file is readable by its owner only, and written atomically: concurrent callers end up
    with the same key.
    """
    target = Path(path)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".jwt-key-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(generate_private_key_pem())
        os.chmod(temporary, 0o600)
        # Another process may have created it first: keep theirs.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, target)
    finally:
        os.unlink(temporary)
    return target


def _ephemeral_key() -> jwk.JWK:
    """The key generated for this process when none is configured."""
    with _ephemeral_lock:
        if not _ephemeral:
            _ephemeral.append(jwk.JWK.from_pem(generate_private_key_pem()))
        return _ephemeral[0]


@lru_cache(maxsize=8)
def _key_from_pem(pem: bytes) -> jwk.JWK:
    """Parse a PEM private key once."""
    try:
        key = jwk.JWK.from_pem(pem)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured("WALLET['JWT_PRIVATE_KEY'] is not a PEM private key.") from error
    if key.get("kty") != "RSA" or not key.has_private:
        raise ImproperlyConfigured("WALLET['JWT_PRIVATE_KEY'] must be an RSA private key.")
    return key


@lru_cache(maxsize=8)
def _key_from_file(path: str, modified_ns: int) -> jwk.JWK:
    """Read and parse a key file once per modification time."""
    return _key_from_pem(Path(path).read_bytes())


def signing_key() -> jwk.JWK:
    """The private key of ``WALLET["JWT_PRIVATE_KEY"]``, or this process's generated key.

    Raises ``ImproperlyConfigured`` for a missing file or a value that is not an RSA key.
    """
    configured = wallet_settings.JWT_PRIVATE_KEY
    if not configured:
        return _ephemeral_key()
    text = str(configured)
    if "-----BEGIN" in text:
        return _key_from_pem(text.strip().encode("ascii"))
    try:
        modified_ns = os.stat(text).st_mtime_ns
    except OSError as error:
        raise ImproperlyConfigured(
            f"WALLET['JWT_PRIVATE_KEY'] names a file that cannot be read: {text}"
        ) from error
    return _key_from_file(text, modified_ns)


def algorithm() -> str:
    """``WALLET["JWT_ALGORITHM"]``, checked: ``RS512`` or ``RS256``."""
    value = str(wallet_settings.JWT_ALGORITHM)
    if value not in ALGORITHMS:
        raise ImproperlyConfigured("WALLET['JWT_ALGORITHM'] must be 'RS512' or 'RS256'.")
    return value


def key_id(key: jwk.JWK | None = None) -> str:
    """The ``kid`` of a key: its RFC 7638 SHA-256 thumbprint."""
    return (key or signing_key()).thumbprint()


def public_jwks() -> dict[str, list[dict[str, Any]]]:
    """The JSON Web Key Set publishing the signing key's public half."""
    key = signing_key()
    public = key.export_public(as_dict=True)
    public.update({"kid": key_id(key), "use": "sig", "alg": algorithm()})
    return {"keys": [public]}


def payload_json(claims: dict[str, Any]) -> str:
    """Claims as compact ASCII JSON whose base64url form has no ``-`` or ``_``."""
    text = json.dumps(claims, separators=(",", ":"), ensure_ascii=True, sort_keys=False)
    for character, escape in _ESCAPED.items():
        text = text.replace(character, escape)
    return text


def encode(claims: dict[str, Any]) -> str:
    """Sign ``claims`` as a compact JWT with the configured key and algorithm."""
    key = signing_key()
    header = {"alg": algorithm(), "typ": "JWT", "kid": key_id(key)}
    token = jws.JWS(payload_json(claims).encode("ascii"))
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return token.serialize(compact=True)


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT without checking its signature; ``None`` when it is not a JWT.

    For tokens this process just issued; never to authorize anything.
    """
    parts = (token or "").split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    return claims if isinstance(claims, dict) else None


def random_claim() -> float:
    """Commerce Layer's ``rand`` claim: a random number in [0, 1)."""
    return secrets.randbelow(10**15) / 10**15
