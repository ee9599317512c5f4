"""Every text field of every model has its audit-trail class in ``core.personal`` — a field
added without one fails here, so whether it is personal is decided when it is added."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from cunjing.core import personal

# The trail itself is not audited.
NOT_AUDITED = {"core.auditevent"}


def text_fields():
    for model in apps.get_models():
        label = model._meta.label_lower
        if not model.__module__.startswith("cunjing.") or label in NOT_AUDITED:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField) and not (
                field.choices
            ):
                yield label, field.name


def test_every_text_field_is_classified():
    missing = [
        f"{label}.{name}"
        for label, name in text_fields()
        if name not in personal.AUDIT_FIELDS.get(label, {})
    ]
    assert missing == [], "classify these in cunjing/core/personal.py AUDIT_FIELDS"


def test_no_classification_names_a_field_that_does_not_exist():
    known = set(text_fields())
    stale = [
        f"{label}.{name}"
        for label, fields in personal.AUDIT_FIELDS.items()
        for name in fields
        if (label, name) not in known and name != "file"
    ]
    assert stale == []


def test_phones_and_id_numbers_are_personal_wherever_they_appear():
    for label, name in text_fields():
        if name.endswith("phone"):
            assert personal.kind_of(label, name) is personal.Kind.PHONE, (label, name)
        if name.endswith("id_number"):
            assert personal.kind_of(label, name) is personal.Kind.ID_NUMBER, (label, name)
    assert personal.kind_of("anything.new", "informant_phone") is personal.Kind.PHONE
