"""Model fields named by the domain: a payment's ``saved_source``, a saved card's ``payment``.

The API keeps Commerce Layer's names (``wallet``, ``payment_source``); only the columns change.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wallet", "0015_record_counts_opt_in")]

    operations = [
        migrations.RenameField("externalpayment", "wallet", "saved_source"),
        migrations.RenameField("customerpaymentsource", "payment_source", "payment"),
    ]
