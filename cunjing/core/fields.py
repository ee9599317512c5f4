"""Model fields for personal data at rest (:mod:`cunjing.core.crypto`).

- :class:`EncryptedCharField`: an ID number or a phone. In Python it is the clear string — forms,
  validators, ``full_clean``, masking and the audited reveal see what they always saw; in the
  database it is the AES-GCM ciphertext bound to its column. Blank stays blank (``""`` is stored
  as ``""``), so ``blank=True`` and "is it empty?" filters work. No other search reaches the
  ciphertext: an exact lookup on a value, ``in``, ``contains``, ``startswith``… raise
  ``FieldError``; search the field's :class:`BlindIndexField` instead.
- :class:`BlindIndexField`: the keyed HMAC of its source field's clear value
  (:func:`crypto.blind_index`), always derived from it — reading the attribute computes it from
  the source value the instance holds, so ``full_clean`` (unique constraints), ``save()`` and
  ``bulk_create`` all store the current one. ``save(update_fields=…)`` naming the source must
  name the index too (refused otherwise); ``QuerySet.update()`` and ``bulk_update()`` of a source
  must set the index as well.
- :class:`EncryptedJSONField`: a JSON value (a dict) encrypted whole: a correction request's
  changes, which may hold an ID number or a phone.

``manage.py rotate_keys`` finds every encrypted column through these classes
(:func:`encrypted_fields`).
"""

from __future__ import annotations

import json

from django.core import checks
from django.core.exceptions import FieldError
from django.db import migrations, models
from django.db.models.lookups import Exact, IsNull
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import pre_save
from django.dispatch import receiver

from cunjing.core import crypto

_NO_SEARCH = (
    "{field} is stored encrypted: only isnull and an exact match of the empty string reach it. "
    "Search its blind index instead (filter({index}=crypto.blind_index(kind, value)))."
)


class _EmptyOnlyExact(Exact):
    """``field=""``: the one exact match that means something on an encrypted column."""

    def get_prep_lookup(self):
        if self.rhs != "":
            field = self.lhs.output_field
            raise FieldError(
                _NO_SEARCH.format(field=field, index=getattr(field, "index_name", "<index>"))
            )
        return super().get_prep_lookup()


class EncryptedMixin:
    """What the encrypted fields share: the column's associated data, the lookups allowed, and
    the ciphertext in and out."""

    @property
    def column_label(self) -> bytes:
        """The associated data binding a ciphertext to its column: ``app.model.field``."""
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(
            _NO_SEARCH.format(field=self, index=getattr(self, "index_name", "<index>"))
            + f" Lookup: {lookup_name}."
        )

    def get_transform(self, lookup_name):
        return None

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.unique or self.db_index:
            errors.append(
                checks.Error(
                    "An encrypted column is never the same twice: index its BlindIndexField.",
                    obj=self,
                    id="cunjing.E003",
                )
            )
        return errors

    def _seal(self, text: str) -> str:
        return crypto.encrypt(text, column=self.column_label)

    def _open(self, token: str) -> str:
        return crypto.decrypt(token, column=self.column_label)


