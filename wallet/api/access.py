"""Who is calling the API: the role, the scope of what they may read, and the audit actor.

Every API view asks :func:`resolve_access` once per request. The authentication issue replaces
the staff-session rule below with OAuth2 credentials (integration, sales channel, customer).
"""

from dataclasses import dataclass

from django.http import HttpRequest

from wallet.conf import wallet_settings
from wallet.selectors import Scope
from wallet.services import Actor, actor_for_user

INTEGRATION = "integration"
SALES_CHANNEL = "sales_channel"
CUSTOMER = "customer"


@dataclass(frozen=True)
class Access:
    """The caller of one API request: ``role``, read ``scope`` and write ``actor``."""

    role: str
    scope: Scope
    actor: Actor


def resolve_access(request: HttpRequest) -> Access | None:
    """Return the caller's access, or ``None`` when the request is not authenticated.

    Until OAuth2 lands, a logged-in staff session acts as an integration in ``WALLET["MODE"]``.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    mode = wallet_settings.MODE
    return Access(
        role=INTEGRATION,
        scope=Scope(mode=mode, role=INTEGRATION),
        actor=actor_for_user(user, application_kind=INTEGRATION),
    )
