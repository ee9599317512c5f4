"""Request and response bodies of the registry API and of ``POST /api/reveal``.

Inputs forbid unknown fields and bound every string and number. Outputs never carry an ID
number or a phone in clear: both are masked, and for aides the ID number is left out entirely.
"""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from cunjing.core.api import BodyId, InputSchema, PageIn, Text
from cunjing.registry.filters import (
    AddressFilters,
    DwellingFilters,
    EstablishmentFilters,
    ResidentFilters,
)
from cunjing.registry.models import DwellingKind, EstablishmentKind, HouseholdRole

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
StrictBool = Annotated[bool, Field(strict=True)]


# --- Input ---------------------------------------------------------------------------------------


class AddressIn(InputSchema):
    area: BodyId = Field(description="The village or community.")
    road: Text = Field(min_length=1, max_length=100, description="Road or street (街路巷).")
    number: Text = Field(min_length=1, max_length=20, description="House number (门牌号).")
    building: Text = Field("", max_length=20)
    unit_number: Text = Field("", max_length=20, description="Entrance (单元).")
    room: Text = Field("", max_length=20)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class DwellingIn(InputSchema):
    address: BodyId
    kind: DwellingKind
    notes: Text = Field("", max_length=2000)


class ResidentIn(InputSchema):
    dwelling: BodyId
    name: Text = Field(min_length=1, max_length=50)
    household_role: HouseholdRole
    id_number: Text = Field(
        "", max_length=18, description="Resident ID number (GB 11643); may be empty for a child."
    )
    phone: Text = Field("", max_length=20)
    moved_out_on: dt.date | None = None


class EstablishmentIn(InputSchema):
    address: BodyId
    name: Text = Field(min_length=1, max_length=100)
    kind: EstablishmentKind
    uscc: Text = Field("", max_length=18, description="Unified social credit code, 18 chars.")
    contact_name: Text = Field("", max_length=50)
    contact_phone: Text = Field("", max_length=20)
    is_key_unit: StrictBool = False


# --- Filters -------------------------------------------------------------------------------------


# The query strings of the lists: the filters declared once in ``registry.filters``, on the
# counted page's ``limit`` and ``offset``.
AddressFilter = AddressFilters.schema("AddressFilter", base=PageIn)
DwellingFilter = DwellingFilters.schema("DwellingFilter", base=PageIn)
ResidentFilter = ResidentFilters.schema("ResidentFilter", base=PageIn)
EstablishmentFilter = EstablishmentFilters.schema("EstablishmentFilter", base=PageIn)


# --- Output --------------------------------------------------------------------------------------


class AreaRefOut(Schema):
    id: int
    name: str


class AddressRefOut(Schema):
    id: int
    full_text: str


class AddressOut(Schema):
    id: int
    area: AreaRefOut
    road: str
    number: str
    building: str
    unit_number: str
    room: str
    full_text: str
    latitude: float | None
    longitude: float | None
    created_at: dt.datetime
    updated_at: dt.datetime


class DwellingOut(Schema):
    id: int
    area: AreaRefOut
    address: AddressRefOut
    kind: DwellingKind
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ResidentOut(Schema):
    id: int
    area: AreaRefOut
    dwelling: int
    address: AddressRefOut
    name: str
    household_role: HouseholdRole
    id_number: str | None = Field(
        None,
        description="Masked (region code and last four). Left out entirely for aides.",
    )
    phone: str = Field(description="Masked.")
    moved_out_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class EstablishmentOut(Schema):
    id: int
    area: AreaRefOut
    address: AddressRefOut
    name: str
    kind: EstablishmentKind
    uscc: str
    contact_name: str
    contact_phone: str = Field(description="Masked.")
    is_key_unit: bool
    created_at: dt.datetime
    updated_at: dt.datetime


def page_of(item):
    """The page schema of a list of ``item``."""
    return type(
        f"{item.__name__.removesuffix('Out')}Page",
        (Schema,),
        {
            "__annotations__": {"count": int, "limit": int, "offset": int, "items": list[item]},
        },
    )
