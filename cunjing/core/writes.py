"""The steps every update service takes, written once: lock the row through the actor's scope,
change it, validate, save, and write its audit event in the same transaction.

``core`` imports no app: the scope is the model's own ``visible_to`` (``org.jurisdiction``),
reached through the model's manager. Callers run inside ``@transaction.atomic`` (the lock and
the audit event need it) and keep their own checks of role and state around these two calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import is_system

ModelT = TypeVar("ModelT", bound=models.Model)


def lock_visible(
    actor, model: type[ModelT], pk: Any, *, denied: Exception | None = None, related: Iterable = ()
) -> ModelT:
    """The row ``pk`` of ``model``, locked ``FOR UPDATE`` and read again (never the caller's
    possibly stale instance), if ``actor`` may see it: otherwise ``model.DoesNotExist`` (a 404,
    the same answer as a missing row) or ``denied`` when given. The ``SYSTEM`` actor sees every
    row. The lock is on the plain row; the scope is checked by a query of its own, because
    ``FOR UPDATE`` cannot lock through the joins and subqueries of a scope."""
    if not is_system(actor) and not model.objects.visible_to(actor).filter(pk=pk).exists():
        raise denied if denied is not None else model.DoesNotExist
    qs = model.objects.select_for_update()
    if related:
        qs = qs.select_related(*related)
    return qs.get(pk=pk)


def check_editable(changes: Mapping[str, Any], editable: Iterable[str]) -> None:
    """A 422 on every field of ``changes`` that may not be changed."""
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})


def audited_update(
    *,
    actor,
    instance: ModelT,
    action: str,
    changes: Mapping[str, Any],
    prepare: Callable[[ModelT], None] | None = None,
    snapshot: Callable[[models.Model], dict] = audit.snapshot,
    clean: bool = True,
    note: Mapping[str, Any] | None = None,
) -> ModelT:
    """Set ``changes`` on ``instance`` (already locked through :func:`lock_visible`), run
    ``prepare`` (derived fields, cross-row checks raising ``ValidationError``), validate
    (``full_clean``), and — only when the snapshot differs — stamp ``updated_at`` (when the
    model has one), save, and write one audit event ``action`` holding only the changed
    fields. ``snapshot`` decides what the trail sees (masking, a subset of fields); ``note``
    (the reason of a correction …) is added to the event's ``after`` as it is."""
    before = snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    if prepare is not None:
        prepare(instance)
    if clean:
        instance.full_clean()
    old, new = audit.changed(before, snapshot(instance))
    old.pop("updated_at", None)
    new.pop("updated_at", None)
    if not new:
        return instance
    if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
        instance.updated_at = timezone.now()
    instance.save()
    if note:
        new = {**new, **note}
    audit.record(actor=actor, action=action, instance=instance, before=old, after=new)
    return instance


def refuse(field: str, message: str) -> ValidationError:
    """A refusal with one message on ``field`` (422 in the API, the field's error on a form)."""
    return ValidationError({field: [message]})


def clean_text(value, field: str, *, required: bool = True, max_length: int = 2000) -> str:
    """A service's free-text argument, stripped: refused on ``field`` when blank (if required)
    or longer than ``max_length``."""
    value = (value or "").strip()
    if required and not value:
        raise refuse(field, _("This field cannot be blank."))
    if len(value) > max_length:
        raise refuse(
            field, _("Ensure this value has at most %(limit)s characters.") % {"limit": max_length}
        )
    return value
