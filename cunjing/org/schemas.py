"""Request and response bodies of the organisation API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict

from cunjing.core.api import BodyId, EmptyAsNone, InputSchema, PageIn, Text
from cunjing.org.filters import AreaFilters, UnitFilters
from cunjing.org.models import AreaKind, UnitKind

# --- Filters (query strings) -----------------------------------------------------------------


# The lists' query strings: the filters declared once in ``org.filters``, on the counted page's
# ``limit`` and ``offset``.
UnitFilter = UnitFilters.schema("UnitFilter", base=PageIn)
AreaFilter = AreaFilters.schema("AreaFilter", base=PageIn)


class CoverageFilter(Schema):
    kind: Annotated[AreaKind | None, EmptyAsNone] = Field(
        None, description="`village` or `community`; any other kind means both."
    )


# --- Output ------------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    kind: UnitKind
    kind_label: str
    name: str
    code: str
    address: str
    phone: str
    latitude: float | None
    longitude: float | None
    depth: int = Field(description="1 bureau, 2 station, 3 office, 4 workstation.")
    parent_id: int | None = Field(description="The parent unit, when visible to the caller.")


class UnitRefOut(Schema):
    id: int
    kind: UnitKind
    name: str


class AreaRefOut(Schema):
    id: int
    kind: AreaKind
    name: str
    division_code: str


class UnitDetailOut(UnitOut):
    children: list[UnitRefOut] = Field(description="Child units visible to the caller.")
    areas: list[AreaRefOut] = Field(description="Areas this unit itself serves.")


class AreaOut(Schema):
    id: int
    kind: AreaKind
    kind_label: str
    name: str
    division_code: str
    pinyin_initials: str
    latitude: float | None
    longitude: float | None
    depth: int = Field(description="1 county, 2 township, 3 village or community.")
    parent_id: int | None = Field(description="The parent area, when visible to the caller.")


class OfficerCardOut(Schema):
    id: int
    name: str
    badge_number: str
    title: str
    phone: str


class ServingUnitOut(Schema):
    id: int
    name: str
    address: str
    phone: str


class ContactCardOut(Schema):
    """警民联系卡: how a resident reaches the area's beat officer."""

    officer: OfficerCardOut | None = Field(description="The lead beat officer, if any.")
    unit: ServingUnitOut | None = Field(description="The workstation or office serving it.")
    address: str
    others: list[OfficerCardOut] = Field(description="The area's other beat officers.")


class AreaDetailOut(AreaOut):
    contact_card: ContactCardOut


class UnitPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[UnitOut]


class AreaPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AreaOut]


class CoverageOut(Schema):
    areas_total: int = Field(description="Villages and communities in the caller's scope.")
    areas_covered: int = Field(description="Of those, the ones with an active beat officer.")
    areas_complete: int = Field(
        description="Of those, the ones with an officer, a patroller and a security member "
        "(一警两员)."
    )
    uncovered: list[AreaRefOut] = Field(description="Areas without an active beat officer.")
    without_patroller: list[AreaRefOut] = Field(description="Areas without an active patroller.")
    without_security_member: list[AreaRefOut] = Field(
        description="Areas without an active security member."
    )


class OfficerRefOut(Schema):
    id: int
    name: str
    badge_number: str


class BeatOut(Schema):
    id: int
    officer: OfficerRefOut
    area: AreaRefOut
    start_date: dt.date
    end_date: dt.date | None
    is_lead: bool


# --- Input ---------------------------------------------------------------------------------------


class AreaPatchIn(InputSchema):
    """Only the fields sent are changed. Surrounding whitespace is dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(None, min_length=1, max_length=100)
    division_code: Text = Field(None, min_length=1, max_length=12, description="12 digits.")
    # strict: a JSON number (true is not 1.0); NaN and Infinity are refused.
    latitude: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False, strict=True)
    longitude: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, strict=True)


class BeatAssignIn(InputSchema):
    officer: BodyId
    area: BodyId = Field(description="A village or community.")
    start_date: dt.date | None = Field(None, description="Default: today.")
    is_lead: bool = Field(
        False, strict=True, description="Hand the area's lead over to this officer."
    )


class BeatEndIn(InputSchema):
    end_date: dt.date | None = Field(None, description="Default: today.")


class BureauRulesOut(Schema):
    correction_window_days: int = Field(
        description="Days after it was saved that a field record can be corrected or voided "
        "directly; after that by a correction request a leader decides."
    )


class BureauRulesIn(InputSchema):
    correction_window_days: int = Field(ge=0, le=90, strict=True)
