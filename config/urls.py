"""URLs of the demo shop: the admin, login, the storefront, the API and OAuth2."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("wallet.api.urls")),
    path("oauth/", include("wallet.oauth_urls")),
    path("", include("wallet.urls")),
]
