"""What every wallet record shares: public ids, the mode, common fields and index helpers."""

import secrets
import string
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from wallet.validators import validate_json_object, validate_no_card_number

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

BASE62 = string.digits + string.ascii_letters
PUBLIC_ID_LENGTH = 10


def generate_public_id() -> str:
    """Return a random 10-character base62 id, like ``xYZkjABcde``."""
    return "".join(secrets.choice(BASE62) for _ in range(PUBLIC_ID_LENGTH))


def empty_object() -> dict[str, Any]:
    """Return a new empty dict (a callable default for JSON object fields)."""
    return {}


class Mode(models.TextChoices):
    """The environment a record belongs to; the two never see each other's data."""

    TEST = "test", _("Test")
    LIVE = "live", _("Live")


class WalletModel(models.Model):
    """Fields every wallet resource carries: public id, mode, references, metadata, timestamps."""

    id = models.CharField(
        primary_key=True, max_length=PUBLIC_ID_LENGTH, default=generate_public_id, editable=False
    )
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.TEST)
    reference = models.CharField(
        max_length=255, blank=True, default="", validators=[validate_no_card_number]
    )
    reference_origin = models.CharField(
        max_length=255, blank=True, default="", validators=[validate_no_card_number]
    )
    metadata = models.JSONField(default=empty_object, blank=True, validators=[validate_json_object])
    # Not indexed alone: each type's ``(mode, created_at)`` index serves its lists.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def sort_indexes(prefix: str, *columns: str) -> list[models.Index]:
    """One ``(mode, column, id)`` btree per filterable and sortable column of a type.

    They serve the API's equality filters and its sorts (``ORDER BY column, id``, the id being
    the tiebreak every sort ends with) inside a mode. PostgreSQL also gets trigram, pattern and
    JSON indexes for the text predicates (migration ``0013_search_indexes``).
    """
    return [
        models.Index(fields=["mode", column, "id"], name=f"{prefix}_{column[:14]}")
        for column in columns
    ]


def token_field(verbose_name: "_StrOrPromise", *, blank: bool = False) -> models.CharField:
    """Return a gateway token field that refuses card numbers."""
    extra: dict[str, Any] = {"default": ""} if blank else {}
    return models.CharField(
        verbose_name, max_length=255, blank=blank, validators=[validate_no_card_number], **extra
    )
