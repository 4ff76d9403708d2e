"""OAuth2 routes (``/oauth/token``, ``/oauth/revoke``), mounted by the shop at ``/oauth/``."""

urlpatterns: list = []
