"""Which stored fields hold personal data, in one place, and their audit-trail form.

The audit administrator must see who did what to which object and when — never the personal
content (an informant's name, a resident's ID number, a description that quotes one). Every audit
payload passes through :func:`mask_payload` before it is stored (``core.audit.record``) and again
before it is shown (rows written before this rule existed), so a classified field is kept as

    {"masked": "410481********1234", "hmac": "<64 hex>"}            ID numbers, phones, names
    {"masked": "***", "length": 37, "hmac": "<64 hex>"}              free text, addresses

The keyed digest (HMAC-SHA256 under a key derived from ``AUDIT_HMAC_KEY``, bound to the field)
shows that a value changed and lets whoever holds the key and the record prove what it was
(:func:`field_digest`); it reveals nothing to a reader without the key.

``AUDIT_FIELDS`` classifies every text field of every model: a personal kind, or ``PLAIN`` for
what a reader of the trail may see (codes, states, unit names, officers' names). A new text field
without a class fails ``tests/core/test_personal_classification.py``, so the decision is made
when the field is added, here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any

from django.conf import settings

from cunjing.core.masking import mask_id_number, mask_phone


class Kind(StrEnum):
    PLAIN = "plain"  # shown as stored
    ID_NUMBER = "id_number"  # region and last four shown
    PHONE = "phone"  # first three and last four shown
    NAME = "name"  # the first character shown (the surname)
    TEXT = "text"  # nothing but the length shown
    OMIT = "omit"  # derived from personal data (search keys): left out of the trail


P, ID, PH, N, T, OM = Kind.PLAIN, Kind.ID_NUMBER, Kind.PHONE, Kind.NAME, Kind.TEXT, Kind.OMIT

# The fields of field records every kind shares (fieldwork.FieldRecord). A reason for voiding or
# correcting is the officer's account of their act, which the trail is there to show.
_FIELD_RECORD = {"void_reason": P}

AUDIT_FIELDS: dict[str, dict[str, Kind]] = {
    # Staff and their accounts: the trail's subject is who did what, so names and codes show.
    "accounts.user": {
        "password": OM,
        "username": P,
        "first_name": P,
        "last_name": P,
        "email": P,
        "full_name": P,
        "pinyin": P,
        "pinyin_initials": P,
        "session_salt": OM,
    },
    "accounts.apitoken": {"key_hash": OM},
    "accounts.passwordhistory": {"encoded": OM},
    "core.idempotencykey": {"endpoint": P, "request_hash": P, "response": T},
    "org.bureau": {"name": P, "code": P},
    "org.unit": {"path": P, "name": P, "code": P, "address": P, "phone": PH},
    "org.area": {
        "path": P,
        "name": P,
        "division_code": P,
        "pinyin": P,
        "pinyin_initials": P,
        "boundary": P,
    },
    "org.officer": {"name": P, "badge_number": P, "title": P, "phone": PH, "pinyin_initials": P},
    "org.aide": {"name": P, "phone": PH, "pinyin_initials": P},
    "org.orgchange": {"detail": P, "note": T},
    # Field records: residents' names, ID numbers, phones, addresses and every free text.
    "fieldwork.householdvisit": {**_FIELD_RECORD, "household": N, "notes": T},
    "fieldwork.floatingresident": {
        **_FIELD_RECORD,
        "name": N,
        "id_number": ID,
        "id_number_index": OM,
        "phone": PH,
        "phone_index": OM,
        "origin": T,
        "residence": T,
        "employer": T,
    },
    "fieldwork.service": {**_FIELD_RECORD, "beneficiary": N, "description": T, "outcome": T},
    "fieldwork.assistance": {**_FIELD_RECORD, "household": N, "help_given": T},
    "fieldwork.outreachevent": {**_FIELD_RECORD, "venue": P, "topic": P},
    "fieldwork.volunteer": {
        **_FIELD_RECORD,
        "name": N,
        "phone": PH,
        "phone_index": OM,
        "skills": T,
    },
    "fieldwork.preventionactivity": {**_FIELD_RECORD, "description": T},
    "fieldwork.worklog": {"text": T},
    "fieldwork.officerreport": {"situation": T, "problems": T, "measures": T},
    "fieldwork.supervision": {"comment": T},
    "fieldwork.followup": {"household": N, "reason": T},
    "fieldwork.correctionrequest": {"changes": T, "reason": P, "decision_note": P},
    # Matters: the reporter (an informant for a lead), what they said, what they were told.
    "matters.mattercategory": {"name": P},
    "matters.matter": {
        "tracking_code": P,
        "description": T,
        "reporter_name": N,
        "reporter_phone": PH,
        "reporter_phone_index": OM,
        "resolution": T,
        "referred_to": P,
        "case_number": P,
        "rating_comment": T,
    },
    "matters.matterevent": {
        "actor_name": P,
        "from_state": P,
        "to_state": P,
        "from_level": P,
        "to_level": P,
        "note": T,
    },
    "matters.matterreply": {"text": T},
    "matters.matterattachment": {"content_type": P, "original_name": T, "file": T},
    "open311.open311client": {"name": P, "key_prefix": P, "key_hash": OM},
    # Disputes: the parties are people; facts, places, agreements and notes quote them.
    "disputes.disputekind": {"code": P, "name": P},
    "disputes.screeninground": {"note": T},
    "disputes.hazard": {"description": T, "close_note": T},
    "disputes.dispute": {
        "place": T,
        "facts": T,
        "referred_to_name": P,
        "agreement": T,
    },
    "disputes.disputeparty": {
        "name": N,
        "id_number": ID,
        "id_number_index": OM,
        "phone": PH,
        "phone_index": OM,
    },
    "disputes.disputeevent": {"actor_name": P, "from_state": P, "to_state": P, "note": T},
    "disputes.mediationsession": {"place": T, "participants": T, "outcome": T},
    "disputes.disputefollowup": {"note": T},
    # The registry: buildings' addresses are places, the people in them are personal.
    "registry.standardaddress": {
        "road": P,
        "number": P,
        "building": P,
        "unit_number": P,
        "room": P,
        "full_text": P,
        "pinyin_initials": P,
    },
    "registry.dwelling": {"notes": T},
    "registry.resident": {
        "name": N,
        "name_initials": OM,
        "id_number": ID,
        "id_tail_key": OM,
        "id_number_index": OM,
        "phone": PH,
        "phone_index": OM,
    },
    "registry.establishment": {
        "name": P,
        "name_initials": P,
        "uscc": P,
        "contact_name": N,
        "contact_phone": PH,
        "contact_phone_index": OM,
    },
}

# Models whose ``str()`` is a person's name or a household's: the trail shows type and id only.
PERSONAL_REPR = frozenset(
    {
        "registry.resident",
        "fieldwork.householdvisit",
        "fieldwork.floatingresident",
        "fieldwork.service",
        "fieldwork.assistance",
        "fieldwork.volunteer",
        "fieldwork.followup",
        "matters.matterreply",
        "matters.matterattachment",
        "disputes.disputeparty",
    }
)


def kind_of(object_type: str, key: str) -> Kind:
    """The class of one payload key; a key that names a phone or an ID number is one wherever
    it appears (payloads that services assemble themselves included)."""
    kind = AUDIT_FIELDS.get(object_type, {}).get(key)
    if kind is not None:
        return kind
    if key == "id_number" or key.endswith("_id_number"):
        return Kind.ID_NUMBER
    if key == "phone" or key.endswith("_phone"):
        return Kind.PHONE
    return Kind.PLAIN


def _digest_key() -> bytes:
    return hmac.new(
        settings.AUDIT_HMAC_KEY.encode(), b"cunjing personal field digest", hashlib.sha256
    ).digest()


def field_digest(object_type: str, key: str, value: Any) -> str:
    """The keyed digest of one field's value, bound to the field (equal values in two different
    fields have different digests)."""
    data = json.dumps([object_type, key, value], ensure_ascii=False, sort_keys=True, default=str)
    return hmac.new(_digest_key(), data.encode(), hashlib.sha256).hexdigest()


def _mask_name(value: str) -> str:
    value = value.strip()
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""


def is_masked(value: Any) -> bool:
    return isinstance(value, dict) and "hmac" in value and "masked" in value


def mask_value(object_type: str, key: str, value: Any) -> Any:
    """The audit-trail form of one value; empty values and already masked ones stay as they
    are (an empty value reveals nothing, and shows that a field was cleared)."""
    kind = kind_of(object_type, key)
    if kind is Kind.PLAIN or value in (None, "", [], {}) or is_masked(value):
        return value
    digest = field_digest(object_type, key, value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if kind is Kind.ID_NUMBER:
        return {"masked": mask_id_number(text), "hmac": digest}
    if kind is Kind.PHONE:
        # A value that a service masked before this rule (old rows) keeps its mask.
        return {"masked": text if "*" in text else mask_phone(text), "hmac": digest}
    if kind is Kind.NAME:
        return {"masked": _mask_name(text), "hmac": digest}
    return {"masked": "***", "length": len(text), "hmac": digest}


def mask_payload(object_type: str, payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """``payload`` with every classified field in its audit-trail form; OMIT fields dropped."""
    if not isinstance(payload, dict):
        return payload
    masked: dict[str, Any] = {}
    for key, value in payload.items():
        if kind_of(object_type, key) is Kind.OMIT:
            continue
        masked[key] = mask_value(object_type, key, value)
    return masked


def audit_repr(object_type: str, text: str) -> str:
    """The object's label in the trail: empty for objects named after a person."""
    return "" if object_type in PERSONAL_REPR else text


def for_display(event):
    """An audit row as the trail's pages show it: rows written before the masking rule (or by
    a path that bypassed it) are masked on the way out. Changes the instance in memory only."""
    event.object_repr = audit_repr(event.object_type, event.object_repr)
    event.before = mask_payload(event.object_type, event.before)
    event.after = mask_payload(event.object_type, event.after)
    return event
