"""Reads of disputes. Every read starts from ``visible_to(user)`` (the jurisdiction rule of
``org`` through the area); ids the caller sends are matched through the caller's scope
(invisible or missing → ``DoesNotExist``, a 404).

Two figures later mechanisms read from here:

- :func:`screening_weeks` — per beat officer and ISO week, whether they screened (每周半天排查):
  ``True`` a round of theirs that week, ``False`` a missed week (on a beat that week, no round),
  ``None`` not on a beat that week. The assessment mechanism reads the ``False`` weeks.
- :func:`tier_rates` — the three rates 小事不出村 / 大事不出镇 / 矛盾不上交 of a unit's subtree and
  a period, from the roll-up counters (``disputes.services.figures``): O(days), whatever the
  number of disputes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from cunjing.core.roles import Capability, has_capability
from cunjing.disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeFollowUp,
    DisputeKind,
    DisputeParty,
    Hazard,
    MediationSession,
    RiskFlag,
    RiskLevel,
    ScreeningRound,
    State,
    Tier,
    flag_field,
)
from cunjing.disputes.services.figures import MEDIATED, PASSED_UP, TIER_FIGURES
from cunjing.org.models import Area, Beat, Officer, Unit
from cunjing.stats import selectors as stats_selectors

DISPUTE_ORDER = ("-reported_at", "-id")
SCREENING_ORDER = ("-screened_on", "-id")
HAZARD_ORDER = ("-id",)
# Not settled and not closed: what a leader's risk list shows of the high-risk cases.
UNSETTLED_STATES = (State.REPORTED, State.MEDIATING, State.FAILED)
WEEKS_MAX = 106  # two years of weeks in one read


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _in_subtree(qs: QuerySet, user, unit: int, prefix: str = "unit") -> QuerySet:
    found = Unit.objects.visible_to(user).get(pk=unit)
    return qs.filter(
        **{f"{prefix}__bureau_id": found.bureau_id, f"{prefix}__path__startswith": found.path}
    )


# --- Kinds ---------------------------------------------------------------------------------------


def kinds(user, *, active_only: bool = False) -> QuerySet[DisputeKind]:
    """The kinds of dispute of the user's bureau (a vocabulary: no personal data), in order."""
    bureau_id = getattr(user, "bureau_id", None)
    if bureau_id is None:
        return DisputeKind.objects.none()
    qs = DisputeKind.objects.filter(bureau_id=bureau_id)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("position", "id")


def kind_get(user, pk: int) -> DisputeKind:
    return kinds(user).get(pk=pk)


# --- Disputes ------------------------------------------------------------------------------------


def can_read(user) -> bool:
    """Disputes, their parties and screening rounds name people: read with the right to read
    field work (never by the three admin roles, whatever their jurisdiction)."""
    return has_capability(user, Capability.VIEW_FIELDWORK)


def _readable(qs: QuerySet, user) -> QuerySet:
    return qs.visible_to(user) if can_read(user) else qs.none()


def visible(user) -> QuerySet[Dispute]:
    return _readable(Dispute.objects, user)


