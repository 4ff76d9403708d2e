"""Routes of the JSON:API (namespace ``wallet-api``), mounted by the shop at ``/api/``."""

app_name = "wallet-api"

urlpatterns: list = []
