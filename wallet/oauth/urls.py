"""OAuth2 routes (``/oauth/token``, ``/oauth/revoke``), mounted by the shop at ``/oauth/``.

The public keys of the tokens' signatures are served by :func:`wallet.oauth.views.jwks`, which
the shop mounts at ``/.well-known/jwks.json`` (where Commerce Layer's clients look for them).
"""

from django.urls import path

from wallet.oauth.views import WalletRevokeTokenView, WalletTokenView

app_name = "wallet-oauth"

urlpatterns = [
    path("token", WalletTokenView.as_view(), name="token"),
    path("revoke", WalletRevokeTokenView.as_view(), name="revoke"),
]