def dispute_list(
    user,
    *,
    unit: int | None = None,
    area: int | None = None,
    kind: int | None = None,
    risk: str | None = None,
    state: str | None = None,
    tier: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Dispute]:
    """The disputes ``user`` sees, newest report first, filtered: ``unit`` (its subtree: the
    units serving the disputes' areas), ``area``, ``kind``, ``risk`` level, ``state``,
    resolution ``tier``, and the days of the report (``date_from``, ``date_to``, inclusive)."""
    qs = visible(user)
    if unit is not None:
        qs = _in_subtree(qs, user, unit)
    if area is not None:
        qs = qs.filter(area=Area.objects.visible_to(user).get(pk=area))
    if kind is not None:
        qs = qs.filter(kind=kind_get(user, kind))
    if risk:
        qs = qs.filter(risk_level=risk)
    if state:
        qs = qs.filter(state=state)
    if tier:
        qs = qs.filter(tier=tier)
    if date_from is not None:
        qs = qs.filter(reported_at__gte=_start_of(date_from))
    if date_to is not None:
        qs = qs.filter(reported_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return qs.select_related("area", "unit", "kind").order_by(*DISPUTE_ORDER)


def dispute_get(user, pk: int) -> Dispute:
    return visible(user).select_related("area", "unit", "kind", "handling_unit").get(pk=pk)


def parties(dispute: Dispute) -> list[DisputeParty]:
    return list(DisputeParty.objects.filter(bureau_id=dispute.bureau_id, dispute=dispute))


def sessions(dispute: Dispute) -> list[MediationSession]:
    return list(
        MediationSession.objects.filter(bureau_id=dispute.bureau_id, dispute=dispute).order_by(
            "held_on", "id"
        )
    )


def follow_ups(dispute: Dispute) -> list[DisputeFollowUp]:
    return list(
        DisputeFollowUp.objects.filter(bureau_id=dispute.bureau_id, dispute=dispute).order_by(
            "due_on", "id"
        )
    )


def timeline(dispute: Dispute) -> list[DisputeEvent]:
    return list(
        DisputeEvent.objects.filter(bureau_id=dispute.bureau_id, dispute=dispute).order_by(
            "created_at", "id"
        )
    )


def risk_disputes(user) -> QuerySet[Dispute]:
    """The high-risk disputes not yet settled or closed that ``user`` sees, the earliest
    deadline first, then the oldest report (a leader's risk list)."""
    return (
        visible(user)
        .filter(risk_level=RiskLevel.HIGH, state__in=UNSETTLED_STATES)
        .select_related("area", "unit", "kind")
        .order_by("resolve_due_at", "reported_at", "id")
    )


def follow_ups_due(user, *, due_by: dt.date | None = None) -> QuerySet[DisputeFollowUp]:
    """The follow-up visits still due of the disputes ``user`` sees, the earliest first
    (``due_by``: only those due by that day) — the 待跟进 list."""
    qs = _readable(DisputeFollowUp.objects, user).filter(
        done_on__isnull=True, cancelled_on__isnull=True
    )
    if due_by is not None:
        qs = qs.filter(due_on__lte=due_by)
    return qs.select_related("dispute__area", "dispute__kind").order_by("due_on", "id")


# --- Screening -----------------------------------------------------------------------------------


def screening_list(
    user,
    *,
    unit: int | None = None,
    area: int | None = None,
    officer: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[ScreeningRound]:
    """The screening rounds ``user`` sees, the latest first, filtered."""
    qs = _readable(ScreeningRound.objects, user)
    if unit is not None:
        qs = _in_subtree(qs, user, unit)
    if area is not None:
        qs = qs.filter(area=Area.objects.visible_to(user).get(pk=area))
    if officer is not None:
        qs = qs.filter(officer=Officer.objects.visible_to(user).get(pk=officer))
    if date_from is not None:
        qs = qs.filter(screened_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(screened_on__lte=date_to)
    return qs.select_related("area", "unit", "officer").order_by(*SCREENING_ORDER)


def screening_get(user, pk: int) -> ScreeningRound:
    return (
        _readable(ScreeningRound.objects, user).select_related("area", "unit", "officer").get(pk=pk)
    )


def hazards_of(round_: ScreeningRound) -> list[Hazard]:
    return list(Hazard.objects.filter(bureau_id=round_.bureau_id, round=round_).order_by("id"))


def _flagged() -> Q:
    q = Q()
    for flag in RiskFlag.values:
        q |= Q(**{flag_field(flag): True})
    return q


def hazard_list(
    user,
    *,
    open: bool | None = None,
    flagged: bool | None = None,
    unit: int | None = None,
    area: int | None = None,
) -> QuerySet[Hazard]:
    """The screening hazards ``user`` sees, the latest first: ``open`` (not closed) or closed,
    ``flagged`` (watched for a group incident, a disorder spot, a high-risk or special-interest
    group) or not, of a unit's subtree or an area."""
    qs = _readable(Hazard.objects, user)
    if open is not None:
        qs = qs.filter(closed_at__isnull=open)
    if flagged is True:
        qs = qs.filter(_flagged())
    elif flagged is False:
        qs = qs.exclude(_flagged())
    if unit is not None:
        qs = _in_subtree(qs, user, unit, prefix="round__unit")
    if area is not None:
        qs = qs.filter(round__area=Area.objects.visible_to(user).get(pk=area))
    return qs.select_related("round__area").order_by(*HAZARD_ORDER)


def hazard_get(user, pk: int) -> Hazard:
    return _readable(Hazard.objects, user).select_related("round__area").get(pk=pk)


def flagged_hazards(user) -> QuerySet[Hazard]:
    """The open flagged hazards ``user`` sees (a leader's risk list), the oldest first."""
    return hazard_list(user, open=True, flagged=True).order_by("created_at", "id")


# --- The tier rates ------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class TierRates:
    """Disputes settled in a unit's subtree over a period, by tier, and the three rates (a
    share from 0 to 1; ``None`` when nothing was settled):

    - ``village_rate`` 小事不出村: settled in the village;
    - ``township_rate`` 大事不出镇: settled in the village or the township;
    - ``county_rate`` 矛盾不上交: not passed above the county.
    """

    unit: Unit
    date_from: dt.date
    date_to: dt.date
    settled: int
    village: int
    township: int
    escalated: int
    passed_up: int

    @property
    def village_rate(self) -> float | None:
        return _share(self.village, self.settled)

    @property
    def township_rate(self) -> float | None:
        return _share(self.village + self.township, self.settled)

    @property
    def county_rate(self) -> float | None:
        return _share(self.settled - self.passed_up, self.settled)


def tier_rates(user, unit: Unit | int, start: dt.date, end: dt.date) -> TierRates:
    """The tier rates of ``unit``'s subtree from ``start`` to ``end`` (inclusive, the days the
    cases were settled), read from the roll-up counters: one query for the unit, one for the
    counters. A unit outside the user's scope: ``DoesNotExist``."""
    unit = Unit.objects.visible_to(user).get(pk=getattr(unit, "pk", unit))
    names = [MEDIATED, *TIER_FIGURES.values(), PASSED_UP]
    got = stats_selectors.totals(user, unit=unit, date_from=start, date_to=end, figures=names)
    return TierRates(
        unit=unit,
        date_from=start,
        date_to=end,
        settled=got[MEDIATED],
        village=got[TIER_FIGURES[Tier.VILLAGE]],
        township=got[TIER_FIGURES[Tier.TOWNSHIP]],
        escalated=got[TIER_FIGURES[Tier.ESCALATED]],
        passed_up=got[PASSED_UP],
    )


# --- Missed screenings ---------------------------------------------------------------------------

Week = tuple[int, int]  # ISO (year, week)


def iso_weeks(start: dt.date, end: dt.date) -> list[Week]:
    """The ISO weeks from the one holding ``start`` to the one holding ``end``."""
    weeks: list[Week] = []
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= end:
        year, week, _day = monday.isocalendar()
        weeks.append((year, week))
        monday += dt.timedelta(days=7)
    return weeks


def _monday(week: Week) -> dt.date:
    return dt.date.fromisocalendar(week[0], week[1], 1)


@dataclass(frozen=True)
class OfficerWeeks:
    """One beat officer's screening weeks: ``weeks`` maps each ISO week asked for to ``True``
    (screened), ``False`` (missed: on a beat that week and no round of theirs) or ``None`` (not
    on a beat that week)."""

    officer_id: int
    name: str
    unit_id: int
    weeks: dict[Week, bool | None] = field(default_factory=dict)

    @property
    def missed(self) -> list[Week]:
        return [week for week, screened in self.weeks.items() if screened is False]


def screening_weeks(user, unit: Unit | int, weeks) -> list[OfficerWeeks]:
    """Per officer of ``unit``'s subtree (as ``user`` sees them) and per ISO week of ``weeks``
    (``(year, week)`` pairs, at most :data:`WEEKS_MAX`), whether they screened — see
    :class:`OfficerWeeks`. Officers on no beat in any of these weeks are left out. Four queries
    whatever the number of officers and weeks."""
    unit = Unit.objects.visible_to(user).get(pk=getattr(unit, "pk", unit))
    weeks = sorted(set(weeks))
    if len(weeks) > WEEKS_MAX:
        raise ValueError(f"at most {WEEKS_MAX} weeks in one read")
    if not weeks:
        return []
    first, last = _monday(weeks[0]), _monday(weeks[-1]) + dt.timedelta(days=6)
    officers = list(
        Officer.objects.visible_to(user)
        .filter(bureau_id=unit.bureau_id, unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("unit__path", "name", "id")
    )
    ids = [o.pk for o in officers]
    beats: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for officer_id, start, end in Beat.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=first),
        bureau_id=unit.bureau_id,
        officer_id__in=ids,
        start_date__lte=last,
    ).values_list("officer_id", "start_date", "end_date"):
        beats.setdefault(officer_id, []).append((start, end))
    screened: set[tuple[int, Week]] = set()
    for officer_id, day in ScreeningRound.objects.filter(
        bureau_id=unit.bureau_id, officer_id__in=ids, screened_on__range=(first, last)
    ).values_list("officer_id", "screened_on"):
        year, week, _weekday = day.isocalendar()
        screened.add((officer_id, (year, week)))
    rows = []
    for officer in officers:
        spans = beats.get(officer.pk)
        if not spans:
            continue
        row = OfficerWeeks(officer_id=officer.pk, name=officer.name, unit_id=officer.unit_id)
        for week in weeks:
            monday = _monday(week)
            sunday = monday + dt.timedelta(days=6)
            if (officer.pk, week) in screened:
                row.weeks[week] = True
            elif any(s <= sunday and (e is None or e > monday) for s, e in spans):
                row.weeks[week] = False
            else:
                row.weeks[week] = None
        rows.append(row)
    return rows
