"""Reads of the registry. Every query starts from ``visible_to(user)``; ids the caller sends
(an area, an address, a dwelling) are matched through the caller's scope, so an invisible one
answers ``DoesNotExist`` (404) like a missing one.

The search (:func:`search_q`) is the one filter definition the pages and the API share. One
text ``q`` means, by its shape:

- 4–6 digits (the last may be ``X``): the end of a resident's ID number — the stored reversed
  tail (``id_tail_key``) starts with the reversed query: an indexed prefix lookup (aides find
  nobody this way);
- a whole ID number (18 characters, or 15 digits): that resident — an indexed equality on the
  blind index of the encrypted ID number (``id_number_index``; aides find nobody this way);
- a phone number (7 to 15 digits, with ``+``, spaces or dashes; national or E.164): the
  residents or establishments with that phone — an equality on the blind index
  (``phone_index`` / ``contact_phone_index``), whatever form the number was typed in;
- Latin letters only: pinyin initials (``zw`` finds 张伟, ``jsl`` 建设路) — an indexed prefix
  lookup on the stored lower-case initials, whatever the case typed;
- anything else: a name containing it, or an address containing it.

Lists are counted offset pages ordered by name (or address) and id: the registry of a county
is bounded by its population, and a search narrows it to a few pages.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from cunjing.core import crypto
from cunjing.core.roles import sees_id_numbers
from cunjing.org.models import Area
from cunjing.registry.models import (
    ID_TAIL_LENGTH,
    Dwelling,
    Establishment,
    Resident,
    StandardAddress,
)

Q_MAX = 50
ID_TAIL_MIN = 4
_ID_TAIL_RE = re.compile(rf"^[0-9]{{{ID_TAIL_MIN - 1},{ID_TAIL_LENGTH - 1}}}[0-9Xx]\Z")
_ID_NUMBER_RE = re.compile(r"^(?:[0-9]{17}[0-9Xx]|[0-9]{15})\Z")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]*[0-9]\Z")
PHONE_DIGITS = (7, 15)
_INITIALS_RE = re.compile(r"^[A-Za-z]+$")


def _is_phone(q: str) -> bool:
    digits = sum(ch.isdigit() for ch in q)
    return bool(_PHONE_RE.match(q)) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]


def _kind_of(q: str) -> str:
    if _ID_TAIL_RE.match(q):
        return "id_tail"
    if _ID_NUMBER_RE.match(q):
        return "id_number"
    if _is_phone(q):
        return "phone"
    if _INITIALS_RE.match(q):
        return "initials"
    return "text"


def search_q(model, q: str | None, user=None) -> Q:
    """The condition matching ``q`` on ``model`` (empty ``q``: everything).

    Each shape of ``q`` gets conditions an index can serve on its own: the ID tail and the
    initials are prefix lookups on one column, a whole ID number or phone an equality on its
    blind index (the columns themselves are encrypted), never OR-ed with a ``LIKE '%…%'`` that
    would force a scan of the whole registry; the address match of a resident or an
    establishment is a subquery on the addresses, not a join of every row.
    """
    q = (q or "").strip()[:Q_MAX]
    if not q:
        return Q()
    kind = _kind_of(q)
    if model is StandardAddress:
        if kind == "initials":
            return Q(pinyin_initials__startswith=q.lower())
        return Q(full_text__contains=q)
    if kind == "initials":
        return Q(name_initials__startswith=q.lower())
    if model is Resident and kind in ("id_tail", "id_number"):
        if not sees_id_numbers(user):
            # Aides may not find people by an ID number they are not to see.
            return Q(pk__in=[])
        if kind == "id_number":
            return Q(id_number_index=crypto.blind_index(crypto.ID_NUMBER, q))
        return Q(id_tail_key__startswith=q.upper()[::-1])
    if kind == "id_number":
        return Q(pk__in=[])
    if kind == "phone":
        index = crypto.blind_index(crypto.PHONE, q)
        if model is Resident:
            return Q(phone_index=index)
        return Q(contact_phone_index=index)
    addresses = StandardAddress.objects.filter(full_text__contains=q)
    if model is Resident:
        at = Dwelling.objects.filter(address__in=addresses.values("pk")).values("pk")
        return Q(name__contains=q) | Q(dwelling__in=at)
    return Q(name__contains=q) | Q(address__in=addresses.values("pk"))


def _area_filter(qs: QuerySet, user, area: int | None) -> QuerySet:
    if area is None:
        return qs
    return qs.filter(area=Area.objects.visible_to(user).get(pk=area))


def address_list(user, *, q: str | None = None, area: int | None = None) -> QuerySet:
    qs = StandardAddress.objects.visible_to(user).filter(search_q(StandardAddress, q, user))
    qs = _area_filter(qs, user, area)
    return qs.select_related("area").order_by("full_text", "id")


def address_get(user, pk: int) -> StandardAddress:
    return StandardAddress.objects.visible_to(user).select_related("area").get(pk=pk)


def dwelling_list(
    user, *, area: int | None = None, address: int | None = None, kind: str | None = None
) -> QuerySet:
    qs = Dwelling.objects.visible_to(user)
    qs = _area_filter(qs, user, area)
    if address is not None:
        qs = qs.filter(address=StandardAddress.objects.visible_to(user).get(pk=address))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("address", "area").order_by("address__full_text", "id")


def dwelling_get(user, pk: int) -> Dwelling:
    return Dwelling.objects.visible_to(user).select_related("address", "area").get(pk=pk)


def resident_list(
    user,
    *,
    q: str | None = None,
    area: int | None = None,
    dwelling: int | None = None,
    current: bool = False,
) -> QuerySet:
    qs = Resident.objects.visible_to(user).filter(search_q(Resident, q, user))
    qs = _area_filter(qs, user, area)
    if dwelling is not None:
        qs = qs.filter(dwelling=Dwelling.objects.visible_to(user).get(pk=dwelling))
    if current:
        qs = qs.filter(moved_out_on__isnull=True)
    return qs.select_related("dwelling__address", "area").order_by("name", "id")


def resident_get(user, pk: int) -> Resident:
    return Resident.objects.visible_to(user).select_related("dwelling__address", "area").get(pk=pk)


def establishment_list(
    user,
    *,
    q: str | None = None,
    area: int | None = None,
    kind: str | None = None,
    key_unit: bool | None = None,
) -> QuerySet:
    qs = Establishment.objects.visible_to(user).filter(search_q(Establishment, q, user))
    qs = _area_filter(qs, user, area)
    if kind:
        qs = qs.filter(kind=kind)
    if key_unit is not None:
        qs = qs.filter(is_key_unit=key_unit)
    return qs.select_related("address", "area").order_by("name", "id")


def establishment_get(user, pk: int) -> Establishment:
    return Establishment.objects.visible_to(user).select_related("address", "area").get(pk=pk)


def address_contents(user, address: StandardAddress) -> tuple[list[Dwelling], list]:
    """The dwellings at ``address`` with their residents (one query each), and its
    establishments."""
    dwellings = list(Dwelling.objects.visible_to(user).filter(address=address).order_by("id"))
    residents = (
        Resident.objects.visible_to(user)
        .filter(dwelling__in=dwellings)
        .order_by("moved_out_on", "household_role", "name", "id")
    )
    by_dwelling: dict[int, list[Resident]] = {d.pk: [] for d in dwellings}
    for resident in residents if dwellings else []:
        by_dwelling[resident.dwelling_id].append(resident)
    for dwelling in dwellings:
        dwelling.resident_rows = by_dwelling[dwelling.pk]
    establishments = list(
        Establishment.objects.visible_to(user).filter(address=address).order_by("name", "id")
    )
    return dwellings, establishments


def writable_areas(user) -> QuerySet[Area]:
    """The villages and communities ``user`` sees, for the new-address form."""
    from cunjing.org.models import BEAT_AREA_KINDS

    return Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS).order_by("path")
