"""Per-mode row counts of the wallet's tables (the triggers live in ``wallet.record_counts``)."""

from django.db import models

from wallet.models.base import Mode


class RecordCount(models.Model):
    """How many rows a wallet table holds per mode, kept exact by database triggers.

    On PostgreSQL, statement-level triggers add and subtract the rows each INSERT, DELETE,
    UPDATE of ``mode`` and TRUNCATE touches, spread over a few ``slot`` rows so concurrent writers
    rarely wait on one another; the total is the sum over slots. The API reads it instead of
    ``COUNT(*)`` for unfiltered mode-wide lists, whose count would otherwise scan the table.
    Other databases keep no counts here and count rows directly.
    """

    table_name = models.CharField(max_length=63)
    mode = models.CharField(max_length=4, choices=Mode.choices)
    slot = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["table_name", "mode", "slot"], name="wallet_recordcount_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name}/{self.mode}#{self.slot}: {self.count}"
