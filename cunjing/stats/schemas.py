"""API schemas of the results table (统计)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import ConfigDict

from cunjing.core.api import Id, QueryDate


class TotalsFilter(Schema):
    """``unit`` (default: your own unit), ``from`` and ``to`` (inclusive, Asia/Shanghai days)."""

    model_config = ConfigDict(populate_by_name=True)

    unit: Id | None = None
    date_from: QueryDate = Field(alias="from")
    date_to: QueryDate = Field(alias="to")


class TotalsOut(Schema):
    unit: int
    unit_name: str
    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    volunteers: int
    visits: int
    matters: int
    disputes_mediated: int
    floating_residents: int
    contact_cards: int
    assisted_households: int
    assisted_people: int
    services: int
    disputes_settled_village: int
    disputes_settled_township: int
    disputes_escalated: int
    disputes_passed_up: int
    screenings: int
