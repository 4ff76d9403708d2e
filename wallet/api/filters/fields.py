"""What an ORM path of a filter points at: the kind of value, nullability, to-many joins."""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class Target:
    """What an ORM path points at: a value ``kind``, whether it can be NULL, and whether the
    path crosses a to-many relation (the query then needs ``distinct()``)."""

    kind: str  # text, bool, datetime, date, int, decimal, float, json or other
    nullable: bool = False
    many: bool = False
    relation: bool = False  # the path ends on a foreign key (its value is the related id)
    json_key: bool = False  # a key path inside a JSON document (not a column)
    key: bool = False  # a primary or foreign key: an id


def _kind_of(model_field: Any) -> str:
    """The value kind of a model field or an annotation's output field."""
    kinds: list[tuple[type, str]] = [
        (models.BooleanField, "bool"),
        (models.DateTimeField, "datetime"),  # before DateField, its parent
        (models.DateField, "date"),
        (models.IntegerField, "int"),
        (models.DecimalField, "decimal"),
        (models.FloatField, "float"),
        (models.JSONField, "json"),
        (models.CharField, "text"),
        (models.TextField, "text"),
    ]
    for field_class, kind in kinds:
        if isinstance(model_field, field_class):
            return kind
    return "other"


def resolve_target(queryset: QuerySet, path: str) -> Target:
    """Follow ``path`` from the queryset's model (or an annotation) to the field it names."""
    parts = path.split("__")
    annotation = queryset.query.annotations.get(parts[0])
    if annotation is not None and len(parts) == 1:
        return Target(_kind_of(annotation.output_field), nullable=True)
    opts = queryset.model._meta
    nullable = many = False
    for index, part in enumerate(parts):
        model_field = opts.get_field(part)
        last = index == len(parts) - 1
        if model_field.is_relation:
            many = many or bool(model_field.one_to_many or model_field.many_to_many)
            nullable = nullable or bool(model_field.null) or not model_field.concrete
            if last:
                target = (
                    getattr(model_field, "target_field", None) or model_field.related_model._meta.pk
                )
                return Target(
                    _kind_of(target), nullable=nullable, many=many, relation=True, key=True
                )
            opts = model_field.related_model._meta
            continue
        nullable = nullable or bool(model_field.null)
        if last:
            key = bool(getattr(model_field, "primary_key", False))
            return Target(_kind_of(model_field), nullable=nullable, many=many, key=key)
        if isinstance(model_field, models.JSONField):  # a key path inside a JSON document
            return Target("text", nullable=True, many=many, json_key=True)
        raise ValueError(f"{path!r}: {part!r} is neither a relation nor a JSON field")
    raise ValueError(f"empty ORM path {path!r}")  # pragma: no cover - split() never yields []
