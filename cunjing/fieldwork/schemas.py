"""Request and response bodies of the field-work API.

Inputs forbid unknown fields and bound every string and number; ``client_uuid`` (or the
``Idempotency-Key`` header) identifies the submission. Outputs never carry an ID number or a
phone in clear: both are masked.
"""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import create_model

from cunjing.core.api import BodyId, InputSchema, Text
from cunjing.fieldwork.filters import RecordFilters, ReportFilters
from cunjing.fieldwork.models import (
    CorrectionAction,
    CorrectionState,
    HardshipKind,
    PreventionKind,
    RecordKind,
    ReportKind,
    ServiceKind,
    VenueKind,
    Verdict,
    VisitPurpose,
)

LIST_MAX = 200
LIST_DEFAULT = 50

StrictBool = Annotated[bool, Field(strict=True)]


def _int(low: int, high: int):
    return Annotated[int, Field(ge=low, le=high, strict=True)]


# --- Input ---------------------------------------------------------------------------------------


class RecordIn(InputSchema):
    area: BodyId = Field(description="The village or community.")
    occurred_on: dt.date = Field(description="The local date; not in the future.")
    client_uuid: Text | None = Field(
        None,
        max_length=45,
        description="The submission's UUID, if the Idempotency-Key header is not sent.",
    )


class VisitIn(RecordIn):
    household: Text = Field(min_length=1, max_length=200)
    dwelling: BodyId | None = Field(None, description="The registry's dwelling visited.")
    purpose: VisitPurpose
    notes: Text = Field("", max_length=2000)
    contact_card_given: StrictBool = False
    follow_up_needed: StrictBool = False


class FloatingResidentIn(RecordIn):
    name: Text = Field(min_length=1, max_length=50)
    id_number: Text = Field(min_length=1, max_length=18)
    phone: Text = Field("", max_length=20)
    origin: Text = Field(min_length=1, max_length=200)
    arrived_on: dt.date
    residence: Text = Field(min_length=1, max_length=200)
    employer: Text = Field("", max_length=200)
    expected_stay_days: _int(1, 3650) | None = None
    departed_on: dt.date | None = None


class ServiceIn(RecordIn):
    kind: ServiceKind
    beneficiary: Text = Field(min_length=1, max_length=100)
    description: Text = Field(min_length=1, max_length=2000)
    outcome: Text = Field("", max_length=2000)


class AssistanceIn(RecordIn):
    household: Text = Field(min_length=1, max_length=200)
    people: _int(1, 50)
    hardship_kind: HardshipKind
    help_given: Text = Field(min_length=1, max_length=2000)
    next_revisit_on: dt.date | None = None


class OutreachIn(RecordIn):
    venue_kind: VenueKind
    venue: Text = Field(min_length=1, max_length=200)
    topic: Text = Field(min_length=1, max_length=200)
    audience_size: _int(1, 100_000)


class VolunteerIn(RecordIn):
    name: Text = Field(min_length=1, max_length=50)
    phone: Text = Field(min_length=1, max_length=20)
    skills: Text = Field("", max_length=200)


class PreventionIn(RecordIn):
    kind: PreventionKind
    description: Text = Field(min_length=1, max_length=2000)
    participants: _int(1, 1000)
    volunteers: list[BodyId] = Field(
        default_factory=list, max_length=200, description="The volunteers who took part."
    )


class WorkLogIn(InputSchema):
    day: dt.date = Field(description="The local date of the log; not in the future.")
    text: Text = Field(min_length=1, max_length=5000)
    mode: Literal["append", "replace"] = Field(
        "append",
        description="append: a new time-stamped entry after what is written; replace: the "
        "whole text, edited explicitly.",
    )
    base: Text | None = Field(
        None,
        max_length=40,
        description="With replace: the `version` of the log the edit started from; refused "
        "(422) when the log changed meanwhile.",
    )
    client_uuid: Text | None = Field(None, max_length=45)


class ReportIn(InputSchema):
    kind: ReportKind
    period_start: dt.date = Field(
        description="Monday of the week (analysis) or first day of the month (summary)."
    )
    situation: Text = Field(min_length=1, max_length=5000)
    problems: Text = Field("", max_length=5000)
    measures: Text = Field("", max_length=5000)
    client_uuid: Text | None = Field(None, max_length=45)


class VoidIn(InputSchema):
    reason: Text = Field(min_length=1, max_length=500, description="Why it is voided.")


def patch_of(schema_in: type[RecordIn], fields: tuple[str, ...]) -> type[InputSchema]:
    """The body of a correction of a record of ``schema_in``'s kind: each of ``fields``
    optional (only those sent change), with the same bounds as on creation, and the reason."""
    attrs: dict = {
        "reason": (
            Text,
            Field(min_length=1, max_length=500, description="Why it is corrected."),
        )
    }
    for name in fields:
        info = schema_in.model_fields[name]
        annotation = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        attrs[name] = (annotation | None, Field(None, description=info.description))
    name = schema_in.__name__.removesuffix("In") + "Correction"
    return create_model(name, __base__=InputSchema, **attrs)


