"""Gateway maintenance: re-encrypting secrets after a key rotation."""

from django.db import transaction

from wallet.crypto import EncryptedTextField
from wallet.models import (
    PaymentGateway,
)


def reencrypt_gateway_secrets() -> int:
    """Re-encrypt every stored gateway secret with the first of ``WALLET["SECRET_KEYS"]``.

    The step of a key rotation between adding the new key first and dropping the old one.
    The secrets themselves do not change, so nothing is audited. Returns how many were rewritten.
    """
    count = 0
    encrypted = [
        field.name
        for field in PaymentGateway._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
    with transaction.atomic():
        rows = PaymentGateway.objects.select_for_update().values_list("pk", *encrypted)
        for pk, *values in rows:
            for name, secret in zip(encrypted, values, strict=True):
                if secret:
                    PaymentGateway.objects.filter(pk=pk).update(**{name: secret})
                    count += 1
    return count
