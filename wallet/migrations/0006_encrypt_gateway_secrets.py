# Encrypt gateway secrets at rest; record which customers' logins the wallet created.

from django.db import migrations, models

import wallet.crypto

TABLE = "wallet_paymentgateway"


def _rewrite(schema_editor, convert):
    """Rewrite every stored shared secret with ``convert`` (raw column values, no field logic)."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, shared_secret FROM {table} WHERE shared_secret <> ''")  # noqa: S608
        rows = cursor.fetchall()
        for pk, stored in rows:
            new = convert(stored)
            if new != stored:
                cursor.execute(
                    f"UPDATE {table} SET shared_secret = %s WHERE id = %s",  # noqa: S608
                    [new, pk],
                )


def encrypt_secrets(apps, schema_editor):
    """Encrypt the plaintext secrets stored before this migration."""
    _rewrite(schema_editor, wallet.crypto.reencrypt)


def decrypt_secrets(apps, schema_editor):
    """Back to plaintext, for the previous schema."""
    _rewrite(schema_editor, wallet.crypto.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0005_gateway_test_kind_test_mode"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="user_created_by_wallet",
            # Existing links stay False: the wallet cannot tell which accounts it created, so it
            # changes none of their passwords or emails.
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AlterField(
            model_name="paymentgateway",
            name="shared_secret",
            field=wallet.crypto.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
