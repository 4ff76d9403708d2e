"""DRF authentication of the API: bearer tokens, or the storefront session with CSRF on writes.

The decision itself is :func:`~wallet.api.access.resolve_access` (also asked by the rate limiter
before the view runs, so it is computed once per request). ``request.auth`` is the caller's
:class:`~wallet.api.access.Access`; ``request.user`` stays the Django user of the request (a
bearer-token request has the anonymous one), so the session user is never replaced.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from wallet.api import errors
from wallet.api.access import Access, resolve_access


class WalletAuthentication(BaseAuthentication):
    """Resolve the caller of every API request; 401 ``INVALID_TOKEN`` when there is none.

    No request is anonymous: every resource route needs a caller, so an unknown one is refused
    here rather than left to the permission class.
    """

    def authenticate(self, request: Request) -> tuple[Any, Access]:
        """The request's user and :class:`Access`, or raise 401 ``INVALID_TOKEN``."""
        http_request = request._request
        access = resolve_access(http_request)
        if access is None:
            raise errors.invalid_token()
        # Identity test only: reading the lazy session user would cost a query on token calls.
        user = getattr(http_request, "user", None)
        return (AnonymousUser() if user is None else user), access
