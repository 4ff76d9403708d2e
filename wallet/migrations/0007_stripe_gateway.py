# The Stripe gateway kind: keys (secret ones encrypted), API base, the customers it keeps for
# wallet customers and the webhook events it already handled.

import django.db.models.deletion
from django.db import migrations, models

import wallet.crypto
import wallet.validators


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0006_encrypt_gateway_secrets"),
    ]

    operations = [
        migrations.AlterField(
            model_name="paymentgateway",
            name="kind",
            field=models.CharField(
                choices=[
                    ("test", "Test gateway"),
                    ("external", "External gateway"),
                    ("stripe", "Stripe"),
                ],
                default="test",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="paymentgateway",
            name="secret_key",
            field=wallet.crypto.EncryptedTextField(blank=True, default="", verbose_name="secret key"),
        ),
        migrations.AddField(
            model_name="paymentgateway",
            name="publishable_key",
            field=models.CharField(
                blank=True, default="", max_length=255, verbose_name="publishable key"
            ),
        ),
        migrations.AddField(
            model_name="paymentgateway",
            name="webhook_secret",
            field=wallet.crypto.EncryptedTextField(
                blank=True, default="", verbose_name="webhook signing secret"
            ),
        ),
        migrations.AddField(
            model_name="paymentgateway",
            name="api_base",
            field=models.URLField(blank=True, default="", verbose_name="API base"),
        ),
        migrations.AddConstraint(
            model_name="paymentgateway",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "stripe"), _negated=True),
                    models.Q(("mode", "test"), ("publishable_key__startswith", "pk_test_")),
                    models.Q(("mode", "live"), ("publishable_key__startswith", "pk_live_")),
                    _connector="OR",
                ),
                name="wallet_gateway_stripe_key_mode",
                violation_error_message="A Stripe gateway needs a publishable key of its mode.",
            ),
        ),
        migrations.CreateModel(
            name="GatewayCustomer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "mode",
                    models.CharField(
                        choices=[("test", "Test"), ("live", "Live")], default="test", max_length=4
                    ),
                ),
                (
                    "token",
                    models.CharField(
                        max_length=255,
                        validators=[wallet.validators.validate_no_card_number],
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gateway_customers",
                        to="wallet.customer",
                    ),
                ),
                (
                    "payment_gateway",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gateway_customers",
                        to="wallet.paymentgateway",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["payment_gateway", "token"], name="wallet_gwcus_token")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("customer", "payment_gateway"), name="wallet_gwcustomer_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GatewayEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.CharField(max_length=255)),
                ("event_type", models.CharField(max_length=100)),
                ("received_at", models.DateTimeField(auto_now_add=True)),
                (
                    "payment_gateway",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="wallet.paymentgateway",
                    ),
                ),
            ],
            options={
                "ordering": ["-received_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("payment_gateway", "event_id"), name="wallet_gwevent_once"
                    )
                ],
            },
        ),
    ]
