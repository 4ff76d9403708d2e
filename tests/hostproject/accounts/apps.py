"""App configuration of the host shop's accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """The shop's accounts app, labelled ``accounts`` (``AUTH_USER_MODEL = "accounts.User"``)."""

    name = "tests.hostproject.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
