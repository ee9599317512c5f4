"""Writes of the registry (一标三实).

Every create and update:

1. checks scope first — the area (or the parent address / dwelling) fetched through
   ``visible_to(actor)``; out of scope raises ``DoesNotExist`` (a 404, no existence leak);
2. then the role — ``Capability.EDIT_REGISTRY``: beat officers and office / station leaders
   write; aides, the commander and inspectors only read; the admin roles do not even read
   (``PermissionDenied``, 403);
3. validates (``full_clean``: field-level errors), saves and writes one audit event, in one
   transaction. ID numbers and phones are masked in the audit snapshots; the ID tail search key
   never enters them.

The area of a dwelling, resident or establishment is its address's, never input. ``actor=SYSTEM``
is the system (the demo), which may do everything.

Residents' ID numbers and phones, and establishments' contact phones, are stored encrypted (their
blind indexes kept by the model fields, ``core.fields``) and revealed through
``cunjing.core.reveal`` (registered in ``RegistryConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from cunjing.core import audit, crypto
from cunjing.core.roles import Capability, is_system, require
from cunjing.core.validators import normalize_phone
from cunjing.core.writes import audited_update, check_editable, lock_visible
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.registry.models import (
    Dwelling,
    Establishment,
    Resident,
    StandardAddress,
    id_tail_key,
)

ADDRESS_EDITABLE = frozenset(
    {"road", "number", "building", "unit_number", "room", "latitude", "longitude"}
)
DWELLING_EDITABLE = frozenset({"kind", "notes"})
RESIDENT_EDITABLE = frozenset({"name", "id_number", "phone", "household_role", "moved_out_on"})
ESTABLISHMENT_EDITABLE = frozenset(
    {"name", "kind", "uscc", "contact_name", "contact_phone", "is_key_unit"}
)


# --- Helpers ----------------------------------------------------------------------------------


def initials_of(text: str, max_length: int) -> str:
    """Lower-case pinyin initials of the Chinese characters (张伟 → ``zw``); other characters
    (digits, Latin letters) are kept, lower-cased; spaces dropped."""
    parts = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(parts).replace(" ", "").lower()[:max_length]


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _phone(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _snapshot(instance: models.Model) -> dict[str, Any]:
    """The row for the audit trail (personal fields masked, search keys left out, by
    ``audit.record`` as ``core.personal`` classifies them)."""
    return audit.snapshot(instance)


def _check_write(actor, area: Area) -> Area:
    """Scope (404), then role (403), then the kind of area (422)."""
    if is_system(actor):
        area = Area.objects.get(pk=area.pk)
    else:
        area = Area.objects.visible_to(actor).get(pk=area.pk)
        require(actor, Capability.EDIT_REGISTRY)
    if area.kind not in BEAT_AREA_KINDS:
        raise ValidationError({"area": [_("Choose a village or community.")]})
    return area


def _visible(actor, model: type[models.Model], pk: int):
    """The row if ``actor`` may see it (``DoesNotExist`` otherwise)."""
    qs = model.objects.all() if is_system(actor) else model.objects.visible_to(actor)
    return qs.get(pk=pk)


def _save_new(actor, instance: models.Model, action: str):
    instance.full_clean()
    instance.save()
    audit.record(actor=actor, action=action, instance=instance, after=_snapshot(instance))
    return instance


def _update(
    actor,
    model: type[models.Model],
    instance: models.Model,
    *,
    editable: frozenset[str],
    changes: Mapping[str, Any],
    action: str,
    prepare: Callable[[models.Model], None] | None = None,
):
    """Scope (404), then role (403), then the fields (422); see ``core.writes``."""
    instance = lock_visible(actor, model, instance.pk)
    require(actor, Capability.EDIT_REGISTRY)
    check_editable(changes, editable)
    return audited_update(
        actor=actor,
        instance=instance,
        action=action,
        changes={name: _text(value) for name, value in changes.items()},
        prepare=prepare,
        snapshot=_snapshot,
    )


# --- Standard addresses -----------------------------------------------------------------------


def _address_text(address: StandardAddress) -> None:
    address.full_text = "".join(
        part
        for part in (
            address.area.name,
            address.road,
            address.number,
            address.building,
            address.unit_number,
            address.room,
        )
        if part
    )[:300]
    address.pinyin_initials = initials_of(address.road, 100)


def _address_unique(address: StandardAddress) -> None:
    taken = StandardAddress.objects.filter(
        bureau_id=address.bureau_id,
        area_id=address.area_id,
        road=address.road,
        number=address.number,
        building=address.building,
        unit_number=address.unit_number,
        room=address.room,
    )
    if address.pk:
        taken = taken.exclude(pk=address.pk)
    if taken.exists():
        raise ValidationError({"number": [_("This address is already registered.")]})


@transaction.atomic
def address_create(
    *,
    actor,
    area: Area,
    road: str,
    number: str,
    building: str = "",
    unit_number: str = "",
    room: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> StandardAddress:
    """Register a standard address in a village or community."""
    area = _check_write(actor, area)
    address = StandardAddress(
        bureau_id=area.bureau_id,
        area=area,
        road=_text(road),
        number=_text(number),
        building=_text(building),
        unit_number=_text(unit_number),
        room=_text(room),
        latitude=latitude,
        longitude=longitude,
    )
    _address_text(address)
    _address_unique(address)
    return _save_new(actor, address, "registry.address.create")


@transaction.atomic
def address_update(*, actor, address: StandardAddress, **changes) -> StandardAddress:
    """Change an address's parts or position; its full text and initials follow."""

    def prepare(instance):
        _address_text(instance)
        _address_unique(instance)

    return _update(
        actor,
        StandardAddress,
        address,
        editable=ADDRESS_EDITABLE,
        changes=changes,
        action="registry.address.update",
        prepare=prepare,
    )


