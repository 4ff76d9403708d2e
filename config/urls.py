"""URLs of the demo shop: the admin, login, the storefront, the API and OAuth2."""

from django.contrib import admin
from django.urls import include, path

from wallet.oauth import jwks

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("wallet.api.urls")),
    path("oauth/", include("wallet.oauth.urls")),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("", include("wallet.urls")),
]