ChangeValue = Annotated[str, Field(max_length=2000)] | int | bool | None


class CorrectionRequestIn(InputSchema):
    record_kind: RecordKind
    record: BodyId = Field(description="The record's id.")
    action: CorrectionAction
    changes: dict[Annotated[str, Field(max_length=40)], ChangeValue] = Field(
        default_factory=dict,
        max_length=20,
        description="With `correct`: field → new value (dates as YYYY-MM-DD).",
    )
    reason: Text = Field(min_length=1, max_length=500)


class DecisionIn(InputSchema):
    approve: StrictBool
    note: Text = Field("", max_length=500, description="Required when not approving.")


class SupervisionIn(InputSchema):
    worklog: BodyId | None = Field(None, description="The work log supervised.")
    report: BodyId | None = Field(None, description="Or the report supervised.")
    verdict: Verdict
    comment: Text = Field(min_length=1, max_length=2000)


# --- Filters -------------------------------------------------------------------------------------


def _limit():
    return int, Field(LIST_DEFAULT, ge=1, le=LIST_MAX, description=f"Rows (1–{LIST_MAX}).")


# The query strings of the lists: the filters declared once in ``fieldwork.filters``, and a limit.
RecordFilter = RecordFilters.schema("RecordFilter", limit=_limit())
ReportFilter = ReportFilters.schema("ReportFilter", limit=_limit())


# --- Output --------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class RecordOut(Schema):
    id: int
    area: RefOut
    unit: RefOut
    officer_id: int | None
    recorded_by_id: int
    occurred_on: dt.date
    client_uuid: str
    created_at: dt.datetime
    updated_at: dt.datetime | None = Field(description="When it was last corrected.")
    voided_at: dt.datetime | None = Field(description="Voided: it counts for nothing.")
    void_reason: str


class VisitOut(RecordOut):
    household: str
    dwelling: int | None = Field(None, description="The registry's dwelling visited.")
    purpose: VisitPurpose
    notes: str
    contact_card_given: bool
    follow_up_needed: bool


class FloatingResidentOut(RecordOut):
    name: str
    id_number: str = Field(description="Masked: region code and last four characters.")
    phone: str = Field(description="Masked.")
    origin: str
    arrived_on: dt.date
    residence: str
    employer: str
    expected_stay_days: int | None
    departed_on: dt.date | None


class ServiceOut(RecordOut):
    kind: ServiceKind
    beneficiary: str
    description: str
    outcome: str


class AssistanceOut(RecordOut):
    household: str
    people: int
    hardship_kind: HardshipKind
    help_given: str
    next_revisit_on: dt.date | None


class OutreachOut(RecordOut):
    venue_kind: VenueKind
    venue: str
    topic: str
    audience_size: int


class VolunteerOut(RecordOut):
    name: str
    phone: str = Field(description="Masked.")
    skills: str


class PreventionOut(RecordOut):
    kind: PreventionKind
    description: str
    participants: int
    volunteers: list[int] = Field(default_factory=list)


class WorkLogOut(Schema):
    id: int
    officer: RefOut
    unit: RefOut
    day: dt.date
    text: str
    version: str = Field(description="Pass as `base` to replace the whole text safely.")
    client_uuid: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SupervisionOut(Schema):
    id: int
    verdict: Verdict
    comment: str
    supervised_by: str
    created_at: dt.datetime


class ReportOut(Schema):
    id: int
    officer: RefOut
    unit: RefOut
    kind: ReportKind
    period_start: dt.date
    period_end: dt.date
    situation: str
    problems: str
    measures: str
    client_uuid: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SupervisionCreated(SupervisionOut):
    worklog: int | None
    report: int | None


def page_of(item):
    """The page schema of a list of ``item``."""
    return type(
        f"{item.__name__.removesuffix('Out')}Page",
        (Schema,),
        {
            "__annotations__": {"items": list[item], "next": str | None},
            "next": Field(None, description="Cursor of the next page; null on the last."),
        },
    )


class CorrectionRequestOut(Schema):
    id: int
    record_kind: RecordKind
    record: int
    area: RefOut
    action: CorrectionAction
    changes: dict = Field(description="ID numbers and phones masked.")
    reason: str
    state: CorrectionState
    requested_by_id: int
    requested_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str


class CorrectionFilter(Schema):
    state: CorrectionState | None = None
    mine: bool = False
    limit: int = Field(LIST_DEFAULT, ge=1, le=LIST_MAX, description=f"Rows (1–{LIST_MAX}).")
    before: Text | None = Field(None, max_length=100, description="The previous page's `next`.")
