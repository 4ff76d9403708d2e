"""URLs of the host shop: its admin, and the wallet mounted as the README says."""

from django.contrib import admin
from django.urls import include, path

from wallet.oauth import jwks

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("wallet.api.urls")),
    path("oauth/", include("wallet.oauth.urls")),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("", include("wallet.urls")),
]
