"""Request and response bodies of the organisation API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict

from cunjing.core.api import BodyId, EmptyAsNone, InputSchema, PageIn, Text
from cunjing.org.filters import AideFilters, AreaFilters, OfficerFilters, UnitFilters
from cunjing.org.models import AideKind, AideSubtype, AreaKind, OrgChangeAction, UnitKind

# --- Filters (query strings) -----------------------------------------------------------------


# The lists' query strings: the filters declared once in ``org.filters``, on the counted page's
# ``limit`` and ``offset``.
UnitFilter = UnitFilters.schema("UnitFilter", base=PageIn)
AreaFilter = AreaFilters.schema("AreaFilter", base=PageIn)
OfficerFilter = OfficerFilters.schema("OfficerFilter", base=PageIn)
AideFilter = AideFilters.schema("AideFilter", base=PageIn)


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


# --- People: officers and aides ------------------------------------------------------------------


class OrgChangeOut(Schema):
    """One line of a person's history (an ``OrgChange`` row)."""

    id: int
    action: OrgChangeAction = Field(
        description="`officer_transfer`, `officer_leave`, `aide_end` (or a change of the unit)."
    )
    action_label: str = Field(description="The action in the user's language.")
    on: dt.date = Field(description="The day it took effect.")
    detail: dict = Field(
        description="Names as they were: for a transfer `from`, `to`, `to_id` and `beats` (the "
        "beats it ended); for a retirement `beats`; for an aide's end `area`."
    )
    note: str = Field(description="Why, as the system admin wrote it.")


class OfficerOut(Schema):
    id: int
    name: str
    badge_number: str = Field(description="The badge (police) number, unique in the bureau.")
    title: str = Field(description="Rank or post, e.g. 民警, 副所长.")
    phone: str = Field(
        description="The officer's work phone in E.164 (`+8613803751001`), unmasked: the "
        "number residents are given on the contact card."
    )
    unit: UnitRefOut = Field(description="The unit the officer is posted to.")
    is_active: bool = Field(description="False once the officer has retired or left the force.")
    left_on: dt.date | None = Field(description="The day the officer retired or left.")
    open_beat_count: int = Field(
        description="Beats the officer serves today (`on_beat=true` lists exactly those with "
        "one or more)."
    )


class OfficerBeatOut(Schema):
    id: int
    area: AreaRefOut
    start_date: dt.date
    end_date: dt.date | None = Field(description="Null while the beat is open.")
    is_lead: bool = Field(description="The area's lead beat officer (on the contact card).")
    is_open: bool = Field(description="The beat runs today.")


class OfficerDetailOut(OfficerOut):
    beats: list[OfficerBeatOut] = Field(
        description="Every beat of the officer: the open ones first, then the ended ones, "
        "newest first."
    )
    history: list[OrgChangeOut] = Field(
        description="Transfers and retirement, newest first (as far as the caller's "
        "jurisdiction shows the units involved)."
    )


class OfficerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OfficerOut]


class AideOut(Schema):
    id: int
    name: str
    kind: AideKind = Field(description="`patroller` (巡防队员) or `security_member` (治安员).")
    kind_label: str
    subtype: AideSubtype | None = Field(description="A security member's subtype; null else.")
    subtype_label: str = Field(description="The subtype in the user's language; empty if none.")
    phone: str = Field(
        description="The aide's personal mobile, masked (`139****1009`) like every personal "
        "phone the API shows."
    )
    area: AreaRefOut = Field(description="The village or community the aide works in.")
    is_active: bool = Field(description="False once the aide's service has ended.")
    started_on: dt.date | None
    ended_on: dt.date | None = Field(description="The day the aide's service ended.")


class AideDetailOut(AideOut):
    history: list[OrgChangeOut] = Field(description="The end of service, if any.")


class AidePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AideOut]


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


# --- People --------------------------------------------------------------------------------------

# Bounds of the people's fields (the models' lengths; a phone as typed, before it is normalised).
Name = Annotated[Text, Field(min_length=1, max_length=50)]
Badge = Annotated[Text, Field(min_length=1, max_length=16)]
Title = Annotated[Text, Field(max_length=50)]
Phone = Annotated[Text, Field(min_length=1, max_length=30)]
Note = Annotated[Text, Field(max_length=200)]
Subtype = Annotated[AideSubtype | None, EmptyAsNone]

_PHONE = "A mainland number, mobile or landline (`13803751001`, `0375-8123456`); stored in E.164."
_ON = "The day it takes effect; default today. At most a year ago, at most a month ahead."
_NOTE = "Why (调任, 退休, 辞退 …); kept in the history."


class PeopleInputSchema(InputSchema):
    """Unknown fields are an error; surrounding whitespace is dropped before the bounds apply."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OfficerIn(PeopleInputSchema):
    unit_id: BodyId = Field(description="An open unit of the caller's jurisdiction (any level).")
    name: Name = Field(description="Full name (姓名); its pinyin initials are kept for search.")
    badge_number: Badge = Field(description="Unique in the bureau.")
    phone: Phone = Field(description=_PHONE)
    title: Title = Field("", description="Rank or post, e.g. 民警.")


class OfficerPatchIn(PeopleInputSchema):
    """Only the fields sent are changed. The unit changes by a transfer, not here."""

    name: Name = Field(None, description="Full name (姓名).")
    badge_number: Badge = Field(None, description="Unique in the bureau.")
    title: Title = Field(None, description="Rank or post; empty for none.")
    phone: Phone = Field(None, description=_PHONE)


class OfficerTransferIn(PeopleInputSchema):
    unit_id: BodyId = Field(description="The open unit the officer is posted to.")
    on: dt.date | None = Field(None, description=_ON + " The officer's open beats end on it.")
    note: Note = Field("", description=_NOTE)


class LeaveIn(PeopleInputSchema):
    on: dt.date | None = Field(None, description=_ON)
    note: Note = Field("", description=_NOTE)


class AideIn(PeopleInputSchema):
    area_id: BodyId = Field(description="A village or community of the caller's jurisdiction.")
    name: Name = Field(description="Full name (姓名); its pinyin initials are kept for search.")
    kind: AideKind = Field(description="`patroller` or `security_member`.")
    subtype: Subtype = Field(
        None, description="Required for a security member, absent (or empty) for a patroller."
    )
    phone: Phone = Field(description=_PHONE + " Unique among the bureau's serving aides.")
    started_on: dt.date | None = Field(None, description="The day the aide started.")


class AidePatchIn(PeopleInputSchema):
    """Only the fields sent are changed; an ended aide cannot be changed."""

    name: Name = Field(None, description="Full name (姓名).")
    kind: AideKind = Field(None, description="`patroller` or `security_member`.")
    subtype: Subtype = Field(None, description="Null or empty: none (a patroller).")
    phone: Phone = Field(None, description=_PHONE)
    area_id: BodyId = Field(None, description="Move the aide to this village or community.")
    started_on: dt.date | None = Field(None, description="The day the aide started; null: unknown.")