# --- Dwellings --------------------------------------------------------------------------------


@transaction.atomic
def dwelling_create(*, actor, address: StandardAddress, kind: str, notes: str = "") -> Dwelling:
    """Register a dwelling at an address."""
    address = _visible(actor, StandardAddress, address.pk)
    area = _check_write(actor, address.area)
    dwelling = Dwelling(
        bureau_id=address.bureau_id,
        area=area,
        address=address,
        kind=kind,
        notes=_text(notes),
    )
    return _save_new(actor, dwelling, "registry.dwelling.create")


@transaction.atomic
def dwelling_update(*, actor, dwelling: Dwelling, **changes) -> Dwelling:
    return _update(
        actor,
        Dwelling,
        dwelling,
        editable=DWELLING_EDITABLE,
        changes=changes,
        action="registry.dwelling.update",
    )


# --- Residents --------------------------------------------------------------------------------


def _resident_prepare(resident: Resident) -> None:
    resident.id_number = (resident.id_number or "").strip().upper()
    resident.id_tail_key = id_tail_key(resident.id_number)
    resident.name_initials = initials_of(resident.name, 50)
    resident.phone = _phone(resident.phone, "phone")
    if resident.id_number:
        # The column is encrypted: the exact match is on its blind index.
        taken = Resident.objects.filter(
            bureau_id=resident.bureau_id,
            id_number_index=crypto.blind_index(crypto.ID_NUMBER, resident.id_number),
        )
        if resident.pk:
            taken = taken.exclude(pk=resident.pk)
        if taken.exists():
            raise ValidationError(
                {"id_number": [_("A resident with this ID number is already registered.")]}
            )


@transaction.atomic
def resident_create(
    *,
    actor,
    dwelling: Dwelling,
    name: str,
    household_role: str,
    id_number: str = "",
    phone: str = "",
    moved_out_on: dt.date | None = None,
) -> Resident:
    """Register a person living in a dwelling."""
    dwelling = _visible(actor, Dwelling, dwelling.pk)
    area = _check_write(actor, dwelling.area)
    resident = Resident(
        bureau_id=dwelling.bureau_id,
        area=area,
        dwelling=dwelling,
        name=_text(name),
        household_role=household_role,
        id_number=id_number,
        phone=phone,
        moved_out_on=moved_out_on,
    )
    _resident_prepare(resident)
    return _save_new(actor, resident, "registry.resident.create")


@transaction.atomic
def resident_update(*, actor, resident: Resident, **changes) -> Resident:
    return _update(
        actor,
        Resident,
        resident,
        editable=RESIDENT_EDITABLE,
        changes=changes,
        action="registry.resident.update",
        prepare=_resident_prepare,
    )


# --- Establishments ---------------------------------------------------------------------------


def _establishment_prepare(establishment: Establishment) -> None:
    establishment.uscc = (establishment.uscc or "").strip().upper()
    establishment.name_initials = initials_of(establishment.name, 100)
    establishment.contact_phone = _phone(establishment.contact_phone, "contact_phone")


@transaction.atomic
def establishment_create(
    *,
    actor,
    address: StandardAddress,
    name: str,
    kind: str,
    uscc: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    is_key_unit: bool = False,
) -> Establishment:
    """Register an establishment at an address."""
    address = _visible(actor, StandardAddress, address.pk)
    area = _check_write(actor, address.area)
    establishment = Establishment(
        bureau_id=address.bureau_id,
        area=area,
        address=address,
        name=_text(name),
        kind=kind,
        uscc=uscc,
        contact_name=_text(contact_name),
        contact_phone=contact_phone,
        is_key_unit=is_key_unit,
    )
    _establishment_prepare(establishment)
    return _save_new(actor, establishment, "registry.establishment.create")


@transaction.atomic
def establishment_update(*, actor, establishment: Establishment, **changes) -> Establishment:
    return _update(
        actor,
        Establishment,
        establishment,
        editable=ESTABLISHMENT_EDITABLE,
        changes=changes,
        action="registry.establishment.update",
        prepare=_establishment_prepare,
    )
