"""API credentials: DOT applications with a kind and a mode, and their hashed client secrets.

An API credential (:class:`~wallet.models.ApiCredential`) is a DOT application with a ``kind``
and a ``mode``:

- ``integration``: ``client_credentials`` only; the token acts on everything of its mode;
- ``sales_channel``: ``client_credentials`` (a guest token) and ``password`` with a customer's
  email and password (a customer token, refreshable with ``refresh_token``).

Integrations are confidential clients: every grant needs their secret. Sales channels are public
clients by default, as in Commerce Layer (a browser storefront keeps no secret): their
``client_id`` alone gets tokens, and a secret, when sent, must be right. A shop may create a
confidential sales channel, whose grants then need the secret.
"""

from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from wallet.models import ApiCredential, Mode

INTEGRATION = ApiCredential.Kind.INTEGRATION.value
SALES_CHANNEL = ApiCredential.Kind.SALES_CHANNEL.value


class ClientSecretHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with fewer rounds and its own name, for generated client secrets only.

    A generated secret has hundreds of bits of entropy, so the million rounds that protect
    human passwords add nothing but half a second to every token request. The hash is stored
    with DOT's ``hash_client_secret`` off (DOT would re-hash it with the shop's password
    hashers) and verified by :class:`WalletOAuth2Validator`, whatever ``PASSWORD_HASHERS`` says.
    """

    algorithm = "wallet_pbkdf2_sha256"
    iterations = 10_000

    def is_hashed(self, value: str) -> bool:
        """Whether ``value`` is a hash made by this hasher."""
        return (value or "").startswith(f"{self.algorithm}$")


def create_credential(
    *, name: str, kind: str, mode: str, confidential: bool | None = None
) -> tuple[ApiCredential, str]:
    """Create an API credential; return it and its client secret, which is stored only hashed.

    ``confidential`` defaults to the kind's: integrations are confidential (and cannot be
    anything else), sales channels public. A public credential also gets a secret, which its
    grants may omit.

    Raises ``ValidationError`` (field dict) for an empty name, an unknown kind or mode, or a
    public integration.
    """
    name = (name or "").strip()
    problems: dict[str, Any] = {}
    if not name:
        problems["name"] = _("can't be blank")
    elif len(name) > 255:
        problems["name"] = _("is too long (maximum is 255 characters)")
    if kind not in ApiCredential.Kind.values:
        problems["kind"] = _("must be one of: %(choices)s") % {
            "choices": ", ".join(ApiCredential.Kind.values)
        }
    if mode not in Mode.values:
        problems["mode"] = _("must be one of: %(choices)s") % {"choices": ", ".join(Mode.values)}
    if confidential is None:
        confidential = kind != SALES_CHANNEL
    if kind == INTEGRATION and not confidential:
        problems["confidential"] = _("integrations are always confidential")
    if problems:
        raise ValidationError(problems)
    application_model = get_application_model()
    secret = generate_client_secret()
    hasher = ClientSecretHasher()
    with transaction.atomic():
        application = application_model.objects.create(
            name=name,
            client_type=(
                application_model.CLIENT_CONFIDENTIAL
                if confidential
                else application_model.CLIENT_PUBLIC
            ),
            authorization_grant_type=(
                application_model.GRANT_CLIENT_CREDENTIALS
                if kind == INTEGRATION
                else application_model.GRANT_PASSWORD
            ),
            client_secret=hasher.encode(secret, hasher.salt()),
            # Already hashed above: DOT must store it as is.
            hash_client_secret=False,
        )
        credential = ApiCredential.objects.create(application=application, kind=kind, mode=mode)
    return credential, secret


def rotate_secret(credential: ApiCredential) -> str:
    """Give a credential a new client secret and return it; the old one stops working.

    Tokens already issued stay valid until they expire or are revoked.
    """
    secret = generate_client_secret()
    hasher = ClientSecretHasher()
    application = credential.application
    application.client_secret = hasher.encode(secret, hasher.salt())
    application.hash_client_secret = False
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return secret


def ensure_demo_credential(*, name: str, kind: str, mode: str) -> tuple[ApiCredential, str]:
    """The demo's credential ``name``: created once, with a secret derived from SECRET_KEY.

    Running the demo again finds the same credential and prints the same secret (it is
    re-derived, never stored in clear); a secret rotated meanwhile is set back to the derived
    one. For demos only: a real credential's secret must be random (:func:`create_credential`).
    """
    secret = salted_hmac(
        "wallet.oauth.ensure_demo_credential", f"{kind}:{mode}:{name}", algorithm="sha256"
    ).hexdigest()
    credential = (
        ApiCredential.objects.select_related("application")
        .filter(kind=kind, mode=mode, application__name=name)
        .first()
    )
    if credential is None:
        credential, _random_secret = create_credential(name=name, kind=kind, mode=mode)
    hasher = ClientSecretHasher()
    application = credential.application
    default_type = (
        application.CLIENT_PUBLIC if kind == SALES_CHANNEL else application.CLIENT_CONFIDENTIAL
    )
    if application.client_type != default_type:
        application.client_type = default_type
        application.save(update_fields=["client_type", "updated"])
    if not (
        hasher.is_hashed(application.client_secret)
        and hasher.verify(secret, application.client_secret)
    ):
        application.client_secret = hasher.encode(secret, hasher.salt())
        application.hash_client_secret = False
        application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return credential, secret


def credential_of(application: Any) -> ApiCredential | None:
    """The wallet credential of a DOT application, or ``None`` for a foreign application."""
    if application is None:
        return None
    return getattr(application, "wallet_credential", None)


def is_public(application: Any) -> bool:
    """Whether a DOT application is a public wallet client: a sales channel not confidential.

    An integration is never public, whatever its application says.
    """
    credential = credential_of(application)
    return (
        credential is not None
        and credential.kind == SALES_CHANNEL
        and application.client_type == application.CLIENT_PUBLIC
    )


def set_confidential(credential: ApiCredential, confidential: bool) -> None:
    """Make a sales channel confidential (its grants need the secret) or public again.

    Raises ``ValidationError`` to make an integration public. Tokens already issued stay valid.
    """
    if credential.kind == INTEGRATION and not confidential:
        raise ValidationError({"confidential": _("integrations are always confidential")})
    application = credential.application
    application.client_type = (
        application.CLIENT_CONFIDENTIAL if confidential else application.CLIENT_PUBLIC
    )
    application.save(update_fields=["client_type", "updated"])
