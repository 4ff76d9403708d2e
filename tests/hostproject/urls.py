"""URLs of the host shop: its admin, and the wallet mounted as the README says."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("wallet.api.urls")),
    path("oauth/", include("wallet.oauth_urls")),
    path("", include("wallet.urls")),
]
