"""URLs of the wallet: the storefront pages (namespace ``wallet``) and the API under ``api/``."""

app_name = "wallet"

urlpatterns: list = []
