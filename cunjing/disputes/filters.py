"""The filters of the dispute ledger, the screening rounds and the hazards, declared once for
their pages (coming) and the API (``core.filters``). The lists are keyset-paginated."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cunjing.core.filters import (
    BoolFilter,
    ChoiceFilter,
    CursorFilter,
    DateFilter,
    FilterSet,
    IdFilter,
)
from cunjing.disputes import selectors
from cunjing.disputes.models import RiskLevel, State, Tier
from cunjing.org.models import BEAT_AREA_KINDS, Area, Unit


def _units(user):
    return Unit.objects.visible_to(user)


def _areas(user):
    return Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS)


def _unit() -> IdFilter:
    return IdFilter(
        choices=_units,
        label=_("unit"),
        description="Only the areas served by this unit or a unit below it.",
    )


def _area() -> IdFilter:
    return IdFilter(choices=_areas, label=_("village or community"), description="Only this area.")


class DisputeFilters(FilterSet):
    unit = _unit()
    area = _area()
    kind = IdFilter(
        choices=selectors.kinds,
        label=_("kind"),
        description="Only this kind (GET /api/disputes/kinds).",
    )
    risk = ChoiceFilter(RiskLevel, label=_("risk level"), empty_label="—")
    state = ChoiceFilter(State, label=_("state"), empty_label="—")
    tier = ChoiceFilter(Tier, label=_("resolution tier"), empty_label="—")
    date_from = DateFilter(label=_("reported from"), description="Reported from this day.")
    date_to = DateFilter(label=_("reported until"), description="Reported until this day.")
    before = CursorFilter()
    select = staticmethod(selectors.dispute_list)


class ScreeningFilters(FilterSet):
    unit = _unit()
    area = _area()
    officer = IdFilter(description="Only this officer's rounds.", api_only=True)
    date_from = DateFilter(label=_("from"), description="Screened from this day.")
    date_to = DateFilter(label=_("until"), description="Screened until this day.")
    before = CursorFilter()
    select = staticmethod(selectors.screening_list)


class HazardFilters(FilterSet):
    open = BoolFilter(label=_("open"), description="Open (true) or closed (false) only.")
    flagged = BoolFilter(
        label=_("flagged"),
        description="Only those watched for a group incident, a disorder spot, a high-risk or "
        "special-interest group (true), or only the others (false).",
    )
    unit = _unit()
    area = _area()
    before = CursorFilter()
    select = staticmethod(selectors.hazard_list)
