"""Authentication backend that lets customers log in with their email address."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class EmailBackend(ModelBackend):
    """Authenticate with an email address (case-insensitive) and password.

    Works with any user model that has an ``email`` field, whatever its ``USERNAME_FIELD``.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Return the active user whose email matches ``username`` and whose password checks."""
        user_model = get_user_model()
        email = kwargs.get("email") or username
        if not email or password is None or "@" not in email:
            return None
        users = list(user_model._default_manager.filter(email__iexact=email)[:2])
        if len(users) != 1:
            # Unknown or ambiguous email: run the hasher once to keep timing uniform.
            user_model().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