class EncryptedCharField(EncryptedMixin, models.CharField):
    """An ID number or a phone, encrypted at rest. ``max_length`` is the clear value's (forms
    and validators check it); the column is as long as its ciphertext. ``personal`` is the kind
    (``crypto.ID_NUMBER`` or ``crypto.PHONE``): how its blind index normalises it."""

    description = "Encrypted text"

    def __init__(self, *args, personal: str, **kwargs):
        if personal not in crypto.KINDS:
            raise ValueError(f"personal must be one of {crypto.KINDS}")
        self.personal = personal
        super().__init__(*args, **kwargs)

    @property
    def index_name(self) -> str:
        """The name of this field's blind index ("" without one)."""
        for field in self.model._meta.concrete_fields:
            if isinstance(field, BlindIndexField) and field.of == self.name:
                return field.name
        return ""

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["personal"] = self.personal
        return name, path, args, kwargs

    def db_type_parameters(self, connection):
        # The column holds the ciphertext: longer than the clear ``max_length``.
        params = dict(super().db_type_parameters(connection))
        params["max_length"] = crypto.ciphertext_length(self.max_length)
        return params

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return self._open(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return self._seal(value)


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """A JSON value (a dict, a list …) encrypted whole; ``None`` stays ``NULL``."""

    description = "Encrypted JSON"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return json.loads(self._open(value))

    def to_python(self, value):
        if isinstance(value, str) and crypto.is_ciphertext(value):
            return json.loads(self._open(value))
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return self._seal(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def value_to_string(self, obj):
        return self.value_from_object(obj)  # as JSONField: the serialisers write the object

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


class _BlindIndexAttribute(DeferredAttribute):
    """The index attribute, derived from the source's clear value whenever the instance holds
    it (a data descriptor: the instance's own dict never shadows it)."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        data = instance.__dict__
        source = self.field.source
        if source.attname in data:
            value = crypto.blind_index(source.personal, data[source.attname])
            data[self.field.attname] = value
            return value
        return super().__get__(instance, cls)

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class BlindIndexField(models.CharField):
    """The blind index of the :class:`EncryptedCharField` named ``of``: 64 hex digits, blank
    when the source is blank; never edited, always derived. Index it (``(bureau, <name>)``) to
    make an exact search by ID number or phone an indexed equality."""

    descriptor_class = _BlindIndexAttribute
    description = "Blind index"

    def __init__(self, *args, of: str, **kwargs):
        self.of = of
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["of"] = self.of
        for key, default in (("max_length", 64), ("blank", True), ("default", "")):
            if kwargs.get(key) == default:
                del kwargs[key]
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    @property
    def source(self) -> EncryptedCharField:
        return self.model._meta.get_field(self.of)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        try:
            source = self.source
        except Exception:
            source = None
        if not isinstance(source, EncryptedCharField):
            errors.append(
                checks.Error(
                    f"{self.of!r} is not an EncryptedCharField of this model",
                    obj=self,
                    id="cunjing.E002",
                )
            )
        return errors


@receiver(pre_save)
def _check_update_fields(sender, instance, update_fields=None, **kwargs) -> None:
    """A save of some fields naming a source without its index would leave the index stale."""
    if not update_fields:
        return
    indexes = (f for f in sender._meta.concrete_fields if isinstance(f, BlindIndexField))
    for field in indexes:
        if field.of in update_fields and field.name not in update_fields:
            raise ValueError(f"save(update_fields=…) names {field.of} without {field.name}")


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    """The encrypted columns of ``model`` (what ``rotate_keys`` re-encrypts)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]


# --- Migrations: encrypting the clear values already stored --------------------------------------


def encrypt_columns(model: str, *names: str, batch_size: int = 1000) -> migrations.RunPython:
    """A ``RunPython`` encrypting the clear values of the encrypted fields ``names`` of
    ``model`` (``"app.Model"``) already stored, and filling their blind indexes; reversed, it
    decrypts them and blanks the indexes. Batches of ``batch_size`` rows by primary key, raw
    SQL on both SQLite and PostgreSQL (the historical model's fields would decrypt on read). A
    value already in the other form is left as it is, so a re-run changes nothing."""

    def forward(apps, schema_editor):
        _rewrite(apps.get_model(model), names, schema_editor.connection, batch_size, seal=True)

    def backward(apps, schema_editor):
        _rewrite(apps.get_model(model), names, schema_editor.connection, batch_size, seal=False)

    return migrations.RunPython(forward, backward, elidable=False)


def _rewrite(model, names, connection, batch_size: int, *, seal: bool) -> None:
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    indexes = {
        f.of: f for f in meta.concrete_fields if isinstance(f, BlindIndexField) and f.of in names
    }
    pk = qn(meta.pk.column)
    columns = ", ".join(qn(f.column) for f in fields)
    table = qn(meta.db_table)
    targets = [*fields, *(indexes[f.name] for f in fields if f.name in indexes)]
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in targets)
    last = None
    while True:
        where = "" if last is None else f"WHERE {pk} > %s "
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {columns} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608
                ([] if last is None else [last]) + [batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        updates = []
        for pk_value, *values in rows:
            new, index_values = [], []
            for field, value in zip(fields, values, strict=True):
                column = f"{meta.label_lower}.{field.name}"
                sealed = crypto.is_ciphertext(value)
                clear = crypto.decrypt(value, column=column) if sealed else value
                if not seal:
                    new.append(clear)
                elif sealed or not value:
                    new.append(value)
                else:
                    new.append(crypto.encrypt(value, column=column))
                if field.name in indexes:
                    keep = seal and clear
                    index_values.append(crypto.blind_index(field.personal, clear) if keep else "")
            updates.append([*new, *index_values, pk_value])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                updates,
            )
        last = rows[-1][0]
