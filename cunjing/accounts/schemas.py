"""Request and response bodies of the accounts API (sign-in token, the current user)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from cunjing.core.api import InputSchema, Text


class TokenIn(InputSchema):
    username: Text = Field(..., min_length=1, max_length=150)
    password: Text = Field(..., min_length=1, max_length=4096)


class RoleOut(Schema):
    code: str = Field(description="Role code, e.g. `beat_officer`.")
    label: str = Field(description="Role name in the user's language.")


class UnitRefOut(Schema):
    id: int
    kind: str
    name: str


class BureauOut(Schema):
    id: int
    name: str
    code: str = Field(description="6-digit county division code.")


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: RoleOut | None = Field(description="Null for an account without a role.")
    unit: UnitRefOut | None = Field(description="The unit whose subtree is the jurisdiction.")
    bureau: BureauOut | None
    capabilities: list[str] = Field(description="Capability codes of the role, sorted.")


class TokenOut(Schema):
    token: str = Field(
        description="The bearer token; shown once, send as `Authorization: Bearer <token>`."
    )
    expires_at: dt.datetime
    user: MeOut
