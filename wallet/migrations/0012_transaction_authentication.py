from django.db import migrations, models


class Migration(migrations.Migration):
    """A transaction may be a 3-D Secure challenge awaiting the customer (``authentication``)."""

    dependencies = [
        ("wallet", "0011_payment_methods"),
    ]

    operations = [
        migrations.AlterField(
            model_name="transaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("authorization", "Authorization"),
                    ("capture", "Capture"),
                    ("void", "Void"),
                    ("refund", "Refund"),
                    ("authentication", "Authentication"),
                ],
                max_length=16,
            ),
        ),
    ]
