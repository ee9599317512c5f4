"""Request and response bodies of the disputes API. Inputs forbid unknown fields and bound every
string, number and list; outputs carry ID numbers and phones masked (an aide's parties carry no
``id_number`` at all)."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from cunjing.core.api import BodyId, EmptyAsNone, Id, InputSchema, QueryDate, Text
from cunjing.disputes.filters import DisputeFilters, HazardFilters, ScreeningFilters
from cunjing.disputes.models import (
    VISITS_MAX,
    Action,
    HazardOutcome,
    Level,
    Outcome,
    PartyRole,
    ReferralBody,
    RiskFlag,
    RiskLevel,
    RiskSign,
    Source,
    State,
    Tier,
)
from cunjing.disputes.services import HAZARDS_MAX, PARTIES_MAX

LIST_MAX = 200
LIST_DEFAULT = 50
Count = Annotated[int, Field(ge=0, le=VISITS_MAX, strict=True)]
ClientUuid = Annotated[
    Text | None,
    Field(
        None,
        max_length=45,
        description="The submission's UUID, if the Idempotency-Key header is not sent.",
    ),
]
TransitionAction = Literal["mediate", "agree", "refer", "fail", "close", "reopen"]


# --- Input ---------------------------------------------------------------------------------------


class KindIn(InputSchema):
    name: Text = Field(min_length=1, max_length=50)


class KindPatchIn(InputSchema):
    name: Text | None = Field(None, min_length=1, max_length=50)
    active: Annotated[bool, Field(strict=True)] | None = None


class HazardIn(InputSchema):
    description: Text = Field(min_length=1, max_length=1000)
    outcome: HazardOutcome = HazardOutcome.NONE
    dispute: BodyId | None = Field(None, description="The dispute it became (outcome dispute).")
    matter: BodyId | None = Field(None, description="The matter it became (outcome matter).")
    flags: list[RiskFlag] = Field([], max_length=len(RiskFlag.values))


class ScreeningIn(InputSchema):
    area: BodyId = Field(description="The village or community screened.")
    screened_on: dt.date
    households_visited: Count
    places_visited: Count
    note: Text = Field("", max_length=2000)
    hazards: list[HazardIn] = Field([], max_length=HAZARDS_MAX)
    client_uuid: ClientUuid


class PartyIn(InputSchema):
    role: PartyRole = PartyRole.OTHER
    name: Text = Field("", max_length=50, description="Default: the resident's name.")
    id_number: Text = Field("", max_length=18)
    phone: Text = Field("", max_length=20)
    resident: BodyId | None = Field(None, description="The registry's resident, if registered.")


class DisputeIn(InputSchema):
    area: BodyId = Field(description="The village or community.")
    kind: BodyId = Field(description="A kind of GET /api/disputes/kinds.")
    source: Source
    facts: Text = Field(min_length=1, max_length=2000)
    place: Text = Field("", max_length=200)
    risk_level: RiskLevel = RiskLevel.LOW
    risk_signs: list[RiskSign] = Field(
        [], max_length=len(RiskSign.values), description="Any sign makes the risk high."
    )
    reported_at: dt.datetime | None = Field(None, description="Default: now.")
    parties: list[PartyIn] = Field([], max_length=PARTIES_MAX)
    hazard: BodyId | None = Field(None, description="The screening hazard it was found as.")
    client_uuid: ClientUuid


class SessionIn(InputSchema):
    held_on: dt.date
    place: Text = Field(min_length=1, max_length=200)
    participants: Text = Field(min_length=1, max_length=1000)
    outcome: Text = Field(min_length=1, max_length=2000)


class FollowUpIn(InputSchema):
    """A visit made (``done_on`` and ``note``), or one more visit scheduled (``due_on``)."""

    done_on: dt.date | None = None
    due_on: dt.date | None = None
    note: Text = Field("", max_length=2000)


class TransitionIn(InputSchema):
    """``action`` and what it takes: ``agree`` — ``agreement`` (required), ``tier``,
    ``settled_on``; ``refer`` — ``referred_to`` (required), ``referred_to_name`` (required for
    ``other``), ``above_county``, ``settled_on``, ``note``; ``fail`` and ``reopen`` — ``reason``
    (required); ``mediate`` and ``close`` — ``note``. A field the action does not take is a 422."""

    action: TransitionAction
    note: Text = Field("", max_length=2000)
    reason: Text = Field("", max_length=2000)
    agreement: Text = Field("", max_length=2000)
    tier: Tier | None = Field(None, description="Default: by your role.")
    settled_on: dt.date | None = Field(None, description="Default: today.")
    referred_to: ReferralBody | None = None
    referred_to_name: Text = Field("", max_length=100)
    above_county: Annotated[bool, Field(strict=True)] = False


class HazardCloseIn(InputSchema):
    note: Text = Field("", max_length=1000)


DisputeFilter = DisputeFilters.schema(
    "DisputeFilter", limit=(int, Field(LIST_DEFAULT, ge=1, le=LIST_MAX))
)
ScreeningFilter = ScreeningFilters.schema(
    "ScreeningFilter", limit=(int, Field(LIST_DEFAULT, ge=1, le=LIST_MAX))
)
HazardFilter = HazardFilters.schema(
    "HazardFilter", limit=(int, Field(LIST_DEFAULT, ge=1, le=LIST_MAX))
)


class RatesFilter(Schema):
    """``unit`` (default: your own unit), ``from`` and ``to`` (inclusive, the days settled)."""

    model_config = ConfigDict(populate_by_name=True)

    unit: Annotated[Id | None, EmptyAsNone] = None
    date_from: QueryDate = Field(alias="from")
    date_to: QueryDate = Field(alias="to")


# --- Output --------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class KindOut(Schema):
    id: int
    code: str = Field(description="The default kind's code; empty for the bureau's own.")
    name: str
    active: bool


class PartyOut(Schema):
    id: int
    role: PartyRole
    name: str
    id_number: str | None = Field(
        None, description="Masked (region code and last four). Left out entirely for aides."
    )
    phone: str = Field(description="Masked.")
    resident: int | None


class EventOut(Schema):
    action: Action
    actor: str
    from_state: str
    to_state: str
    note: str
    created_at: dt.datetime


class SessionOut(Schema):
    id: int
    held_on: dt.date
    place: str
    participants: str
    outcome: str
    created_at: dt.datetime


class FollowUpOut(Schema):
    id: int
    due_on: dt.date
    done_on: dt.date | None
    cancelled_on: dt.date | None
    note: str
    created_at: dt.datetime


class DisputeOut(Schema):
    id: int
    kind: RefOut
    area: RefOut
    unit: RefOut
    place: str
    source: Source
    facts: str
    risk_level: RiskLevel
    risk_signs: list[RiskSign]
    state: State
    outcome: Outcome | None
    tier: Tier | None
    referred_to: ReferralBody | None
    referred_to_name: str
    above_county: bool
    agreement: str
    reported_at: dt.datetime
    settled_on: dt.date | None
    closed_at: dt.datetime | None
    reopen_count: int
    level: Level
    handling_unit: RefOut
    resolve_due_at: dt.datetime | None
    overdue: bool
    matter: int | None
    created_at: dt.datetime


class DisputeDetailOut(DisputeOut):
    parties: list[PartyOut]
    sessions: list[SessionOut]
    follow_ups: list[FollowUpOut]
    events: list[EventOut]
    actions: list[TransitionAction] = Field(description="What you may do to it now.")


class DisputePage(Schema):
    items: list[DisputeOut]
    next: str | None = Field(
        None, description="Cursor of the next page (pass it as `before`); null on the last."
    )


class HazardOut(Schema):
    id: int
    round: int
    area: RefOut
    description: str
    outcome: HazardOutcome
    dispute: int | None
    matter: int | None
    flags: list[RiskFlag]
    closed_at: dt.datetime | None
    close_note: str
    created_at: dt.datetime


class HazardPage(Schema):
    items: list[HazardOut]
    next: str | None = Field(None, description="Cursor of the next page; null on the last.")


class ScreeningOut(Schema):
    id: int
    area: RefOut
    unit: RefOut
    officer: RefOut | None
    screened_on: dt.date
    households_visited: int
    places_visited: int
    note: str
    hazards: list[HazardOut]
    client_uuid: str
    created_at: dt.datetime


class ScreeningPage(Schema):
    items: list[ScreeningOut]
    next: str | None = Field(None, description="Cursor of the next page; null on the last.")


class RatesOut(Schema):
    unit: RefOut
    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    settled: int = Field(description="Disputes settled (agreement or referral): the whole.")
    village: int
    township: int
    escalated: int
    passed_up: int = Field(description="Referred to a body above the county.")
    village_rate: float | None = Field(description="小事不出村: village / settled.")
    township_rate: float | None = Field(description="大事不出镇: (village + township) / settled.")
    county_rate: float | None = Field(description="矛盾不上交: (settled − passed_up) / settled.")
