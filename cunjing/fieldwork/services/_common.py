"""What the field-work services share: who records what, the audit trail's view of a record,
and the service's own refusal of a field's value."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Role
from cunjing.core.validators import normalize_phone
from cunjing.fieldwork.models import FieldRecord, PreventionActivity

# Who may write field records; aides only the kinds in AIDE_KINDS.
RECORDER_ROLES = frozenset({Role.BEAT_OFFICER, Role.OFFICE_LEADER, Role.STATION_LEADER})
AIDE_KINDS = frozenset({PreventionActivity})


def can_record(actor, model: type[FieldRecord]) -> bool:
    role = getattr(actor, "role", "")
    return role in RECORDER_ROLES or (role == Role.AIDE and model in AIDE_KINDS)


class Refused:
    """A field's value the service itself refused (a phone that is no number): its messages are
    reported with every other field's errors at once."""

    def __init__(self, messages: list[str]):
        self.messages = messages


def checked_phone(value: str, *, required: bool) -> str | Refused:
    value = (value or "").strip()
    if not value:
        return Refused([_("This field cannot be blank.")]) if required else ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        return Refused(exc.messages)


def record_snapshot(record) -> dict[str, Any]:
    """The record for the audit trail (personal fields masked by ``audit.record``, as
    ``core.personal`` classifies them)."""
    return audit.snapshot(record)
