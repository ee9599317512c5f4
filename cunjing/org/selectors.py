"""Reads of the organisation. Every function starts from ``visible_to(user)``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Count,
    F,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunjing.core.validators import is_ascii_digits
from cunjing.org.models import (
    BEAT_AREA_KINDS,
    TOWNSHIP_KINDS,
    UNIT_PARENT_KIND,
    Aide,
    AideKind,
    Area,
    AreaKind,
    Beat,
    Bureau,
    Coverage,
    Officer,
    OrgChange,
    Unit,
    UnitKind,
)

# --- Filters: one definition per list, shared by the pages and the API ---------------------


def children_of(qs: QuerySet, parent_id: int) -> QuerySet:
    """The rows of ``qs`` whose tree parent has id ``parent_id``. The parent is matched inside
    the query (its path in a subquery), never fetched: the rows returned stay within ``qs``'s
    scope, so a beat officer may list their villages under a township they cannot open."""
    model = qs.model
    parent_path = model.objects.filter(pk=parent_id).values("path")[:1]
    return qs.annotate(_parent_path=Substr("path", 1, Length("path") - model.steplen)).filter(
        _parent_path=Subquery(parent_path)
    )


def filter_units(
    qs: QuerySet[Unit], *, kind: str | None = None, parent: int | None = None, q: str | None = None
) -> QuerySet[Unit]:
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = children_of(qs, parent)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q))
    return qs


def filter_areas(
    qs: QuerySet[Area], *, kind: str | None = None, parent: int | None = None, q: str | None = None
) -> QuerySet[Area]:
    """Filter areas by kind, direct parent and a search text matching the Chinese name, the
    pinyin, the pinyin initials (``wfg`` → 瓦房沟村) or the division code."""
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = children_of(qs, parent)
    if q:
        q = q.strip()
        text = q.lower().replace(" ", "")
        cond = Q(name__icontains=q)
        if text.isascii() and text.isalpha():
            cond |= Q(pinyin_initials__startswith=text) | Q(pinyin__startswith=text)
        if is_ascii_digits(q):
            cond |= Q(division_code__startswith=q)
        qs = qs.filter(cond)
    return qs


# --- Units ---------------------------------------------------------------------------------


def unit_list(user, **filters) -> QuerySet[Unit]:
    return filter_units(Unit.objects.visible_to(user), **filters)


def unit_get(user, pk: int) -> Unit:
    """The unit, if visible to ``user``; raises ``Unit.DoesNotExist`` otherwise."""
    return Unit.objects.visible_to(user).get(pk=pk)


def unit_children(user, unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user).filter(path__startswith=unit.path, depth=unit.depth + 1)


def unit_areas(user, unit: Unit) -> QuerySet[Area]:
    """Areas the unit itself serves (not its subtree), visible to the user."""
    return Area.objects.visible_to(user).filter(coverages__unit=unit).order_by("path")


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The chain from the bureau down to ``unit``'s parent (one query)."""
    steps = Unit.steplen
    paths = [unit.path[: steps * d] for d in range(1, unit.depth)]
    return list(Unit.objects.filter(bureau_id=unit.bureau_id, path__in=paths).order_by("depth"))


def unit_officers(user, unit: Unit) -> QuerySet[Officer]:
    return Officer.objects.visible_to(user).filter(unit=unit, is_active=True).order_by("name", "id")


def unit_tree_tops(user) -> tuple[list[Unit], list[Unit]]:
    """The user's topmost visible unit(s) and their direct children (two queries)."""
    visible = Unit.objects.visible_to(user)
    top_depth = visible.order_by().values("bureau_id").annotate(m=Min("depth")).values("m")[:1]
    tops = list(visible.filter(depth=Subquery(top_depth)))
    if not tops:
        return [], []
    below = Q(pk__in=[])
    for top in tops:
        below |= Q(path__startswith=top.path, depth=top.depth + 1)
    return tops, list(visible.filter(below))


