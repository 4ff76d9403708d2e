"""OAuth2 routes (``/oauth/token``, ``/oauth/revoke``), mounted by the shop at ``/oauth/``."""

from django.urls import path

from wallet.oauth import WalletRevokeTokenView, WalletTokenView

app_name = "wallet-oauth"

urlpatterns = [
    path("token", WalletTokenView.as_view(), name="token"),
    path("revoke", WalletRevokeTokenView.as_view(), name="revoke"),
]
