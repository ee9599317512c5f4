"""Revealing masked personal data (an ID number, a phone): one audited act, for every app.

ID numbers and phones are shown masked everywhere. Whoever may act on a person (the
``REVEAL_PERSONAL_DATA`` capability) can ask for one clear value of one record in their
jurisdiction, saying why; the answer and its ``personal_data.reveal`` audit event — who, which
object, which field, why, never the value — are one transaction.

``core`` imports no app: each app registers, in its ``AppConfig.ready``, the kinds of record it
holds personal data in (:func:`register`): the model, the capability needed to read such records
at all, and the fields that may be revealed. The scope is the model's ``visible_to``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.masking import national_phone
from cunjing.core.roles import Capability, has_capability

REVEAL_REASON_MIN = 4
REVEAL_REASON_MAX = 200
REVEAL_FIELDS = ("id_number", "phone")


@dataclass(frozen=True)
class Revealable:
    """A kind of record holding personal data: its model, the capability needed to read it at
    all, and the fields that may be revealed (API name → model field)."""

    model: type[models.Model]
    view: str
    fields: Mapping[str, str]


_REVEALABLE: dict[str, Revealable] = {}


def register(kind: str, *, model: type[models.Model], view: str, fields: Mapping[str, str]):
    """Declare ``kind`` (the API's ``object``) revealable. Called from ``AppConfig.ready``."""
    unknown = set(fields) - set(REVEAL_FIELDS)
    if unknown:
        raise ValueError(f"{kind}: only {REVEAL_FIELDS} can be revealed, not {sorted(unknown)}")
    _REVEALABLE[kind] = Revealable(model=model, view=view, fields=dict(fields))


def kinds() -> tuple[str, ...]:
    """The kinds registered, in registration order (the API's enumeration)."""
    return tuple(_REVEALABLE)


def may_reveal(user) -> bool:
    return has_capability(user, Capability.REVEAL_PERSONAL_DATA)


@transaction.atomic
def reveal(*, actor, kind: str, pk: int, field: str, reason: str) -> str:
    """The clear value of ``field`` of the ``kind`` record ``pk``, for ``actor``, who says why.

    Input first (422: unknown kind, a field the kind does not hold, a reason shorter than
    ``REVEAL_REASON_MIN`` characters), then the right to read the kind at all (403), scope (404),
    the right to reveal (403). Writes one ``personal_data.reveal`` audit event — the object, the
    field and the reason, never the value — in the same transaction as the answer is read.
    ID numbers come as stored, phones in their national form (``13903751009``).
    """
    spec = _REVEALABLE.get(kind)
    if spec is None:
        choice = _("Select a valid choice. That choice is not one of the available choices.")
        raise ValidationError({"object": [choice]})
    if field not in spec.fields:
        raise ValidationError({"field": [_("This record holds no such field.")]})
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN:
        raise ValidationError(
            {"reason": [_("Enter at least %(n)s characters.") % {"n": REVEAL_REASON_MIN}]}
        )
    if len(reason) > REVEAL_REASON_MAX:
        raise ValidationError(
            {"reason": [_("Enter at most %(n)s characters.") % {"n": REVEAL_REASON_MAX}]}
        )
    if not has_capability(actor, spec.view):
        raise PermissionDenied(_("You do not have permission to do this."))
    record = spec.model.objects.visible_to(actor).get(pk=pk)
    if not may_reveal(actor):
        raise PermissionDenied(_("You do not have permission to do this."))
    value = getattr(record, spec.fields[field]) or ""
    if not value:
        raise ValidationError({"field": [_("Nothing is recorded in this field.")]})
    audit.record(
        actor=actor,
        action="personal_data.reveal",
        instance=record,
        after={"object": kind, "field": field, "reason": reason},
    )
    return value if field == "id_number" else national_phone(value)