def subtree_officer_counts(user, units: list[Unit], within: str = "") -> dict[int, int]:
    """Active officers in each unit's subtree: one query grouped by unit (limited to the subtree
    at path ``within``), summed by path prefix."""
    if not units:
        return {}
    rows = (
        Officer.objects.visible_to(user)
        .filter(is_active=True, unit__path__startswith=within)
        .values("unit__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_path = [(row["unit__path"], row["n"]) for row in rows]
    return {unit.pk: sum(n for path, n in per_path if path.startswith(unit.path)) for unit in units}


def ancestor_links(user, ancestors: list) -> list[tuple[object, bool]]:
    """``[(ancestor, may_open)]``: ancestors outside the user's scope are shown by name only."""
    if not ancestors:
        return []
    model = type(ancestors[0])
    visible = set(
        model.objects.visible_to(user)
        .filter(pk__in=[a.pk for a in ancestors])
        .values_list("pk", flat=True)
    )
    return [(a, a.pk in visible) for a in ancestors]


def visible_parent_ids(user, rows) -> dict[str, int]:
    """Path → id of the tree rows' parents that ``user`` may see (one query for a page)."""
    if not rows:
        return {}
    model = type(rows[0])
    steps = model.steplen
    paths = {row.path[:-steps] for row in rows if row.depth > 1}
    if not paths:
        return {}
    return dict(model.objects.visible_to(user).filter(path__in=paths).values_list("path", "id"))


# --- Areas ---------------------------------------------------------------------------------


def area_list(user, **filters) -> QuerySet[Area]:
    return filter_areas(Area.objects.visible_to(user), **filters)


def active_beats_prefetch() -> Prefetch:
    return Prefetch(
        "beats",
        queryset=Beat.objects.active().select_related("officer").order_by("-is_lead", "id"),
        to_attr="active_beats",
    )


def with_active_beats(qs: QuerySet[Area]) -> QuerySet[Area]:
    """Areas in tree order, each with ``active_beats`` prefetched (one extra query)."""
    return qs.order_by("path").prefetch_related(active_beats_prefetch())


def area_parent_choices(user) -> QuerySet[Area]:
    """The county and township-level areas the user may filter by."""
    return (
        Area.objects.visible_to(user)
        .filter(kind__in=[AreaKind.COUNTY, *TOWNSHIP_KINDS])
        .order_by("path")
        .only("pk", "name", "depth")
    )


def area_get(user, pk: int) -> Area:
    """The area, if visible to ``user``; raises ``Area.DoesNotExist`` otherwise."""
    return Area.objects.visible_to(user).get(pk=pk)


def area_ancestors(area: Area) -> list[Area]:
    steps = Area.steplen
    paths = [area.path[: steps * d] for d in range(1, area.depth)]
    return list(Area.objects.filter(bureau_id=area.bureau_id, path__in=paths).order_by("depth"))


@dataclass
class ContactCard:
    """警民联系卡: how a resident reaches the area's beat officer."""

    area: Area
    officer: Officer | None
    unit: Unit | None  # the workstation or office serving the area
    others: list[Officer] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.unit.address if self.unit else ""


# --- The serving unit: which workstation (else office) serves an area ----------------------

SERVING_UNIT_KINDS = (UnitKind.WORKSTATION, UnitKind.OFFICE)


def serving_coverages() -> QuerySet[Coverage]:
    """Coverages of areas by a workstation or an office, in the order the serving rule tries
    them: the deepest unit first (a workstation before its office), then tree order."""
    return (
        Coverage.objects.filter(unit__kind__in=SERVING_UNIT_KINDS)
        .select_related("unit")
        .order_by("-unit__depth", "unit__path")
    )


def choose_serving_unit(units: list[Unit], *, prefer_path: str | None = None) -> Unit | None:
    """The rule itself, over the serving units of one area in ``serving_coverages`` order:
    where two serve it, the one in the ``prefer_path`` subtree (the actor's) first, then the
    first in that order."""
    if prefer_path:
        for unit in units:
            if unit.path.startswith(prefer_path):
                return unit
    return units[0] if units else None


def serving_unit(area: Area, *, actor=None) -> Unit | None:
    """The workstation (else the office) serving ``area``, preferring one in ``actor``'s
    subtree; ``None`` when no workstation or office serves it. One query."""
    units = [c.unit for c in serving_coverages().filter(bureau_id=area.bureau_id, area=area)]
    prefer = actor.unit.path if getattr(actor, "unit_id", None) else None
    return choose_serving_unit(units, prefer_path=prefer)


def record_unit(area: Area, *, actor) -> Unit:
    """The unit a record or matter in ``area`` belongs to: its serving unit, or a 422 on the
    area when no workstation or office serves it."""
    unit = serving_unit(area, actor=actor)
    if unit is None:
        raise ValidationError({"area": [_("No workstation or office serves this area.")]})
    return unit


# --- The contact card (警民联系卡) -----------------------------------------------------------


def _card_beats() -> QuerySet[Beat]:
    # An officer marked no longer active is off the card even while their beat is open: the
    # card is what residents call.
    return (
        Beat.objects.active()
        .filter(officer__is_active=True)
        .select_related("officer")
        .order_by("-is_lead", "start_date", "id")
    )


def contact_cards(areas) -> list[ContactCard]:
    """The contact cards of ``areas`` (already read through the caller's scope: a queryset or a
    list): two queries more, whatever their number."""
    areas = list(areas)
    prefetch_related_objects(
        areas,
        Prefetch("beats", queryset=_card_beats(), to_attr="card_beats"),
        Prefetch("coverages", queryset=serving_coverages(), to_attr="card_serving"),
    )
    cards = []
    for area in areas:
        officers = [beat.officer for beat in area.card_beats]
        serving = choose_serving_unit([c.unit for c in area.card_serving])
        cards.append(
            ContactCard(
                area=area,
                officer=officers[0] if officers else None,
                unit=serving,
                others=officers[1:],
            )
        )
    return cards


def contact_card(area: Area) -> ContactCard:
    """The contact card of an area the caller has already fetched through its scope."""
    return contact_cards([area])[0]


def area_aides(user, area: Area) -> QuerySet[Aide]:
    return Aide.objects.visible_to(user).filter(area=area, is_active=True).order_by("kind", "id")


def area_beats_history(user, area: Area) -> QuerySet[Beat]:
    return (
        Beat.objects.visible_to(user)
        .filter(area=area)
        .select_related("officer")
        .order_by("-start_date", "-id")
    )


# --- The bureau a public side serves (the portal, Open311) ------------------------------------


def public_bureau(code: str = "") -> Bureau:
    """The bureau that a public side (the residents' portal, Open311) serves: the one whose
    county code is ``code`` when given (the side's setting, or the bureau a client names);
    otherwise the only bureau, when there is exactly one. ``Bureau.DoesNotExist`` when the code
    names no bureau or there is none; ``Bureau.MultipleObjectsReturned`` when there are several
    and no code says which. The caller answers (a 404, a field error) and logs why."""
    if code:
        return Bureau.objects.get(code=code)
    bureaus = list(Bureau.objects.order_by("pk")[:2])
    if not bureaus:
        raise Bureau.DoesNotExist("no bureau")
    if len(bureaus) > 1:
        raise Bureau.MultipleObjectsReturned("several bureaus and no code")
    return bureaus[0]


# --- Officers and aides (the system admin's people lists) ---------------------------------


class PersonState(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Serving")
    INACTIVE = "inactive", gettext_lazy("Left")


def _name_search(q: str, *, phone_field: str | None = None) -> Q:
    """A person's name contains it, or their pinyin initials start with it (zs → 张三)."""
    q = q.strip()
    text = q.lower().replace(" ", "")
    cond = Q(name__icontains=q)
    if text.isascii() and text.isalpha():
        cond |= Q(pinyin_initials__startswith=text)
    return cond


def officer_list(
    user,
    *,
    q: str | None = None,
    unit: int | None = None,
    state: str | None = None,
    on_beat: bool | None = None,
) -> QuerySet[Officer]:
    """Officers in scope: search by name, pinyin initials or badge (police) number; ``unit``
    (any unit of the scope: its whole subtree), ``state`` (serving / left), ``on_beat``."""
    qs = Officer.objects.visible_to(user).select_related("unit")
    if q:
        cond = _name_search(q)
        if q.strip().isascii() and q.strip().isalnum():
            cond |= Q(badge_number__startswith=q.strip())
        qs = qs.filter(cond)
    if unit:
        within = Unit.objects.visible_to(user).filter(pk=unit).values("path")[:1]
        qs = qs.filter(unit__path__startswith=Subquery(within))
    if state == PersonState.ACTIVE:
        qs = qs.filter(is_active=True)
    elif state == PersonState.INACTIVE:
        qs = qs.filter(is_active=False)
    if on_beat is not None:
        serving = Beat.objects.active().values("officer_id")
        qs = qs.filter(pk__in=serving) if on_beat else qs.exclude(pk__in=serving)
    return qs


def officer_get(user, pk: int) -> Officer:
    """An officer in scope (``Officer.DoesNotExist`` otherwise: a 404)."""
    return Officer.objects.visible_to(user).select_related("unit").get(pk=pk)


def officer_beats(user, officer: Officer) -> list[Beat]:
    """The officer's beats, open first, then the ended ones newest first (the areas as the
    caller's scope allows: every beat shows, its area's name is history)."""
    return list(
        Beat.objects.filter(bureau_id=officer.bureau_id, officer=officer)
        .select_related("area")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date", "-id")
    )


def aide_list(
    user,
    *,
    q: str | None = None,
    area: int | None = None,
    kind: str | None = None,
    subtype: str | None = None,
    state: str | None = None,
) -> QuerySet[Aide]:
    """Aides in scope: search by name, pinyin initials or phone; ``area`` (a village, or a
    township: every village under it), kind, subtype, ``state`` (serving / left)."""
    qs = Aide.objects.visible_to(user).select_related("area")
    if q:
        cond = _name_search(q)
        digits = q.strip()
        if digits.isascii() and digits.isdigit():
            cond |= Q(phone__contains=digits)
        qs = qs.filter(cond)
    if area:
        within = Area.objects.visible_to(user).filter(pk=area).values("path")[:1]
        qs = qs.filter(area__path__startswith=Subquery(within))
    if kind:
        qs = qs.filter(kind=kind)
    if subtype:
        qs = qs.filter(subtype=subtype)
    if state == PersonState.ACTIVE:
        qs = qs.filter(is_active=True)
    elif state == PersonState.INACTIVE:
        qs = qs.filter(is_active=False)
    return qs


def aide_get(user, pk: int) -> Aide:
    return Aide.objects.visible_to(user).select_related("area").get(pk=pk)


def org_changes(user, *, unit: Unit | None = None, officer: Officer | None = None, aide=None):
    """The history of a unit (what happened to it, and the transfers out of it), an officer or
    an aide, newest first. A person's history is whole for whoever may see the person (the
    caller fetched them through their scope): a transfer is filed under the unit the officer
    left, and the new station's leaders read it too."""
    qs = OrgChange.objects.select_related("officer", "aide", "unit")
    if officer is not None:
        return qs.filter(bureau_id=officer.bureau_id, officer=officer).order_by("-on", "-id")
    if aide is not None:
        return qs.filter(bureau_id=aide.bureau_id, aide=aide).order_by("-on", "-id")
    qs = OrgChange.objects.visible_to(user).select_related("officer", "aide", "unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("-on", "-id")


def person_account_id(bureau_id: int, *, officer_id=None, aide_id=None) -> int | None:
    """The id of the account linked to an officer or an aide (through the reverse one-to-one
    ``user``: ``org`` reads it without importing ``accounts``)."""
    if officer_id is not None:
        qs = Officer.objects.filter(bureau_id=bureau_id, pk=officer_id)
    else:
        qs = Aide.objects.filter(bureau_id=bureau_id, pk=aide_id)
    return qs.values_list("user__id", flat=True).first()


def transfer_targets(user) -> QuerySet[Unit]:
    """Open units an officer may be posted to (the caller's scope)."""
    return Unit.objects.visible_to(user).filter(closed_on__isnull=True).order_by("path")


def move_targets(user, unit: Unit) -> QuerySet[Unit]:
    """Open units ``unit`` may move under: the kind above it, not its current parent."""
    parent_kind = UNIT_PARENT_KIND.get(unit.kind)
    if parent_kind is None:
        return Unit.objects.none()
    return (
        Unit.objects.visible_to(user)
        .filter(kind=parent_kind, closed_on__isnull=True)
        .exclude(path=unit.path[: -Unit.steplen])
        .order_by("path")
    )


def successor_choices(user, unit: Unit) -> QuerySet[Unit]:
    """Open units of the same kind that may take over ``unit``'s areas when it closes."""
    return (
        Unit.objects.visible_to(user)
        .filter(kind=unit.kind, closed_on__isnull=True)
        .exclude(pk=unit.pk)
        .order_by("path")
    )


def unit_close_blockers(unit: Unit) -> dict[str, int]:
    """What still hangs on ``unit`` and must be reassigned before it can close
    (``org.services.unit_close``): open child units, active officers, areas it serves."""
    return {
        "children": Unit.objects.filter(
            bureau_id=unit.bureau_id,
            path__startswith=unit.path,
            depth=unit.depth + 1,
            closed_on__isnull=True,
        ).count(),
        "officers": Officer.objects.filter(
            bureau_id=unit.bureau_id, unit=unit, is_active=True
        ).count(),
        "areas": Coverage.objects.filter(bureau_id=unit.bureau_id, unit=unit).count(),
    }


# --- Coverage report (村社有警) -----------------------------------------------------------


@dataclass
class CoverageRow:
    area: Area
    officers: list[Officer]
    patrollers: int = 0
    security_members: int = 0

    @property
    def covered(self) -> bool:
        return bool(self.officers)

    @property
    def complete(self) -> bool:
        """一警两员: an officer, a patroller and a security member."""
        return self.covered and self.patrollers > 0 and self.security_members > 0


@dataclass
class CoverageReport:
    rows: list[CoverageRow]

    @property
    def areas_total(self) -> int:
        return len(self.rows)

    @property
    def areas_covered(self) -> int:
        return sum(1 for row in self.rows if row.covered)

    @property
    def areas_complete(self) -> int:
        return sum(1 for row in self.rows if row.complete)

    @property
    def uncovered(self) -> list[Area]:
        return [row.area for row in self.rows if not row.covered]

    @property
    def without_patroller(self) -> list[Area]:
        return [row.area for row in self.rows if not row.patrollers]

    @property
    def without_security_member(self) -> list[Area]:
        return [row.area for row in self.rows if not row.security_members]


def coverage_report(user, *, kind: str | None = None) -> CoverageReport:
    """Every village and community in scope with its active beat officers and its count of
    active aides of each kind (村社有警, 一警两员): three queries."""
    kinds = [kind] if kind in BEAT_AREA_KINDS else list(BEAT_AREA_KINDS)
    areas = list(
        Area.objects.visible_to(user)
        .filter(kind__in=kinds)
        .order_by("path")
        .prefetch_related(active_beats_prefetch())
    )
    aides: dict[tuple[int, str], int] = (
        {
            (row["area_id"], row["kind"]): row["n"]
            for row in Aide.objects.filter(is_active=True, area__in=[a.pk for a in areas])
            .values("area_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
        }
        if areas
        else {}
    )
    return CoverageReport(
        rows=[
            CoverageRow(
                area=a,
                officers=[b.officer for b in a.active_beats],
                patrollers=aides.get((a.pk, AideKind.PATROLLER), 0),
                security_members=aides.get((a.pk, AideKind.SECURITY_MEMBER), 0),
            )
            for a in areas
        ]
    )


def area_kind_counts(user) -> dict[str, int]:
    rows = Area.objects.visible_to(user).values("kind").annotate(n=Count("id"))
    counts = {kind: 0 for kind in AreaKind.values}
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def bureau_rules(user) -> dict:
    """The rules of ``user``'s bureau (``org.services.BUREAU_RULES``)."""
    return Bureau.objects.filter(pk=user.bureau_id).values("correction_window_days").get()
