"""Who is calling the API: the role, the scope of what they may read, and the audit actor.

Every API view asks :func:`resolve_access` once per request (the rate limiter may ask first; the
answer is kept on the request). Two ways in:

- ``Authorization: Bearer <token>`` from ``POST /oauth/token``: the token's credential gives the
  mode and the role (``integration`` or ``sales_channel``); a token issued through the password
  grant is the ``customer`` role, scoped to the customer of the token's user in that mode. A
  missing credential, an unknown, expired or revoked token, a deactivated user or a user no
  longer linked to a customer all answer ``None`` (401 ``INVALID_TOKEN``).
- No ``Authorization`` header: the Django session, in ``WALLET["MODE"]``, with CSRF checked on
  unsafe methods. A logged-in customer is the ``customer`` role. Reads never write: a user
  without a wallet customer is not a caller of safe methods (401); their first write creates
  the customer (``services.ensure_customer_for_user``, never linking by email). A superuser
  acts as an ``integration``: they already manage every record of the mode in the admin. Other
  staff are customers like anyone else. A request with an ``Authorization`` header never falls
  back to the session.
"""

import hashlib
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from wallet.conf import wallet_settings
from wallet.models import Customer
from wallet.roles import CUSTOMER, INTEGRATION, SALES_CHANNEL
from wallet.selectors import Scope, customer_of_user
from wallet.services import Actor, actor_for_customer, actor_for_user, ensure_customer_for_user

__all__ = [
    "CUSTOMER",
    "INTEGRATION",
    "MAX_TOKEN_LENGTH",
    "SALES_CHANNEL",
    "Access",
    "bearer_token",
    "resolve_access",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Longer bearer values are not tokens the wallet issued (a JWT signed with a 4096-bit key is
# about 1,300 characters); they are refused without hashing.
MAX_TOKEN_LENGTH = 4096
_UNRESOLVED = object()


@dataclass(frozen=True)
class Access:
    """The caller of one API request: ``role``, read ``scope`` and write ``actor``.

    ``token_id`` (the access token row) or ``session_key`` names the credential of the request,
    which a password change keeps while revoking the user's others.
    """

    role: str
    scope: Scope
    actor: Actor
    token_id: int | None = None
    session_key: str | None = None


def resolve_access(request: HttpRequest) -> Access | None:
    """Return the caller's access, or ``None`` when the request is not authenticated.

    Accepts a Django ``HttpRequest`` or a DRF ``Request``; the answer is computed once per
    request.
    """
    http_request = getattr(request, "_request", request)
    cached = getattr(http_request, "_wallet_access", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cast(Access | None, cached)
    if "HTTP_AUTHORIZATION" in http_request.META:
        access = _bearer_access(http_request.META["HTTP_AUTHORIZATION"])
    else:
        access = _session_access(http_request)
    # Cached on the request, which declares no such attribute.
    http_request._wallet_access = access  # type: ignore[union-attr]
    return access


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None`` if malformed."""
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if any(character.isspace() for character in token):
        return None
    return token


def _bearer_access(header: str) -> Access | None:
    """The access of a bearer token: the token with its credential, then a customer's login.

    An integration's token needs one query; a customer's token (one with a user) a second one,
    for the customer of that user in the credential's mode.
    """
    token = bearer_token(header)
    if token is None:
        return None
    # Only the columns the decision needs: building model instances cost more than the query.
    rows = list(
        get_access_token_model()
        .objects.filter(token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest())
        .values(
            "id",
            "expires",
            "user_id",
            "application__client_id",
            "application__wallet_credential__kind",
            "application__wallet_credential__mode",
        )[:1]
    )
    if not rows:
        return None
    row = rows[0]
    kind = row["application__wallet_credential__kind"]
    mode = row["application__wallet_credential__mode"]
    if not row["expires"] or timezone.now() >= row["expires"] or kind is None:
        return None
    client_id = row["application__client_id"]
    if row["user_id"] is None:
        return Access(
            role=kind,
            scope=Scope(mode=mode, role=kind),
            actor=Actor(application_id=client_id, application_kind=kind),
        )
    if kind != SALES_CHANNEL:
        return None
    customer_ids = list(
        Customer.objects.filter(
            user_id=row["user_id"], user__is_active=True, mode=mode
        ).values_list("pk", flat=True)[:1]
    )
    if not customer_ids:
        return None
    customer_id = customer_ids[0]
    return Access(
        role=CUSTOMER,
        scope=Scope(mode=mode, customer_id=customer_id, role=CUSTOMER),
        actor=Actor(
            application_id=client_id,
            application_kind=kind,
            owner_id=customer_id,
            owner_type=CUSTOMER,
        ),
        token_id=row["id"],
    )


def _session_access(request: HttpRequest) -> Access | None:
    """The access of a logged-in storefront session in ``WALLET["MODE"]``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if request.method not in SAFE_METHODS and not _csrf_passes(request):
        return None
    mode = wallet_settings.MODE
    if user.is_staff and user.is_superuser:
        # Only superusers act as an integration: staff with fewer admin permissions must not
        # get every right of the mode through the API.
        return Access(
            role=INTEGRATION,
            scope=Scope(mode=mode, role=INTEGRATION),
            actor=actor_for_user(user, application_kind=INTEGRATION),
        )
    if request.method in SAFE_METHODS:
        customer = customer_of_user(user, mode)
    else:
        try:
            customer = ensure_customer_for_user(user, mode)
        except ValidationError:  # e.g. another customer already has the user's email
            customer = None
    if customer is None:
        return None
    return Access(
        role=CUSTOMER,
        scope=Scope(mode=mode, customer_id=customer.pk, role=CUSTOMER),
        actor=actor_for_customer(customer),
        session_key=getattr(getattr(request, "session", None), "session_key", None),
    )


def _csrf_passes(request: HttpRequest) -> bool:
    """Whether an unsafe session request carries a valid CSRF token (as DRF checks it)."""
    # Only the middleware's checks run: it never calls its get_response, nor the (absent) view.
    check = CsrfViewMiddleware(lambda _request: None)  # type: ignore[arg-type]
    check.process_request(request)
    return check.process_view(request, None, (), {}) is None  # type: ignore[arg-type]
