"""A URLconf for the auth unit tests: the real OAuth2 routes and a probe in the API namespace.

The probe answers who :func:`wallet.api.access.resolve_access` says the caller is, so access
resolution and rate limiting are tested apart from the JSON:API views (tested in test_roles.py
and the isolation tests against the real routes).
"""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from wallet.api.access import resolve_access
from wallet.oauth import jwks


@csrf_exempt  # like DRF views: the session's CSRF check is resolve_access's job
def probe(request: HttpRequest) -> JsonResponse:
    """Describe the caller, or answer 401 INVALID_TOKEN."""
    access = resolve_access(request)
    if access is None:
        error = {"title": "invalid token", "code": "INVALID_TOKEN", "status": "401"}
        return JsonResponse({"errors": [error]}, status=401)
    return JsonResponse(
        {
            "role": access.role,
            "mode": access.scope.mode,
            "customer_id": access.scope.customer_id,
            "who": access.actor.as_who(),
        }
    )


api_patterns = ([path("probe", probe, name="probe")], "wallet-api")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oauth/", include("wallet.oauth.urls")),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("api/", include(api_patterns)),
    path("elsewhere", probe, name="elsewhere"),
]
