"""Request and response bodies of the matters API. Inputs forbid unknown fields and bound every
string and number; outputs carry the reporter's phone masked."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from cunjing.core.api import BodyId, EmptyAsNone, Id, InputSchema, QueryDate, Text
from cunjing.matters.filters import MatterFilters
from cunjing.matters.models import (
    Action,
    Level,
    MatterKind,
    ReplyChannel,
    Source,
    State,
)

LIST_MAX = 200
LIST_DEFAULT = 50
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


# --- Input ---------------------------------------------------------------------------------------


class MatterIn(InputSchema):
    area: BodyId = Field(description="The village or community.")
    kind: MatterKind
    description: Text = Field(min_length=1, max_length=2000)
    source: Source | None = Field(
        None,
        description="Default: your own (beat officer, aide) or hotline. Desks: hotline, "
        "wechat, sms.",
    )
    category: BodyId | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    reporter_name: Text = Field("", max_length=50)
    reporter_phone: Text = Field("", max_length=20)
    client_uuid: Text | None = Field(
        None,
        max_length=45,
        description="The submission's UUID, if the Idempotency-Key header is not sent.",
    )


class NoteIn(InputSchema):
    note: Text = Field("", max_length=2000)


class ReplyIn(InputSchema):
    channel: ReplyChannel
    text: Text = Field(min_length=1, max_length=2000)


class ResolveIn(InputSchema):
    resolution: Text = Field(min_length=1, max_length=2000)


class EscalateIn(InputSchema):
    reason: Text = Field(min_length=1, max_length=2000)


class ReferIn(InputSchema):
    body: Text = Field(min_length=1, max_length=100, description="The non-police body.")
    note: Text = Field("", max_length=2000)


class MergeIn(InputSchema):
    target: BodyId = Field(description="The matter this one duplicates.")
    note: Text = Field("", max_length=2000)


class CaseIn(InputSchema):
    case_number: Text = Field(min_length=1, max_length=50)


class SlaIn(InputSchema):
    level: Level
    kind: MatterKind
    reply_hours: Annotated[int, Field(ge=1, le=8760, strict=True)]
    resolve_hours: Annotated[int, Field(ge=1, le=8760, strict=True)]


MatterFilter = MatterFilters.schema(
    "MatterFilter", limit=(int, Field(LIST_DEFAULT, ge=1, le=LIST_MAX))
)


class CountsFilter(Schema):
    unit: Annotated[Id | None, EmptyAsNone] = Field(None, description="Default: your unit.")
    date_from: Annotated[QueryDate | None, EmptyAsNone] = None
    date_to: Annotated[QueryDate | None, EmptyAsNone] = None


# --- Output --------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class MatterOut(Schema):
    id: int
    tracking_code: str
    kind: MatterKind
    category: RefOut | None
    source: Source
    area: RefOut
    state: State
    level: Level
    handling_unit: RefOut
    description: str
    reporter_name: str
    reporter_phone: str = Field(description="Masked.")
    latitude: float | None
    longitude: float | None
    created_at: dt.datetime
    first_reply_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    reply_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    overdue: bool
    referred_to: str
    merged_into: int | None
    case_number: str
    rating: int | None


class EventOut(Schema):
    action: Action
    actor: str
    from_state: str
    to_state: str
    from_level: str
    to_level: str
    note: str
    created_at: dt.datetime


class ReplyOut(Schema):
    id: int
    channel: ReplyChannel
    text: str
    unit: RefOut
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    original_name: str
    created_at: dt.datetime


class DuplicateOut(Schema):
    id: int
    tracking_code: str
    description: str
    state: State
    similarity: float


class MatterDetailOut(MatterOut):
    resolution: str
    rating_comment: str
    events: list[EventOut]
    replies: list[ReplyOut]
    attachments: list[AttachmentOut]
    possible_duplicates: list[DuplicateOut]
    actions: list[Action] = Field(description="What you may do to it now.")


class MatterPage(Schema):
    items: list[MatterOut]
    next: str | None = Field(
        None, description="Cursor of the next page (pass it as `before`); null on the last."
    )


class SlaOut(Schema):
    level: Level
    kind: MatterKind
    reply_hours: int
    resolve_hours: int
    custom: bool = Field(description="False: the default applies.")


class CategoryOut(Schema):
    id: int
    kind: MatterKind
    name: str


class FiguresOut(Schema):
    collected: int
    replied: int
    replied_pct: float | None
    median_hours_to_reply: float | None
    overdue: int
    overdue_pct: float | None
    resolved_by_level: dict[str, int]


class UnitFiguresOut(FiguresOut):
    unit: RefOut


class CountsOut(Schema):
    unit: RefOut
    total: FiguresOut
    by_unit: list[UnitFiguresOut]
